/* Private: BagIt archive packages (RFC 8493) of a library. bag_write.c
 * makes one, bag_validate.c checks one; the rest are their parts. */
#ifndef DK_BAG_H
#define DK_BAG_H

#include "dk_internal.h"

/* The checksum algorithms a bag is written with, strongest first. */
#define DK_BAG_ALGORITHMS 2
extern const char *const dk_bag_algorithms[DK_BAG_ALGORITHMS];
#define DK_BAG_SHA256 1 /* its index there */
/* Longest hex digest any algorithm here gives (SHA-512), with its NUL. */
#define DK_BAG_HEX_MAX 129

/* ---- paths in manifests (bag_path.c) ---- */
/* The RFC's encoding of a path in a manifest line: CR as %0D, LF as %0A
 * and % as %25; every other byte kept as it is. g_free(). */
DK_PRIVATE_API char *dk_bag_path_encode(const char *path);
/* Undoes it (either case of hex digits); g_free(). */
DK_PRIVATE_API char *dk_bag_path_decode(const char *encoded);
/* True when a decoded manifest path stays inside the bag: relative, no
 * empty, "." or ".." component. */
DK_PRIVATE_API bool dk_bag_path_is_safe(const char *path);

/* ---- reading a file once for every digest (bag_digest.c) ---- */
/* Reads in to its end once, feeding every buffer to each named digest
 * ("sha256", "sha512", ... as OpenSSL names them) and, when out >= 0,
 * writing it there too (a copy that costs no second read). hex[i] gets
 * the lowercase hex of algorithms[i]; *size the bytes read. */
int dk_bag_digest_fd(int in, int out, const char *const *algorithms, int n,
                     char (*hex)[DK_BAG_HEX_MAX], guint64 *size, dk_error *err);

/* ---- manifest files (bag_manifest.c) ---- */
typedef struct dk_bag_entry {
    char *path; /* decoded, relative to the bag */
    char *checksum;
    int line;
} dk_bag_entry;

/* Parses a manifest's text into dk_bag_entry rows (free with
 * dk_bag_entries_free). A line that is not "CHECKSUM WHITESPACE PATH", or
 * whose path would leave the bag, is not returned: problem(line, what)
 * is called for it instead, and nothing is ever opened by its path. */
DK_PRIVATE_API GPtrArray *
dk_bag_manifest_parse(const char *text,
                      void (*problem)(int line, const char *what, void *data),
                      void *data);
DK_PRIVATE_API void dk_bag_entries_free(GPtrArray *entries);

/* ---- bag-info.txt (bag_info.c) ---- */
/* Appends "Label: value" to text, folding a value's line breaks into
 * continuation lines (LF and two spaces), as the RFC allows. */
DK_PRIVATE_API void dk_bag_info_add(GString *text, const char *label,
                                    const char *value);
/* The tags for the events of the library's item manifests (and extra,
 * when not NULL): Source-Organization, Contact-Name, External-Description,
 * External-Identifier, one line per different value. */
void dk_bag_info_add_events(GString *text, const char *library_root,
                            const dk_event *extra);
/* Parses bag-info.txt; a continuation line adds a line break and its
 * text without the indent to the value (RFC 8493 2.2.2); labels repeat.
 * Returns (label, value) pairs in order as a flat g_strfreev() vector;
 * NULL and *bad_line set to the first line that is neither a tag nor a
 * continuation. */
DK_PRIVATE_API char **dk_bag_info_parse(const char *text, int *bad_line);

/* ---- what goes in (bag_payload.c) ---- */
typedef struct dk_bag_file {
    char *path; /* relative to the library, and to the bag's data/ */
    guint64 size;
} dk_bag_file;

/* The library's files to archive, sorted by path (dk_bag_file), and the
 * folders that hold them (relative names, a set). */
int dk_bag_payload_list(const char *root, GPtrArray **files, GHashTable **dirs,
                        dk_error *err);

/* ---- one file into the bag (bag_place.c) ---- */
typedef enum {
    DK_BAG_LINKED,
    DK_BAG_REFLINKED,
    DK_BAG_COPIED
} dk_bag_placement;

/* Hard-links src to dst when may_link and the file system allows it,
 * else reflinks or copies it; hex gets dk_bag_algorithms' digests of the
 * bytes dst holds, read once. dst must not exist. */
int dk_bag_place(const char *src, const char *dst, bool may_link,
                 char (*hex)[DK_BAG_HEX_MAX], guint64 *size,
                 dk_bag_placement *how, dk_error *err);

/* ---- the whole bag ---- */
typedef struct dk_bag_options {
    bool copy;             /* never hard-link, even on the same filesystem */
    int jobs;              /* files hashed at once; 0: one per processor */
    const dk_event *event; /* an event to describe besides the manifests' */
} dk_bag_options;

typedef struct dk_bag_stats {
    guint64 files, bytes;
    guint64 linked, reflinked, copied;
} dk_bag_stats;

/* Writes a bag of the library at root into out, which must not exist:
 * built as out.partial-XXXXXX beside it and renamed when complete (any
 * such folder a killed run left is removed first). */
DK_PRIVATE_API int dk_bag_write(const char *root, const char *out,
                                const dk_bag_options *options,
                                dk_bag_stats *stats, dk_error *err);

/* A bag's problem: the file (relative to the bag, or a manifest name
 * with ":LINE") and what is wrong with it. */
typedef struct dk_bag_problem {
    char *file;
    char *problem;
} dk_bag_problem;

typedef struct dk_bag_report {
    guint64 files, bytes; /* payload found */
    GPtrArray *problems;  /* dk_bag_problem, sorted by file */
} dk_bag_report;

/* Checks completeness and fixity of the bag at path; fills report (free
 * with dk_bag_report_clear). Returns 0 when it could look (the bag is
 * valid when report->problems is empty), negative when path is no bag. */
DK_PRIVATE_API int dk_bag_validate(const char *path, int jobs,
                                   dk_bag_report *report, dk_error *err);
DK_PRIVATE_API void dk_bag_report_clear(dk_bag_report *report);

#endif
