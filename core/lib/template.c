/* The template language every text and path option uses. One parser serves
 * both checking (at config time, before any file is touched) and expanding
 * (per item), so a template that checks cleanly cannot fail to parse later. */
#include "dk_internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
    VAR_EVENT_FIELD,
    VAR_DATE,
    VAR_CAPTURE_TIME,
    VAR_SEQ,
    VAR_ORIGINAL,
    VAR_META, /* item metadata such as camera.model: empty when unknown */
} var_kind;

typedef enum { FORMAT_TEXT, FORMAT_TIME, FORMAT_NUMBER } format_kind;

typedef struct {
    const char *name;
    var_kind kind;
    format_kind format;
} variable;

static const variable variables[] = {
    {"date", VAR_DATE, FORMAT_TIME},
    {"capture.time", VAR_CAPTURE_TIME, FORMAT_TIME},
    {"seq", VAR_SEQ, FORMAT_NUMBER},
    {"original.name", VAR_ORIGINAL, FORMAT_TEXT},
    {"original.stem", VAR_ORIGINAL, FORMAT_TEXT},
    {"original.ext", VAR_ORIGINAL, FORMAT_TEXT},
    {"original.sha256", VAR_ORIGINAL, FORMAT_TEXT},
    {"camera.make", VAR_META, FORMAT_TEXT},
    {"camera.model", VAR_META, FORMAT_TEXT},
};

/* Month and day names follow the event's language rather than the
 * machine's locale, so the same config gives the same captions anywhere. */
static const char *const months_id[] = {
    "Januari", "Februari", "Maret",     "April",   "Mei",      "Juni",
    "Juli",    "Agustus",  "September", "Oktober", "November", "Desember"};
static const char *const months_id_short[] = {"Jan", "Feb", "Mar", "Apr",
                                              "Mei", "Jun", "Jul", "Agu",
                                              "Sep", "Okt", "Nov", "Des"};
static const char *const months_en[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const days_id[] = {"Senin", "Selasa", "Rabu",  "Kamis",
                                      "Jumat", "Sabtu",  "Minggu"};
static const char *const days_en[] = {"Monday",   "Tuesday", "Wednesday",
                                      "Thursday", "Friday",  "Saturday",
                                      "Sunday"};

typedef struct {
    char *name;   /* variable name */
    char *format; /* after ':', or NULL */
    const variable *var;
    char *field; /* for event.X */
} token;

static void token_clear(token *t)
{
    g_free(t->name);
    g_free(t->format);
    g_free(t->field);
}

static bool is_event_variable(const char *name, const char **field)
{
    if (!g_str_has_prefix(name, "event."))
        return false;
    const char *f = name + strlen("event.");
    if (strcmp(f, "slug") == 0) {
        *field = f;
        return true;
    }
    for (int i = 0; dk_event_fields[i]; i++)
        if (strcmp(dk_event_fields[i], f) == 0) {
            *field = f;
            return true;
        }
    return false;
}

static bool valid_number_format(const char *format)
{
    if (!*format || strlen(format) > 2)
        return false;
    for (const char *p = format; *p; p++)
        if (!g_ascii_isdigit(*p))
            return false;
    return true;
}

static bool valid_text_format(const char *format)
{
    return strcmp(format, "slug") == 0 || strcmp(format, "upper") == 0 ||
           strcmp(format, "lower") == 0;
}

static char *format_time(GDateTime *time, const char *format,
                         const char *language);

/* Parses "{name:format}" at text (just after '{'); *end is set after '}'. */
static int parse_token(const char *tmpl, const char *text, const char **end,
                       token *t, dk_error *err)
{
    const char *close = strchr(text, '}');
    if (!close)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "template '%s': '{' without a closing '}'", tmpl);
    g_autofree char *inside = g_strndup(text, close - text);
    if (strchr(inside, '{'))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "template '%s': '{' inside a variable (write "
                            "'{{' for a literal brace)",
                            tmpl);
    char *colon = strchr(inside, ':');
    t->name = g_strstrip(
        g_strndup(inside, colon ? colon - inside : (long)strlen(inside)));
    t->format = colon ? g_strdup(colon + 1) : NULL;
    *end = close + 1;

    const char *field = NULL;
    format_kind format = FORMAT_TEXT;
    if (is_event_variable(t->name, &field)) {
        t->field = g_strdup(field);
    } else {
        for (size_t i = 0; i < G_N_ELEMENTS(variables); i++)
            if (strcmp(variables[i].name, t->name) == 0)
                t->var = &variables[i];
        if (!t->var)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "template '%s': unknown variable {%s}", tmpl,
                                t->name);
        format = t->var->format;
    }
    if (!t->format)
        return 0;
    bool ok = false;
    if (format == FORMAT_NUMBER) {
        ok = valid_number_format(t->format);
    } else if (format == FORMAT_TIME) {
        GDateTime *probe = g_date_time_new_utc(2024, 9, 2, 14, 11, 22);
        char *sample = format_time(probe, t->format, "en");
        ok = sample != NULL;
        g_free(sample);
        g_date_time_unref(probe);
    } else {
        ok = valid_text_format(t->format);
    }
    if (!ok)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "template '%s': format '%s' does not fit {%s}%s",
                            tmpl, t->format, t->name,
                            format == FORMAT_NUMBER ? " (use a width like 04)"
                            : format == FORMAT_TIME
                                ? " (use strftime codes like %Y-%m-%d)"
                                : " (use slug, upper or lower)");
    return 0;
}

