/* stamp.exif — one stamping pass over one file. */
#ifndef STAMP_EXIF_WRITE_H
#define STAMP_EXIF_WRITE_H

#include <dokpim/error.h>
#include <glib.h>

#include "stamp_exif_fields.h"

/* Writes a copy of the JPEG input to output (through dk_atomic_*) with
 * its EXIF, XMP and Photoshop/IPTC segments rebuilt from fields, every
 * other segment kept in order, and everything from the first SOS marker
 * on copied byte for byte. input is only read. What was salvaged from a
 * damaged block or cut to fit a format is appended to warnings, one line
 * each (may be NULL). */
int stamp_exif_stamp_file(const char *input, const char *output,
                          const stamp_exif_fields *fields, GPtrArray *warnings,
                          dk_error *err);

#endif
