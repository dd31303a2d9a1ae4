/* The audio print: Haitsma-Kalker band-energy bits over the speech band.
 *
 * Samples arrive at 8 kHz mono in whatever pieces the decoder gives; each
 * complete frame (Hann window, FFT) yields 33 band energies, and two
 * consecutive frames yield one 32-bit sub-fingerprint:
 *   bit m = sign((E(n,m) - E(n,m+1)) - (E(n-1,m) - E(n-1,m+1))),
 * the sign of how the spectral slope between neighbouring bands changes
 * over time. Signs of differences survive what re-encoding, resampling
 * and volume changes do (a gain scales both sides), which is why this
 * design suits circulating copies. Sub-fingerprint k covers frames k and
 * k+1; its time is the start of frame k. */
#include "print_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct print_audio {
    double hop;    /* samples between frame starts (128 / speed) */
    int length;    /* samples in a frame (1024 / speed) */
    int fft_size;  /* power of two >= length */
    float *window; /* length */
    float *cos_table, *sin_table;         /* fft_size / 2 twiddles */
    int band_edge[PRINT_AUDIO_BANDS + 1]; /* FFT bins */
    float *re, *im;                       /* fft_size work arrays */

    float *buffer; /* samples from absolute index base */
    size_t buffered, capacity;
    uint64_t base, fed;
    size_t frames; /* frames printed */
    float previous[PRINT_AUDIO_BANDS];

    uint32_t *bits;
    float *energy; /* per frame */
    size_t bits_capacity, energy_capacity;
};

