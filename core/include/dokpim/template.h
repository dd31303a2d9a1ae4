/* dokpim — text templates such as "{event.title} — {event.city},
 * {date:%d %B %Y}" or "{date:%Y%m%d}_{event.slug}_{seq:04}.jpg".
 *
 * Variables: event.<field> (title, leader, role, agency, place, city, date,
 * timezone, photographer, copyright, tags, language, slug), date (the event
 * date), capture.time (the item's capture time in the event's time zone),
 * seq, original.name / .stem / .ext / .sha256, camera.make, camera.model.
 * Formats after ':': strftime for date and capture.time (month and day
 * names follow event.language: "id" or "en"); zero-padded width for seq
 * ("04"); slug, upper, lower for text. "{{" and "}}" are literal braces. */
#ifndef DOKPIM_TEMPLATE_H
#define DOKPIM_TEMPLATE_H

#include "error.h"
#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Checks syntax, variable names and formats, without expanding. */
DK_API int dk_template_check(const char *tmpl, dk_error *err);

/* Lower-case ASCII slug: "Rapat Paripurna DPRD" -> "rapat-paripurna-dprd".
 * Caller g_free()s. */
DK_API char *dk_slugify(const char *text);

#ifdef __cplusplus
}
#endif
#endif
