/* HEIF/HEIC (phones, Canon .HIF): dimensions and the EXIF block through
 * libheif, which parses the box structure without decoding any image. */
#include "ingest_photo.h"

#include <string.h>

#ifdef INGEST_PHOTO_HAVE_HEIF
#include <libheif/heif.h>

/* libheif's EXIF item starts with a 4-byte big-endian offset from the end
 * of those four bytes to the TIFF header (usually 6, past "Exif\0\0"). */
static void heif_take_exif(const uint8_t *raw, size_t size,
                           ingest_photo_heif *out)
{
    if (size < 4)
        return;
    uint32_t skip = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 |
                    (uint32_t)raw[2] << 8 | raw[3];
    if (skip > size - 4)
        return;
    size_t tiff_size = size - 4 - skip;
    if (tiff_size < 8)
        return;
    out->exif = g_memdup2(raw + 4 + skip, tiff_size);
    out->exif_size = tiff_size;
}

static void heif_read_exif(const struct heif_image_handle *handle,
                           ingest_photo_heif *out)
{
    heif_item_id id;
    if (heif_image_handle_get_list_of_metadata_block_IDs(handle, "Exif", &id,
                                                         1) < 1)
        return;
    size_t size = heif_image_handle_get_metadata_size(handle, id);
    /* the same 64 KiB bound as JPEG: larger is not a sane EXIF block */
    if (size < 12 || size > 0xFFFF + 10)
        return;
    uint8_t *raw = g_malloc(size);
    struct heif_error e = heif_image_handle_get_metadata(handle, id, raw);
    if (e.code == heif_error_Ok)
        heif_take_exif(raw, size, out);
    g_free(raw);
}

int ingest_photo_heif_read(const char *path, ingest_photo_heif *out,
                           dk_error *err)
{
    memset(out, 0, sizeof *out);
    struct heif_context *context = heif_context_alloc();
    if (!context)
        return dk_error_set(err, DK_ERR_NOMEM, "out of memory");
    struct heif_image_handle *handle = NULL;
    int rc = 0;
    struct heif_error e = heif_context_read_from_file(context, path, NULL);
    if (e.code == heif_error_Ok)
        e = heif_context_get_primary_image_handle(context, &handle);
    if (e.code != heif_error_Ok) {
        /* libheif's messages may span lines; ours are one line */
        char *why =
            g_strstrip(g_strdelimit(g_strdup(e.message), "\r\n\t", ' '));
        rc = dk_error_set(err,
                          e.code == heif_error_Unsupported_feature ||
                                  e.code == heif_error_Unsupported_filetype
                              ? DK_ERR_UNSUPPORTED
                              : DK_ERR_INVALID,
                          "corrupt or unsupported HEIF: %s", why);
        g_free(why);
        goto done;
    }
    out->width = heif_image_handle_get_ispe_width(handle);
    out->height = heif_image_handle_get_ispe_height(handle);
    out->display_width = heif_image_handle_get_width(handle);
    out->display_height = heif_image_handle_get_height(handle);
    if (out->width <= 0 || out->height <= 0 || out->display_width <= 0 ||
        out->display_height <= 0) {
        rc = dk_error_set(err, DK_ERR_INVALID, "invalid HEIF dimensions %dx%d",
                          out->width, out->height);
        goto done;
    }
    if ((long long)out->width * out->height > INGEST_PHOTO_MAX_PIXELS) {
        rc = dk_error_set(err, DK_ERR_UNSUPPORTED,
                          "HEIF of %dx%d exceeds the %lld MP limit", out->width,
                          out->height, INGEST_PHOTO_MAX_PIXELS / 1000000);
        goto done;
    }
    heif_read_exif(handle, out);
done:
    if (handle)
        heif_image_handle_release(handle);
    heif_context_free(context);
    if (rc < 0)
        ingest_photo_heif_clear(out);
    return rc;
}

#else

int ingest_photo_heif_read(const char *path, ingest_photo_heif *out,
                           dk_error *err)
{
    (void)path;
    memset(out, 0, sizeof *out);
    return dk_error_set(err, DK_ERR_UNSUPPORTED,
                        "HEIC is not supported in this build");
}

#endif

void ingest_photo_heif_clear(ingest_photo_heif *heif)
{
    if (!heif)
        return;
    g_free(heif->exif);
    memset(heif, 0, sizeof *heif);
}