/* Walks the template, calling visit for each variable; literal text is
 * appended to out when out is non-NULL. */
typedef int (*token_visit)(const token *t, void *user, GString *out,
                           dk_error *err);

static int walk(const char *tmpl, token_visit visit, void *user, GString *out,
                dk_error *err)
{
    /* configs are checked as UTF-8 when read, --set values are not; the
     * date formats and case mappings below need it */
    if (!g_utf8_validate(tmpl, -1, NULL))
        return dk_error_set(err, DK_ERR_CONFIG,
                            "template is not valid UTF-8 text");
    const char *p = tmpl;
    while (*p) {
        if (p[0] == '{' && p[1] == '{') {
            if (out)
                g_string_append_c(out, '{');
            p += 2;
        } else if (p[0] == '}' && p[1] == '}') {
            if (out)
                g_string_append_c(out, '}');
            p += 2;
        } else if (p[0] == '}') {
            return dk_error_set(err, DK_ERR_CONFIG,
                                "template '%s': '}' without an opening '{' "
                                "(write '}}' for a literal brace)",
                                tmpl);
        } else if (p[0] == '{') {
            token t = {0};
            int rc = parse_token(tmpl, p + 1, &p, &t, err);
            if (rc == 0 && visit)
                rc = visit(&t, user, out, err);
            token_clear(&t);
            if (rc < 0)
                return rc;
        } else {
            if (out)
                g_string_append_c(out, *p);
            p++;
        }
    }
    return 0;
}

static int check_event_use(const token *t, void *user, GString *out,
                           dk_error *err)
{
    (void)out;
    const dk_event *event = user;
    if (!event || !t->field || strcmp(t->field, "slug") == 0)
        return 0;
    const char *value = dk_event_get(event, t->field);
    if (!value || !*value)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "template uses {%s}, but the event file %s does "
                            "not set %s",
                            t->name, event->path ? event->path : "", t->field);
    return 0;
}

int dk_template_check(const char *tmpl, dk_error *err)
{
    return walk(tmpl, NULL, NULL, NULL, err);
}

int dk_template_check_with_event(const char *tmpl, const dk_event *event,
                                 dk_error *err)
{
    return walk(tmpl, check_event_use, (void *)event, NULL, err);
}

