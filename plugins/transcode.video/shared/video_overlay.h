/* The watermark options of the video plugins (same names, meanings and
 * defaults as watermark.photo) and turning them into a dk_overlay_spec for
 * one item. Shared by transcode.video and thumbnail.video so a clip and its
 * thumbnail carry the same mark. */
#ifndef VIDEO_OVERLAY_H
#define VIDEO_OVERLAY_H

#include <dokpim/overlay.h>
#include <dokpim/plugin.h>

/* Rows for a plugin's option table. */
/* clang-format off */
#define VIDEO_OVERLAY_OPTIONS                                                  \
    {"logo", DK_OPT_PATH, "", "PNG logo with alpha (empty: text only)"},       \
    {"text", DK_OPT_TEMPLATE, "{event.agency} \xc2\xb7 {event.title}",        \
     "text line under the logo, any script (empty, and no logo: no "           \
     "overlay)"},                                                              \
    {"font", DK_OPT_STRING, "Sans Bold", "Pango font description"},           \
    {"position", DK_OPT_ENUM, "bottom-right",                                  \
     "where the mark sits as the picture is shown", 0, 0,                      \
     "bottom-right|bottom-left|top-right|top-left|center|custom"},             \
    {"x", DK_OPT_DOUBLE, "1",                                                  \
     "custom position: 0 puts the mark against the left edge, 1 against "     \
     "the right", 0, 1},                                                       \
    {"y", DK_OPT_DOUBLE, "1",                                                  \
     "custom position: 0 puts the mark against the top edge, 1 against "      \
     "the bottom", 0, 1},                                                      \
    {"width", DK_OPT_DOUBLE, "0.25",                                           \
     "width of the mark relative to the picture's width as shown", 0.01, 1},   \
    {"margin", DK_OPT_DOUBLE, "0.02",                                          \
     "distance from the edges relative to the picture's width", 0, 0.5},       \
    {"opacity", DK_OPT_DOUBLE, "0.85", "0 invisible, 1 opaque", 0, 1}
/* clang-format on */

/* Fills spec from the stage's overlay options for item (text expanded).
 * Returns 1 when there is something to draw (a logo or non-empty text), 0
 * when the options ask for no overlay (spec is then empty), or a negative
 * DK_ERR_* code. Clear spec with dk_overlay_spec_clear either way. */
int video_overlay_spec(const dk_stage *stage, const dk_item *item,
                       dk_overlay_spec *spec, dk_error *err);

#endif
