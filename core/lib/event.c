/* The event file: one [event] group describing the activity documented. */
#include "dk_internal.h"

#include <string.h>

const char *const dk_event_fields[] = {
    "title", "leader",   "role",     "agency",       "place",
    "city",  "date",     "timezone", "photographer", "copyright",
    "tags",  "language", NULL,
};

static bool is_event_field(const char *key)
{
    for (int i = 0; dk_event_fields[i]; i++)
        if (strcmp(dk_event_fields[i], key) == 0)
            return true;
    return false;
}

dk_event *dk_event_new_empty(void)
{
    dk_event *event = g_new0(dk_event, 1);
    event->fields =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    event->tz = g_time_zone_new_local();
    event->slug = g_strdup("");
    event->fingerprint = g_strdup("");
    return event;
}

void dk_event_free(dk_event **event)
{
    if (!event || !*event)
        return;
    dk_event *e = *event;
    g_free(e->path);
    g_hash_table_destroy(e->fields);
    if (e->date)
        g_date_time_unref(e->date);
    if (e->tz)
        g_time_zone_unref(e->tz);
    g_free(e->slug);
    g_free(e->fingerprint);
    g_free(e);
    *event = NULL;
}

const char *dk_event_get(const dk_event *event, const char *field)
{
    if (!event)
        return NULL;
    if (strcmp(field, "slug") == 0)
        return event->slug;
    return g_hash_table_lookup(event->fields, field);
}

/* Strict YYYY-MM-DD: a crew's typo in the date must not shift an archive. */
static GDateTime *parse_date(const char *text, GTimeZone *tz)
{
    int y, m, d;
    char tail;
    if (strlen(text) != 10 ||
        sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return NULL;
    if (!g_date_valid_dmy(d, m, y))
        return NULL;
    return g_date_time_new(tz, y, m, d, 0, 0, 0);
}

static bool valid_language(const char *text)
{
    /* BCP 47 primary tag with optional subtags: "id", "en-US", "ban" */
    GRegex *re = g_regex_new("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", 0, 0, NULL);
    bool ok = g_regex_match(re, text, 0, NULL);
    g_regex_unref(re);
    return ok;
}

/* The zone is handed to GLib, which opens a file named after it: only an
 * IANA name ("Asia/Makassar", "Etc/GMT+8", "UTC") may get that far, never
 * a path that leaves the zone folder, an absolute path or a POSIX rule. */
static bool valid_zone_name(const char *text)
{
    if (!g_ascii_isalpha(text[0]))
        return false;
    gchar **parts = g_strsplit(text, "/", -1);
    bool ok = true;
    for (int i = 0; ok && parts[i]; i++) {
        ok = g_ascii_isalpha(parts[i][0]);
        for (const char *p = parts[i]; ok && *p; p++)
            ok = g_ascii_isalnum(*p) || strchr("_-+", *p);
    }
    g_strfreev(parts);
    return ok;
}

static char *event_fingerprint(GHashTable *fields)
{
    GList *keys =
        g_list_sort(g_hash_table_get_keys(fields), (GCompareFunc)strcmp);
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    for (GList *k = keys; k; k = k->next) {
        const char *value = g_hash_table_lookup(fields, k->data);
        g_checksum_update(sum, k->data, strlen(k->data) + 1);
        g_checksum_update(sum, (const guchar *)value, strlen(value) + 1);
    }
    char *hex = g_strdup(g_checksum_get_string(sum));
    g_checksum_free(sum);
    g_list_free(keys);
    return hex;
}

int dk_event_load(const char *path, dk_event **out, dk_error *err)
{
    *out = NULL;
    GKeyFile *file = NULL;
    dk_keyfile_lines *lines = NULL;
    int rc = dk_keyfile_load(path, &file, &lines, err);
    if (rc < 0)
        return rc;
    dk_event *event = dk_event_new_empty();
    event->path = g_strdup(path);

    gsize ngroups = 0;
    gchar **groups = g_key_file_get_groups(file, &ngroups);
    for (gsize i = 0; i < ngroups && rc == 0; i++)
        if (strcmp(groups[i], "event") != 0) {
            g_autofree char *where =
                dk_keyfile_where(path, lines, groups[i], NULL);
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: unknown group [%s]; an event file has "
                              "one [event] group",
                              where, groups[i]);
        }
    g_strfreev(groups);
    if (rc == 0 && !g_key_file_has_group(file, "event"))
        rc = dk_error_set(err, DK_ERR_CONFIG, "%s: no [event] group", path);

    gchar **keys =
        rc == 0 ? g_key_file_get_keys(file, "event", NULL, NULL) : NULL;
    for (int i = 0; keys && keys[i] && rc == 0; i++) {
        g_autofree char *where =
            dk_keyfile_where(path, lines, "event", keys[i]);
        if (!is_event_field(keys[i])) {
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: [event] %s: unknown key (known: title, "
                              "leader, role, agency, place, city, date, "
                              "timezone, photographer, copyright, tags, "
                              "language)",
                              where, keys[i]);
            break;
        }
        char *value = g_key_file_get_string(file, "event", keys[i], NULL);
        if (!value) {
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: [event] %s: unreadable "
                              "value",
                              where, keys[i]);
            break;
        }
        g_strstrip(value);
        g_hash_table_replace(event->fields, g_strdup(keys[i]), value);
    }
    g_strfreev(keys);

    const char *tzname = rc == 0 ? dk_event_get(event, "timezone") : NULL;
    if (tzname && *tzname) {
        GTimeZone *tz =
            valid_zone_name(tzname) ? g_time_zone_new_identifier(tzname) : NULL;
        if (!tz) {
            g_autofree char *where =
                dk_keyfile_where(path, lines, "event", "timezone");
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: [event] timezone: unknown time zone '%s' "
                              "(use a name like Asia/Makassar)",
                              where, tzname);
        } else {
            g_time_zone_unref(event->tz);
            event->tz = tz;
        }
    }
    static const char *const required[] = {"title", "date", NULL};
    for (int i = 0; rc == 0 && required[i]; i++) {
        const char *value = dk_event_get(event, required[i]);
        if (!value || !*value)
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: [event] %s: required, but not set", path,
                              required[i]);
    }
    if (rc == 0) {
        event->date = parse_date(dk_event_get(event, "date"), event->tz);
        if (!event->date) {
            g_autofree char *where =
                dk_keyfile_where(path, lines, "event", "date");
            rc = dk_error_set(err, DK_ERR_CONFIG,
                              "%s: [event] date: '%s' is not a date like "
                              "2024-09-02",
                              where, dk_event_get(event, "date"));
        }
    }
    const char *language = rc == 0 ? dk_event_get(event, "language") : NULL;
    if (language && *language && !valid_language(language)) {
        g_autofree char *where =
            dk_keyfile_where(path, lines, "event", "language");
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s: [event] language: '%s' is not a language tag "
                          "like id or en",
                          where, language);
    }
    if (rc == 0) {
        g_free(event->slug);
        event->slug = dk_slugify_or_untitled(dk_event_get(event, "title"));
        g_free(event->fingerprint);
        event->fingerprint = event_fingerprint(event->fields);
    }
    dk_keyfile_lines_free(lines);
    g_key_file_free(file);
    if (rc < 0) {
        dk_event_free(&event);
        return rc;
    }
    *out = event;
    return 0;
}
