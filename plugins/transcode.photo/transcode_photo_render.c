/* transcode.photo — every derivative of one photo from one decode. */
#include "transcode_photo.h"

#include <turbojpeg.h>

static int blend_overlay(const transcode_photo_job *job,
                         transcode_photo_image *image, dk_error *err)
{
    if (!job->overlay)
        return 0;
    const dk_overlay *overlay = NULL;
    dk_overlay *owned = NULL;
    /* The pixels are already upright, so the overlay is laid out for
     * orientation 1 and lands at the visual anchor. */
    int rc =
        transcode_photo_overlays_get(job->overlays, job->overlay, image->width,
                                     image->height, &overlay, &owned, err);
    if (rc)
        return rc;
    dk_overlay_blend_rgb24(overlay, image->pixels, image->width, image->height,
                           (int)image->stride);
    dk_overlay_free(&owned);
    return 0;
}

/* Decodes once and resamples into the upright web image. */
static int make_web(const transcode_photo_job *job, transcode_photo_jpeg *jpeg,
                    bool adobe, transcode_photo_image *web,
                    transcode_photo_result *res, dk_error *err)
{
    int out_w, out_h; /* stored orientation */
    transcode_photo_fit(jpeg->width, jpeg->height, job->web_size, &out_w,
                        &out_h);
    transcode_photo_image decoded = {0};
    int rc =
        transcode_photo_jpeg_decode(jpeg, out_w, out_h, adobe, &decoded, err);
    if (rc)
        return rc;
    res->decoded_width = decoded.width;
    res->decoded_height = decoded.height;
    rc = transcode_photo_resample(&decoded, out_w, out_h, job->filter,
                                  job->orientation, web, err);
    transcode_photo_image_clear(&decoded);
    return rc;
}

static int render_mapped(const transcode_photo_job *job, const uint8_t *data,
                         size_t size, transcode_photo_result *res,
                         dk_error *err)
{
    transcode_photo_markers markers;
    transcode_photo_jpeg jpeg = {0};
    transcode_photo_image web = {0}, thumb = {0};
    GByteArray *meta = g_byte_array_new();
    int rc = transcode_photo_markers_scan(data, size, &markers, err);
    if (!rc)
        rc = transcode_photo_jpeg_open(&jpeg, data, size, err);
    if (!rc)
        rc = make_web(job, &jpeg, markers.adobe, &web, res, err);
    if (!rc && job->thumb_path && job->thumb_size > 0) {
        int tw, th;
        transcode_photo_fit(web.width, web.height, job->thumb_size, &tw, &th);
        /* From the clean web pixels: the thumbnail gets its own watermark
         * laid out for its own size. */
        rc =
            transcode_photo_resample(&web, tw, th, job->filter, 1, &thumb, err);
    }
    if (!rc)
        rc = blend_overlay(job, &web, err);
    if (!rc && thumb.pixels)
        rc = blend_overlay(job, &thumb, err);

    /* An ICC profile describes the source's colour channels; a CMYK or
     * grey profile would be wrong for the RGB derivative. */
    bool colour = jpeg.colorspace == TJCS_YCbCr || jpeg.colorspace == TJCS_RGB;
    if (!rc) {
        transcode_photo_metadata_build(&markers, job->metadata, colour,
                                       web.width, web.height, meta);
        rc = transcode_photo_write_jpeg(job->web_path, &web, job->web_quality,
                                        meta, err);
    }
    if (!rc && thumb.pixels) {
        /* Thumbnails carry only the colour profile: they are small by
         * purpose, and the web JPEG holds the credits. */
        g_byte_array_set_size(meta, 0);
        transcode_photo_metadata_build(&markers, TRANSCODE_PHOTO_METADATA_STRIP,
                                       colour, thumb.width, thumb.height, meta);
        rc = transcode_photo_write_jpeg(job->thumb_path, &thumb,
                                        job->thumb_quality, meta, err);
    }
    res->web_width = web.width;
    res->web_height = web.height;
    res->thumb_width = thumb.width;
    res->thumb_height = thumb.height;
    g_byte_array_unref(meta);
    transcode_photo_image_clear(&thumb);
    transcode_photo_image_clear(&web);
    transcode_photo_jpeg_close(&jpeg);
    transcode_photo_markers_clear(&markers);
    return rc;
}

int transcode_photo_render(const transcode_photo_job *job,
                           transcode_photo_result *result, dk_error *err)
{
    transcode_photo_result scratch = {0};
    if (!result)
        result = &scratch;
    *result = (transcode_photo_result){0};
    GError *gerr = NULL;
    /* Mapped, not read: the decoder reads the file once, straight from
     * the page cache. */
    GMappedFile *map = g_mapped_file_new(job->input, FALSE, &gerr);
    if (!map) {
        int rc = dk_error_set(err, DK_ERR_IO, "cannot read: %s", gerr->message);
        g_error_free(gerr);
        return rc;
    }
    int rc =
        render_mapped(job, (const uint8_t *)g_mapped_file_get_contents(map),
                      g_mapped_file_get_length(map), result, err);
    g_mapped_file_unref(map);
    return rc;
}
