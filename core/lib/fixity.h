/* Private: originals are checked before they are read, never trusted
 * blindly. See fixity.c. */
#ifndef DK_FIXITY_H
#define DK_FIXITY_H

#include "dk_internal.h"
#include "manifest.h"

/* Before a stage reads item's library original: 0 when its bytes are
 * still those of item->sha256. Cheap when nothing touched the file: only
 * a stat differing from the one m recorded at import (size, mtime, ctime)
 * costs a hash, after which m records the new stat. On a mismatch,
 * DK_ERR_INVALID and err says "original changed since import: PATH:
 * expected sha256 X, found Y". Sets item->original_verified on success. */
int dk_fixity_check_original(dk_manifest *m, dk_item *item, dk_error *err);

#endif
