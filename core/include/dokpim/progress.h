/* dokpim — progress of long work (a transcode, an upload, a retry wait),
 * shown by the CLI on its progress line or as JSON events. Plugins never
 * print; they report here. */
#ifndef DOKPIM_PROGRESS_H
#define DOKPIM_PROGRESS_H

#include "export.h"
#include "item.h"

#ifdef __cplusplus
extern "C" {
#endif

/* fraction is 0..1, or negative when unknown; note is a short phrase such
 * as "encoding" or "retry 2 in 3.0 s: connection reset" (may be NULL).
 * item may be NULL for work that is not about one file. Thread-safe and
 * cheap: the CLI throttles what it draws. */
DK_API void dk_progress(const dk_item *item, double fraction, const char *note);

#ifdef __cplusplus
}
#endif
#endif
