/* The choices record: what the crew decided about one item (stars,
 * pick/reject, its own caption, who is in it), kept beside the manifests
 * in LIBRARY/choices/<sha256[0:2]>/<sha256>.ini as a GKeyFile:
 *
 *   [choice]
 *   rating=4
 *   label=pick
 *   caption=Gubernur meninjau pasar;\nline two
 *   persons=Ani Yudhoyono;Budi, S.H.\;M.M.;
 *   updated=2026-12-04T21:30:00Z
 *
 * GKeyFile escapes newlines and the list separator itself, so captions and
 * names come back byte for byte. A separate file per item (not a key in
 * the manifest) lets the gallery store a keystroke without rewriting what
 * a run records, and lets a run read it without taking the library lock. */
#include "choice.h"
#include "dk_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GROUP "choice"

void dk_choice_clear(dk_choice *c)
{
    if (!c)
        return;
    g_free(c->caption);
    g_strfreev(c->persons);
    memset(c, 0, sizeof *c);
}

const char *dk_choice_label_name(dk_choice_label l)
{
    switch (l) {
    case DK_LABEL_PICK:
        return "pick";
    case DK_LABEL_REJECT:
        return "reject";
    case DK_LABEL_NONE:
        break;
    }
    return NULL;
}

int dk_choice_label_parse(const char *name, dk_choice_label *out)
{
    if (name && g_ascii_strcasecmp(name, "pick") == 0)
        *out = DK_LABEL_PICK;
    else if (name && g_ascii_strcasecmp(name, "reject") == 0)
        *out = DK_LABEL_REJECT;
    else
        return DK_ERR_INVALID;
    return 0;
}

static bool is_sha256(const char *text)
{
    if (!text || strlen(text) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!g_ascii_isxdigit(text[i]) || g_ascii_isupper(text[i]))
            return false;
    return true;
}

char *dk_choice_path(const char *library, const char *sha256)
{
    if (!library || !is_sha256(sha256))
        return NULL;
    g_autofree char *prefix = g_strndup(sha256, 2);
    g_autofree char *name = g_strconcat(sha256, ".ini", NULL);
    return g_build_filename(library, "choices", prefix, name, NULL);
}

bool dk_choice_is_empty(const dk_choice *c)
{
    return !c ||
           (c->rating == 0 && c->label == DK_LABEL_NONE &&
            !(c->caption && *c->caption) && !(c->persons && c->persons[0]));
}

/* A name is one line of text: it ends up joined with "\n" in the item's
 * meta and as one entry of an XMP bag. */
static bool is_name(const char *name)
{
    if (!*name || !g_utf8_validate(name, -1, NULL))
        return false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static int check_choice(const dk_choice *c, const char *what, dk_error *err)
{
    if (c->rating < 0 || c->rating > 5)
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s: rating %d is out of range (0 unrated, 1..5)",
                            what, c->rating);
    if (c->label != DK_LABEL_NONE && !dk_choice_label_name(c->label))
        return dk_error_set(err, DK_ERR_INVALID, "%s: unknown label %d", what,
                            (int)c->label);
    if (c->caption && !g_utf8_validate(c->caption, -1, NULL))
        return dk_error_set(err, DK_ERR_INVALID,
                            "%s: the caption is not UTF-8 text", what);
    for (int i = 0; c->persons && c->persons[i]; i++)
        if (!is_name(c->persons[i])) {
            g_autofree char *shown = dk_escape_text(c->persons[i]);
            return dk_error_set(err, DK_ERR_INVALID,
                                "%s: person \"%s\" is not one line of UTF-8 "
                                "text",
                                what, shown);
        }
    return 0;
}

static int damaged(dk_error *err, const char *path, const char *why)
{
    g_autofree char *shown = dk_escape_text(path);
    return dk_error_set(err, DK_ERR_INVALID, "%s: damaged choices record: %s",
                        shown, why);
}