static char *format_time(GDateTime *time, const char *format,
                         const char *language)
{
    bool indonesian = language && g_str_has_prefix(language, "id");
    int month = g_date_time_get_month(time) - 1;
    int day = g_date_time_get_day_of_week(time) - 1;
    GString *fmt = g_string_new(NULL);
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            g_string_append_c(fmt, *p);
            continue;
        }
        /* One whole conversion: '%', GLib's modifiers, its letter. A name
         * put in for %A must not end a conversion the format left open:
         * "%0" + "Jumat" would read as "%0J", so a format would pass the
         * config check (English names) and fail on the event's date. */
        const char *letter = p + 1;
        while (*letter && strchr("-_0EO", *letter))
            letter++;
        const char *name = NULL;
        char *owned = NULL;
        switch (*letter) {
        case 'B':
            name = indonesian ? months_id[month] : months_en[month];
            break;
        case 'b':
        case 'h':
            name = indonesian ? months_id_short[month]
                              : (owned = g_strndup(months_en[month], 3));
            break;
        case 'A':
            name = indonesian ? days_id[day] : days_en[day];
            break;
        case 'a':
            name = owned =
                g_strndup(indonesian ? days_id[day] : days_en[day], 3);
            break;
        }
        if (name)
            g_string_append(fmt, name);
        else
            g_string_append_len(fmt, p, letter - p + (*letter ? 1 : 0));
        g_free(owned);
        p = *letter ? letter : letter - 1;
    }
    char *result = g_date_time_format(time, fmt->str);
    g_string_free(fmt, TRUE);
    return result;
}

char *dk_slugify_or_untitled(const char *text)
{
    char *slug = dk_slugify(text);
    if (*slug)
        return slug;
    g_free(slug);
    return g_strdup(DK_EMPTY_SLUG);
}

char *dk_slugify(const char *text)
{
    if (!text)
        return g_strdup("");
    /* Transliterate accents ("é" -> "e") so slugs stay ASCII everywhere. */
    char *ascii = g_str_to_ascii(text, "C");
    GString *slug = g_string_new(NULL);
    bool dash = false;
    for (const char *p = ascii; *p; p++) {
        if (g_ascii_isalnum(*p)) {
            if (dash && slug->len)
                g_string_append_c(slug, '-');
            g_string_append_c(slug, g_ascii_tolower(*p));
            dash = false;
        } else {
            dash = true;
        }
    }
    g_free(ascii);
    return g_string_free(slug, FALSE);
}

/* Values put into a path may not add folders or hidden names. */
static char *clean_path_value(const char *value)
{
    GString *clean = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            continue;
        g_string_append_c(clean, (*p == '/' || *p == '\\') ? '-' : (char)*p);
    }
    while (clean->len && clean->str[0] == '.')
        g_string_erase(clean, 0, 1);
    return g_string_free(clean, FALSE);
}

/* Windows drops trailing dots and spaces, so a name needs more than those. */
static bool has_visible(const char *text)
{
    for (const char *p = text; *p; p++)
        if (*p != '.' && *p != ' ')
            return true;
    return false;
}

static bool is_slug(const token *t)
{
    return (t->format && strcmp(t->format, "slug") == 0) ||
           (t->field && strcmp(t->field, "slug") == 0);
}

/* Variables that always name something: a slug, or the input's own name.
 * When one still comes out empty ("!!!" slugified, a file named "...") a
 * path gets DK_EMPTY_SLUG instead, never ".jpg" or "20250314__0001.jpg". */
static bool never_empty_in_path(const token *t)
{
    return is_slug(t) || (t->var && (t->var->kind == VAR_SEQ ||
                                     (t->var->kind == VAR_ORIGINAL &&
                                      strcmp(t->name, "original.ext") != 0)));
}

typedef struct {
    const dk_event *event;
    const dk_item *item;
    dk_template_mode mode;
} expand_ctx;

static char *apply_text_format(const char *value, const char *format)
{
    if (!format)
        return g_strdup(value);
    if (strcmp(format, "slug") == 0)
        return dk_slugify_or_untitled(value);
    if (strcmp(format, "upper") == 0)
        return g_utf8_strup(value, -1);
    return g_utf8_strdown(value, -1);
}

