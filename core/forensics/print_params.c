/* How originals and clips are printed, and freeing a print. */
#include <stdlib.h>
#include <string.h>

#include <dokpim/forensics.h>

/* Originals: key frames only (an H.264 original with a key frame every
 * 2 s decodes ~1/60 of its frames), at most 2 hashes a second for
 * intra-only sources. */
const dk_print_params DK_PRINT_ORIGINAL = {
    .picture_rate = 2.0,
    .keyframes_only = true,
    .speed = 1.0,
    .max_seconds = 0,
    .centre = true,
};

/* Clips: every frame decoded, up to 10 hashes a second, so that a cut in
 * the picture is placed within 0.1 s. */
const dk_print_params DK_PRINT_CLIP = {
    .picture_rate = 10.0,
    .keyframes_only = false,
    .speed = 1.0,
    .max_seconds = 0,
    .centre = false,
};

void dk_media_print_clear(dk_media_print *print)
{
    if (!print)
        return;
    free(print->audio.bits);
    free(print->audio.quiet);
    free(print->picture.frames);
    memset(print, 0, sizeof *print);
}