static int next_power_of_two(int n)
{
    int p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void init_bands(print_audio *audio)
{
    double ratio = PRINT_AUDIO_HIGH_HZ / PRINT_AUDIO_LOW_HZ;
    double bin_hz = (double)PRINT_AUDIO_RATE / audio->fft_size;
    for (int m = 0; m <= PRINT_AUDIO_BANDS; m++) {
        double hz =
            PRINT_AUDIO_LOW_HZ * pow(ratio, (double)m / PRINT_AUDIO_BANDS);
        audio->band_edge[m] = (int)lround(hz / bin_hz);
        /* every band at least one bin wide */
        if (m > 0 && audio->band_edge[m] <= audio->band_edge[m - 1])
            audio->band_edge[m] = audio->band_edge[m - 1] + 1;
    }
}

print_audio *print_audio_new(double speed)
{
    print_audio *audio = calloc(1, sizeof *audio);
    if (!audio)
        return NULL;
    audio->hop = PRINT_AUDIO_HOP / speed;
    audio->length = (int)lround(PRINT_AUDIO_FRAME / speed);
    audio->fft_size = next_power_of_two(audio->length);
    int n = audio->fft_size;
    audio->window = malloc(sizeof(float) * audio->length);
    audio->cos_table = malloc(sizeof(float) * n / 2);
    audio->sin_table = malloc(sizeof(float) * n / 2);
    audio->re = malloc(sizeof(float) * n);
    audio->im = malloc(sizeof(float) * n);
    if (!audio->window || !audio->cos_table || !audio->sin_table ||
        !audio->re || !audio->im) {
        print_audio_free(audio);
        return NULL;
    }
    for (int i = 0; i < audio->length; i++)
        audio->window[i] =
            (float)(0.5 - 0.5 * cos(2 * M_PI * i / (audio->length - 1)));
    for (int i = 0; i < n / 2; i++) {
        audio->cos_table[i] = (float)cos(2 * M_PI * i / n);
        audio->sin_table[i] = (float)-sin(2 * M_PI * i / n);
    }
    init_bands(audio);
    return audio;
}

void print_audio_free(print_audio *audio)
{
    if (!audio)
        return;
    free(audio->window);
    free(audio->cos_table);
    free(audio->sin_table);
    free(audio->re);
    free(audio->im);
    free(audio->buffer);
    free(audio->bits);
    free(audio->energy);
    free(audio);
}

/* In-place iterative radix-2 FFT of re/im (fft_size points). */
static void fft(print_audio *audio)
{
    int n = audio->fft_size;
    float *re = audio->re, *im = audio->im;
    for (int i = 1, j = 0; i < n; i++) {
        int bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j |= bit;
        if (i < j) {
            float t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int step = n / len;
        for (int i = 0; i < n; i += len) {
            for (int k = 0; k < len / 2; k++) {
                float wr = audio->cos_table[k * step];
                float wi = audio->sin_table[k * step];
                int a = i + k, b = i + k + len / 2;
                float xr = re[b] * wr - im[b] * wi;
                float xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}

static int grow(void **array, size_t *capacity, size_t need, size_t size)
{
    if (need <= *capacity)
        return 0;
    size_t cap = *capacity ? *capacity * 2 : 4096;
    while (cap < need)
        cap *= 2;
    void *p = realloc(*array, cap * size);
    if (!p)
        return -1;
    *array = p;
    *capacity = cap;
    return 0;
}

/* Band energies of the frame starting at buffer[offset]; returns the
 * frame's energy over the whole speech band. */
static float frame_bands(print_audio *audio, size_t offset, float *bands)
{
    const float *x = audio->buffer + offset;
    for (int i = 0; i < audio->length; i++) {
        audio->re[i] = x[i] * audio->window[i];
        audio->im[i] = 0;
    }
    for (int i = audio->length; i < audio->fft_size; i++)
        audio->re[i] = audio->im[i] = 0;
    fft(audio);
    float total = 0;
    for (int m = 0; m < PRINT_AUDIO_BANDS; m++) {
        float e = 0;
        for (int k = audio->band_edge[m]; k < audio->band_edge[m + 1]; k++)
            e += audio->re[k] * audio->re[k] + audio->im[k] * audio->im[k];
        bands[m] = e;
        total += e;
    }
    return total;
}

static uint32_t sub_fingerprint(const float *previous, const float *current)
{
    uint32_t bits = 0;
    for (int m = 0; m < PRINT_AUDIO_BANDS - 1; m++) {
        float now = current[m] - current[m + 1];
        float before = previous[m] - previous[m + 1];
        if (now - before > 0)
            bits |= 1u << m;
    }
    return bits;
}

static int print_frames(print_audio *audio, dk_error *err)
{
    for (;;) {
        uint64_t start = (uint64_t)llround(audio->frames * audio->hop);
        if (start + audio->length > audio->base + audio->buffered)
            return 0;
        float bands[PRINT_AUDIO_BANDS];
        float energy = frame_bands(audio, start - audio->base, bands);
        if (grow((void **)&audio->energy, &audio->energy_capacity,
                 audio->frames + 1, sizeof(float)) < 0 ||
            grow((void **)&audio->bits, &audio->bits_capacity,
                 audio->frames + 1, sizeof(uint32_t)) < 0)
            return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
        audio->energy[audio->frames] = energy;
        if (audio->frames > 0)
            audio->bits[audio->frames - 1] =
                sub_fingerprint(audio->previous, bands);
        memcpy(audio->previous, bands, sizeof bands);
        audio->frames++;
    }
}

int print_audio_feed(print_audio *audio, const float *samples, size_t n,
                     dk_error *err)
{
    /* drop what no future frame needs, then append */
    uint64_t next = (uint64_t)llround(audio->frames * audio->hop);
    if (next > audio->base) {
        size_t drop = (size_t)(next - audio->base);
        if (drop > audio->buffered)
            drop = audio->buffered;
        memmove(audio->buffer, audio->buffer + drop,
                (audio->buffered - drop) * sizeof(float));
        audio->buffered -= drop;
        audio->base += drop;
    }
    if (grow((void **)&audio->buffer, &audio->capacity, audio->buffered + n,
             sizeof(float)) < 0)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    memcpy(audio->buffer + audio->buffered, samples, n * sizeof(float));
    audio->buffered += n;
    audio->fed += n;
    return print_frames(audio, err);
}

double print_audio_seconds(const print_audio *audio)
{
    return (double)audio->fed / PRINT_AUDIO_RATE;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The energy below which a frame is a pause: PRINT_AUDIO_QUIET_DB under
 * the file's speech level, and never below the absolute floor (a file of
 * silence is all quiet). */
static float quiet_threshold(const print_audio *audio)
{
    /* a full-scale sine's energy in this frame and FFT size (Parseval,
     * Hann window power 3/8, half the bins) */
    double full = (double)audio->fft_size * audio->length * 0.375 * 0.25;
    float floor = (float)(full * pow(10, -PRINT_AUDIO_FLOOR_DB / 10));
    float *sorted = malloc(sizeof(float) * audio->frames);
    if (!sorted)
        return floor;
    memcpy(sorted, audio->energy, sizeof(float) * audio->frames);
    qsort(sorted, audio->frames, sizeof(float), compare_floats);
    float level = sorted[audio->frames * 9 / 10];
    free(sorted);
    float relative = (float)(level * pow(10, -PRINT_AUDIO_QUIET_DB / 10));
    return relative > floor ? relative : floor;
}

int print_audio_finish(print_audio *audio, double start, dk_audio_print *out,
                       dk_error *err)
{
    memset(out, 0, sizeof *out);
    out->hop = audio->hop / PRINT_AUDIO_RATE;
    out->start = start;
    if (audio->frames < 2)
        return 0;
    size_t count = audio->frames - 1;
    uint8_t *quiet = malloc(count);
    if (!quiet)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    float threshold = quiet_threshold(audio);
    for (size_t k = 0; k < count; k++) {
        float e = fmaxf(audio->energy[k], audio->energy[k + 1]);
        quiet[k] = e < threshold;
    }
    out->count = count;
    out->bits = audio->bits;
    out->quiet = quiet;
    audio->bits = NULL;
    audio->bits_capacity = 0;
    return 0;
}