static int expand_original(const token *t, const dk_item *item, char **value)
{
    g_autofree char *base = g_path_get_basename(item->source_path);
    const char *dot = strrchr(base, '.');
    if (strcmp(t->name, "original.name") == 0)
        *value = g_strdup(base);
    else if (strcmp(t->name, "original.stem") == 0)
        *value =
            dot && dot != base ? g_strndup(base, dot - base) : g_strdup(base);
    else if (strcmp(t->name, "original.ext") == 0)
        *value = g_strdup(dot && dot != base ? dot + 1 : "");
    else
        *value = g_strdup(item->sha256 ? item->sha256 : "");
    return 0;
}

static int expand_token(const token *t, void *user, GString *out, dk_error *err)
{
    const expand_ctx *ctx = user;
    const char *language = dk_event_get(ctx->event, "language");
    char *value = NULL;
    if (t->field) {
        const char *text = dk_event_get(ctx->event, t->field);
        value = apply_text_format(text ? text : "", t->format);
    } else if (t->var->kind == VAR_DATE) {
        if (!ctx->event || !ctx->event->date)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "{date} needs an event file with a date");
        value = format_time(ctx->event->date,
                            t->format ? t->format : "%Y-%m-%d", language);
    } else if (!ctx->item) {
        return dk_error_set(err, DK_ERR_CONFIG,
                            "{%s} only makes sense for a file", t->name);
    } else if (t->var->kind == VAR_SEQ) {
        int width = t->format ? atoi(t->format) : 0;
        value = g_strdup_printf("%0*d", width, ctx->item->seq);
    } else if (t->var->kind == VAR_ORIGINAL) {
        expand_original(t, ctx->item, &value);
        char *formatted = apply_text_format(value, t->format);
        g_free(value);
        value = formatted;
    } else if (t->var->kind == VAR_META) {
        const char *text = dk_meta_get(ctx->item->meta, t->name);
        value = apply_text_format(text ? text : "", t->format);
    } else {
        const char *iso = dk_meta_get(ctx->item->meta, "capture.time");
        GTimeZone *tz = ctx->event ? ctx->event->tz : NULL;
        GDateTime *parsed = iso ? g_date_time_new_from_iso8601(iso, tz) : NULL;
        if (!parsed)
            return dk_error_set(err, DK_ERR_INVALID,
                                "{capture.time}: no capture time is known "
                                "for this file");
        GDateTime *local =
            tz ? g_date_time_to_timezone(parsed, tz) : g_date_time_ref(parsed);
        value = format_time(local, t->format ? t->format : "%Y-%m-%dT%H:%M:%S",
                            language);
        g_date_time_unref(local);
        g_date_time_unref(parsed);
    }
    if (!value)
        return dk_error_set(err, DK_ERR_INVALID, "cannot format {%s}", t->name);
    if (ctx->mode == DK_TEMPLATE_PATH) {
        char *clean = clean_path_value(value);
        g_free(value);
        value = clean;
        if (!has_visible(value) && never_empty_in_path(t)) {
            g_free(value);
            value = g_strdup(DK_EMPTY_SLUG);
        }
    }
    g_string_append(out, value);
    g_free(value);
    return 0;
}

int dk_template_expand(const char *tmpl, const dk_event *event,
                       const dk_item *item, dk_template_mode mode, char **out,
                       dk_error *err)
{
    *out = NULL;
    expand_ctx ctx = {event, item, mode};
    GString *text = g_string_new(NULL);
    int rc = walk(tmpl, expand_token, &ctx, text, err);
    if (rc < 0) {
        g_string_free(text, TRUE);
        return rc;
    }
    if (mode == DK_TEMPLATE_TEXT) {
        *out = g_string_free(text, FALSE);
        return 0;
    }
    rc = dk_path_sanitize(text->str, out, err);
    g_string_free(text, TRUE);
    return rc;
}

/* ---- checking path templates before any file is seen ---- */

/* Whether the variable can expand to nothing visible in a path. Event
 * fields are judged by the event's values when there is an event, and
 * time formats by formatting a sample date. */