/* The fields of a loaded key file into out; a wrong value is damage. */
static int parse_record(GKeyFile *file, const char *path, dk_choice *out,
                        dk_error *err)
{
    GError *error = NULL;
    if (!g_key_file_has_group(file, GROUP))
        return damaged(err, path, "no [" GROUP "] group");
    if (g_key_file_has_key(file, GROUP, "rating", NULL)) {
        out->rating = g_key_file_get_integer(file, GROUP, "rating", &error);
        if (error) {
            g_error_free(error);
            return damaged(err, path, "rating is not a number");
        }
        if (out->rating < 0 || out->rating > 5)
            return damaged(err, path, "rating is not 0..5");
    }
    g_autofree char *label = g_key_file_get_string(file, GROUP, "label", NULL);
    if (label && *label && dk_choice_label_parse(label, &out->label) < 0)
        return damaged(err, path, "label is not pick or reject");
    char *caption = g_key_file_get_string(file, GROUP, "caption", NULL);
    if (caption && *caption)
        out->caption = caption;
    else
        g_free(caption);
    gsize n = 0;
    char **persons =
        g_key_file_get_string_list(file, GROUP, "persons", &n, NULL);
    if (persons && n)
        out->persons = persons;
    else
        g_strfreev(persons);
    return check_choice(out, path, err) < 0
               ? damaged(err, path, "a caption or name is not text")
               : 0;
}

int dk_choice_read(const char *library, const char *sha256, dk_choice *out,
                   dk_error *err)
{
    memset(out, 0, sizeof *out);
    g_autofree char *path = dk_choice_path(library, sha256);
    if (!path)
        return dk_error_set(err, DK_ERR_INVALID, "not a sha256: %s",
                            sha256 ? sha256 : "(none)");
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return 0;
    GKeyFile *file = NULL;
    dk_keyfile_lines *lines = NULL;
    int rc = dk_keyfile_load(path, &file, &lines, err);
    if (rc < 0) {
        g_autofree char *why = g_strdup(err ? err->message : "");
        return dk_error_set(err, DK_ERR_INVALID,
                            "damaged choices record: %.900s", why);
    }
    rc = parse_record(file, path, out, err);
    g_key_file_free(file);
    dk_keyfile_lines_free(lines);
    if (rc < 0)
        dk_choice_clear(out);
    return rc;
}

static char *format_record(const dk_choice *c)
{
    GKeyFile *file = g_key_file_new();
    if (c->rating)
        g_key_file_set_integer(file, GROUP, "rating", c->rating);
    if (c->label != DK_LABEL_NONE)
        g_key_file_set_string(file, GROUP, "label",
                              dk_choice_label_name(c->label));
    if (c->caption && *c->caption)
        g_key_file_set_string(file, GROUP, "caption", c->caption);
    if (c->persons && c->persons[0])
        g_key_file_set_string_list(file, GROUP, "persons",
                                   (const char *const *)c->persons,
                                   g_strv_length(c->persons));
    GDateTime *now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(now);
    g_key_file_set_string(file, GROUP, "updated", stamp);
    char *text = g_key_file_to_data(file, NULL, NULL);
    g_key_file_free(file);
    return text;
}

int dk_choice_write(const char *library, const char *sha256, const dk_choice *c,
                    dk_error *err)
{
    g_autofree char *path = dk_choice_path(library, sha256);
    if (!path)
        return dk_error_set(err, DK_ERR_INVALID, "not a sha256: %s",
                            sha256 ? sha256 : "(none)");
    int rc = check_choice(c, sha256, err);
    if (rc < 0)
        return rc;
    if (dk_choice_is_empty(c)) {
        if (unlink(path) != 0 && errno != ENOENT)
            return dk_error_errno(err, DK_ERR_IO, "cannot remove", path);
        return 0;
    }
    g_autofree char *text = format_record(c);
    return dk_atomic_write_file(path, text, strlen(text), err);
}

char *dk_choice_digest(const dk_choice *c)
{
    if (dk_choice_is_empty(c))
        return NULL;
    /* NUL-separated: no field can hold a NUL, so no two choices hash the
     * same text */
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree char *rating = g_strdup_printf("rating=%d", c->rating);
    const char *label = c->label ? dk_choice_label_name(c->label) : "";
    const char *caption = c->caption ? c->caption : "";
    const char *fields[] = {"choice 1", rating, label, caption};
    for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
        g_checksum_update(sum, (const guchar *)fields[i],
                          (gssize)strlen(fields[i]) + 1);
    for (int i = 0; c->persons && c->persons[i]; i++)
        g_checksum_update(sum, (const guchar *)c->persons[i],
                          (gssize)strlen(c->persons[i]) + 1);
    char *hex = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    return hex;
}
