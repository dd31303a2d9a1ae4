/* Synthetic prints for the alignment tests (see align_synth.h). */
#include "align_synth.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next_random(uint64_t *state)
{
    /* xorshift64*: reproducible from the seed, good enough for bits */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

static double uniform(uint64_t *state)
{
    return (double)(next_random(state) >> 11) / 9007199254740992.0;
}

static void *must_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    ck_assert_ptr_nonnull(p);
    return p;
}

/* The picture changes by one bit a frame (0.04 s): frames under ~0.5 s
 * apart stay within the 14 bits that make "the same picture", frames
 * seconds apart differ like unrelated ones. */
static uint64_t walk(uint64_t hash, uint64_t *state)
{
    return hash ^ (1ull << (next_random(state) % 64));
}

void synth_original(dk_media_print *out, double seconds, unsigned seed,
                    double picture_step)
{
    memset(out, 0, sizeof *out);
    uint64_t state = 0x9e3779b97f4a7c15ull * (seed + 1);
    dk_audio_print *a = &out->audio;
    a->hop = SYNTH_HOP;
    a->count = (size_t)(seconds / SYNTH_HOP);
    a->bits = must_alloc(a->count, sizeof *a->bits);
    a->quiet = must_alloc(a->count, 1);
    for (size_t k = 0; k < a->count; k++) {
        a->bits[k] = (uint32_t)(next_random(&state) >> 32);
        double t = fmod((double)k * SYNTH_HOP, SYNTH_PHRASE);
        a->quiet[k] = t >= SYNTH_PHRASE - SYNTH_PAUSE;
    }
    size_t frames = (size_t)(seconds / 0.04);
    size_t every = (size_t)lround(picture_step / 0.04);
    dk_picture_print *p = &out->picture;
    p->frames = must_alloc(frames / every + 1, sizeof *p->frames);
    uint64_t whole = next_random(&state), centre = next_random(&state);
    for (size_t f = 0; f < frames; f++) {
        whole = walk(whole, &state);
        centre = walk(centre, &state);
        if (f % every)
            continue;
        p->frames[p->count++] = (dk_picture_frame){
            .time = (double)f * 0.04,
            .whole = whole,
            .centre = centre,
            .aspect = 16.0f / 9.0f,
        };
    }
    out->duration = seconds;
    out->has_audio = out->has_video = true;
}

/* The picture of the source at time t: its frame at or before t. The
 * tests give clips dense originals (picture_step 0.04) to sample. */
static dk_picture_frame frame_at(const dk_media_print *source, double t)
{
    const dk_picture_print *p = &source->picture;
    size_t lo = 0, hi = p->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->frames[mid].time <= t + 1e-9)
            lo = mid;
        else
            hi = mid;
    }
    return p->frames[lo];
}

void synth_make_clip(const synth_clip *spec, dk_media_print *out)
{
    memset(out, 0, sizeof *out);
    uint64_t state = 0x2545f4914f6cdd1dull * (spec->seed + 7);
    double speed = spec->speed > 0 ? spec->speed : 1.0;
    double total = 0;
    for (int k = 0; k < spec->n_pieces; k++)
        total += spec->pieces[k].seconds;
    size_t count = (size_t)lround(total / speed / SYNTH_HOP);
    dk_audio_print *a = &out->audio;
    bool audio = spec->tracks != SYNTH_PICTURE_ONLY;
    bool picture = spec->tracks != SYNTH_AUDIO_ONLY;
    if (audio) {
        a->hop = SYNTH_HOP;
        a->count = count;
        a->bits = must_alloc(count, sizeof *a->bits);
        a->quiet = must_alloc(count, 1);
    }
    size_t n_frames = (size_t)(total / speed / 0.1);
    if (picture)
        out->picture.frames =
            must_alloc(n_frames + 1, sizeof *out->picture.frames);
    /* clip frame k plays source time speed * k * hop of the pieces laid
     * end to end */
    for (size_t k = 0; audio && k < count; k++) {
        double t = speed * (double)k * SYNTH_HOP, base = 0;
        int piece = 0;
        while (piece + 1 < spec->n_pieces &&
               t >= base + spec->pieces[piece].seconds - 1e-9)
            base += spec->pieces[piece++].seconds;
        const synth_piece *p = &spec->pieces[piece];
        uint32_t bits = (uint32_t)(next_random(&state) >> 32);
        uint8_t quiet = 0;
        if (p->source) {
            const dk_audio_print *src = &p->source->audio;
            long j = lround((p->from + t - base) / SYNTH_HOP);
            if (j >= (long)src->count)
                j = (long)src->count - 1;
            bits = src->bits[j];
            quiet = src->quiet[j];
        }
        for (int b = 0; b < 32; b++)
            if (uniform(&state) < spec->flip)
                bits ^= 1u << b;
        a->bits[k] = bits;
        a->quiet[k] = quiet;
    }
    for (size_t k = 0; picture && k < n_frames; k++) {
        double clip_t = (double)k * 0.1, t = speed * clip_t, base = 0;
        int piece = 0;
        while (piece + 1 < spec->n_pieces &&
               t >= base + spec->pieces[piece].seconds - 1e-9)
            base += spec->pieces[piece++].seconds;
        const synth_piece *p = &spec->pieces[piece];
        dk_picture_frame f = {.aspect = 16.0f / 9.0f};
        if (spec->picture_from)
            f = frame_at(spec->picture_from, spec->picture_at + t);
        else if (p->source)
            f = frame_at(p->source, p->from + t - base);
        else
            f.whole = f.centre = next_random(&state);
        f.whole = walk(f.whole, &state); /* a re-encode moves a bit */
        f.time = clip_t;
        out->picture.frames[out->picture.count++] = f;
    }
    out->duration = total / speed;
    out->has_audio = audio;
    out->has_video = picture;
}