static bool may_be_empty(const token *t, const dk_event *event)
{
    if (never_empty_in_path(t))
        return false;
    char *value = NULL;
    if (t->field) {
        if (!event || !event->path)
            return false; /* checked again with the event at run time */
        const char *text = dk_event_get(event, t->field);
        value = apply_text_format(text ? text : "", t->format);
    } else if (t->var->kind == VAR_DATE || t->var->kind == VAR_CAPTURE_TIME) {
        if (!t->format)
            return false;
        GDateTime *sample = event && event->date && t->var->kind == VAR_DATE
                                ? g_date_time_ref(event->date)
                                : g_date_time_new_utc(2024, 9, 2, 14, 11, 22);
        value = format_time(sample, t->format, dk_event_get(event, "language"));
        g_date_time_unref(sample);
    } else {
        return true; /* camera.*, original.ext: unknown for some files */
    }
    g_autofree char *clean = clean_path_value(value ? value : "");
    g_free(value);
    return !has_visible(clean);
}

typedef struct {
    const char *tmpl;
    const dk_event *event;
    GString *written;  /* the component as written, for messages */
    size_t fixed;      /* bytes of fixed text in it */
    bool has_variable; /* some variable in it */
    bool named;        /* surely something visible in it */
    bool dot_first;    /* it can start with '.' */
} path_check;

static void component_reset(path_check *c)
{
    g_string_truncate(c->written, 0);
    c->fixed = 0;
    c->has_variable = c->named = c->dot_first = false;
}

static int component_end(path_check *c, dk_error *err)
{
    const char *text = c->written->str;
    /* "a//b" and "./b" are collapsed by the sanitiser, not made hidden */
    bool collapsed = !c->has_variable && (!*text || strcmp(text, ".") == 0);
    int rc = 0;
    if (collapsed)
        rc = 0;
    else if (c->fixed > DK_NAME_BYTES)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "a name in this template has %zu bytes of fixed "
                          "text; a name can hold %d (255 less room for "
                          "dokpim's temporary and numbering suffixes)",
                          c->fixed, DK_NAME_BYTES);
    else if (c->dot_first)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "template '%s': the name '%s' can start with '.', "
                          "making a hidden file or folder; start it with "
                          "fixed text or a variable that is never empty "
                          "such as {seq}",
                          c->tmpl, text);
    else if (!c->named)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "template '%s': the name '%s' can come out empty; "
                          "add fixed text or a variable that is never empty "
                          "such as {seq}",
                          c->tmpl, text);
    component_reset(c);
    return rc;
}

/* Fixed text the walk collected since the last variable. */
static int check_fixed_text(path_check *c, GString *text, dk_error *err)
{
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)text->str;
         *p && rc == 0; p++) {
        if (*p == '/') {
            rc = component_end(c, err);
            continue;
        }
        if (*p < 0x20 || *p == 0x7f)
            continue; /* dropped by the sanitiser */
        g_string_append_c(c->written, (char)*p);
        c->fixed++;
        if (*p == '.' && !c->named)
            c->dot_first = true;
        else if (*p != '.' && *p != ' ')
            c->named = true;
    }
    g_string_truncate(text, 0);
    return rc;
}

static int check_path_token(const token *t, void *user, GString *out,
                            dk_error *err)
{
    path_check *c = user;
    int rc = check_fixed_text(c, out, err);
    if (rc < 0)
        return rc;
    g_string_append_printf(c->written, "{%s%s%s}", t->name,
                           t->format ? ":" : "", t->format ? t->format : "");
    c->has_variable = true;
    if (!may_be_empty(t, c->event))
        c->named = true;
    return 0;
}

int dk_template_check_path(const char *tmpl, const dk_event *event,
                           dk_error *err)
{
    path_check c = {
        .tmpl = tmpl, .event = event, .written = g_string_new(NULL)};
    GString *fixed = g_string_new(NULL);
    int rc = walk(tmpl, check_path_token, &c, fixed, err);
    if (rc == 0)
        rc = check_fixed_text(&c, fixed, err);
    if (rc == 0)
        rc = component_end(&c, err);
    g_string_free(fixed, TRUE);
    g_string_free(c.written, TRUE);
    return rc;
}
