/* The thumbnail's JPEG: libjpeg-turbo, 4:2:0 like every web JPEG, at the
 * highest quality on the ladder that YouTube's size limit lets through. A
 * noisy 1280x720 frame can pass 2 MB at quality 95; most land near
 * 300 kB at the first step. */
#include "thumbnail_video.h"

#include <turbojpeg.h>

static const int quality_ladder[] = {92, 85, 78, 70, 60, 50, 40, 30, 20};

int thumbnail_video_jpeg(const uint8_t *rgb, int width, int height, int stride,
                         size_t max_bytes, uint8_t **jpeg, size_t *size,
                         dk_error *err)
{
    *jpeg = NULL;
    *size = 0;
    tjhandle handle = tjInitCompress();
    if (!handle)
        return dk_error_set(err, DK_ERR_NOMEM, "libjpeg-turbo: %s",
                            tjGetErrorStr2(NULL));
    int rc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(quality_ladder); i++) {
        unsigned char *data = NULL;
        unsigned long length = 0;
        if (tjCompress2(handle, rgb, width, stride, height, TJPF_RGB, &data,
                        &length, TJSAMP_420, quality_ladder[i], 0) != 0) {
            rc = dk_error_set(err, DK_ERR_INTERNAL, "JPEG encoding: %s",
                              tjGetErrorStr2(handle));
            tjFree(data);
            break;
        }
        if (length < max_bytes) {
            *jpeg = g_memdup2(data, length);
            *size = length;
            tjFree(data);
            break;
        }
        tjFree(data);
    }
    if (!rc && !*jpeg)
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "even at quality %d the thumbnail exceeds %zu bytes",
                          quality_ladder[G_N_ELEMENTS(quality_ladder) - 1],
                          max_bytes);
    tjDestroy(handle);
    return rc;
}
