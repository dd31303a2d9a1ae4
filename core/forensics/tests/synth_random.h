/* Reproducible random numbers for synthetic prints (test_index and
 * bench/forensics/index_scale): splitmix64, fixed seeds, the same stream
 * on every machine. */
#ifndef SYNTH_RANDOM_H
#define SYNTH_RANDOM_H

#include <stdint.h>

static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_unit(uint64_t *state)
{
    return (double)(rng_next(state) >> 11) / (double)(1ULL << 53);
}

#endif
