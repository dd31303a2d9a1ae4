/* doctor: the fonts the overlay asks for resolve, through pango and
 * fontconfig as the overlay renderer resolves them, and cover the scripts
 * the project promises for overlay text (scripts/install-deps.sh installs
 * fonts-noto-core for them): Latin, Balinese and Arabic. */
#include "doctor.h"

#include <pango/pangocairo.h>
#include <string.h>

static const struct {
    const char *script;
    const char *sample; /* letters the script's text cannot do without */
} scripts[] = {
    {"Latin", "Aaé"},
    {"Balinese", "\u1B05\u1B13\u1B32"},
    {"Arabic", "\u0628\u0633\u0645"},
};

#define FONT_PACKAGE "fonts-noto-core"

/* Whether pango finds a font for every letter of sample in the fontset
 * (the described font and the fallbacks fontconfig ranks after it), the
 * way a layout picks a font for each character. */
static bool covers(PangoFontset *fontset, const char *sample)
{
    for (const char *p = sample; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        PangoFont *font = pango_fontset_get_font(fontset, c);
        bool has = font && pango_font_has_char(font, c);
        if (font)
            g_object_unref(font);
        if (!has)
            return false;
    }
    return true;
}

static void check_family(doctor *d, PangoContext *context, const char *name)
{
    PangoFontDescription *desc = pango_font_description_from_string(name);
    PangoFontMap *map = pango_context_get_font_map(context);
    PangoLanguage *language = pango_language_from_string("id");
    PangoFontset *fontset =
        pango_font_map_load_fontset(map, context, desc, language);
    pango_font_description_free(desc);
    PangoFont *first =
        fontset ? pango_fontset_get_font(fontset, g_utf8_get_char("A")) : NULL;
    if (!first) {
        doctor_add(d, DOCTOR_FAIL, "fonts", "apt-get install " FONT_PACKAGE,
                   "font '%s' resolves to no font at all", name);
        if (fontset)
            g_object_unref(fontset);
        return;
    }
    PangoFontDescription *got = pango_font_describe(first);
    /* the size is the layout's business, not the font's name */
    pango_font_description_unset_fields(got, PANGO_FONT_MASK_SIZE);
    g_autofree char *got_name = pango_font_description_to_string(got);
    pango_font_description_free(got);
    g_object_unref(first);
    GString *lacking = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++)
        if (!covers(fontset, scripts[i].sample))
            g_string_append_printf(lacking, "%s%s", lacking->len ? ", " : "",
                                   scripts[i].script);
    g_object_unref(fontset);
    if (lacking->len)
        doctor_add(d, DOCTOR_FAIL, "fonts", "apt-get install " FONT_PACKAGE,
                   "font '%s' (%s) has no glyphs for %s text in overlays", name,
                   got_name, lacking->str);
    else
        doctor_add(d, DOCTOR_OK, "fonts", NULL,
                   "font '%s' resolves to %s, covers Latin, Balinese, Arabic",
                   name, got_name);
    g_string_free(lacking, TRUE);
}

/* The fonts of the plugins' "font" options (their defaults: what a
 * pipeline that does not set one gets), once each. */
void doctor_check_fonts(doctor *d)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    PangoFontMap *map = pango_cairo_font_map_new();
    PangoContext *context = pango_font_map_create_context(map);
    for (guint i = 0; i < d->registry->plugins->len; i++) {
        const dk_loaded_plugin *lp = d->registry->plugins->pdata[i];
        for (const dk_option *o = lp->plugin->options; o && o->name; o++)
            if (strcmp(o->name, "font") == 0 && o->default_value &&
                *o->default_value &&
                g_hash_table_add(seen, (gpointer)o->default_value))
                check_family(d, context, o->default_value);
    }
    if (!g_hash_table_size(seen))
        doctor_add(d, DOCTOR_OK, "fonts", NULL,
                   "no installed plugin draws text");
    g_object_unref(context);
    g_object_unref(map);
    g_hash_table_destroy(seen);
}
