/* Little-endian fields of the print and index files. Through memcpy so
 * that a field at any offset of a mapped file is read without an
 * unaligned access (the compiler turns these into plain loads on x86). */
#ifndef LE_BYTES_H
#define LE_BYTES_H

#include <stdint.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the print and index files are read in place: little-endian hosts only"
#endif

static inline uint32_t le_get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t le_get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline double le_get_f64(const uint8_t *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline float le_get_f32(const uint8_t *p)
{
    float v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void le_put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, sizeof v);
}

static inline void le_put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

static inline void le_put_f64(uint8_t *p, double v)
{
    memcpy(p, &v, sizeof v);
}

static inline void le_put_f32(uint8_t *p, float v)
{
    memcpy(p, &v, sizeof v);
}

#endif
