#include "dk_i18n.h"
#include "dk_internal.h"

#include <locale.h>
#include <string.h>

static char *bound_dir;

void dk_i18n_init(void)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (!bound_dir)
        /* <prefix>/share/locale beside the binary, as the plugins are
         * found: an unpacked install tree translates wherever it lies */
        bound_dir = dk_shipped_dir(DK_BUILD_LOCALE_DIR, DK_INSTALL_LOCALEDIR,
                                   DK_INSTALL_FULL_LOCALEDIR);
    bindtextdomain(DK_TEXTDOMAIN, bound_dir);
    bind_textdomain_codeset(DK_TEXTDOMAIN, "UTF-8");
    textdomain(DK_TEXTDOMAIN);
    /* DOKPIM_LANGUAGE (this run, over the event's language=) or LANGUAGE
     * is an explicit choice: honoured on a machine left in the C locale
     * too, where gettext alone would ignore it */
    const char *chosen = g_getenv("DOKPIM_LANGUAGE");
    dk_i18n_use_language(chosen && *chosen ? chosen : g_getenv("LANGUAGE"));
}

const char *dk_i18n_format(const char *fmt)
{
    return fmt && *fmt ? _(fmt) : fmt;
}

const char *dk_i18n_locale_dir(void)
{
    return bound_dir;
}

void dk_i18n_use_language(const char *language)
{
    if (!language || !*language)
        return;
    /* a language tag (id-ID) as gettext names catalogues (id_ID) */
    g_autofree char *name = g_strdelimit(g_strdup(language), "-", '_');
    g_setenv("LANGUAGE", name, TRUE);
    /* gettext ignores LANGUAGE in the "C" locale; C.UTF-8 is built into
     * glibc, so a machine with no generated locale (LANG=C) still gets the
     * event's language, and numbers stay "C" either way */
    const char *messages = setlocale(LC_MESSAGES, NULL);
    if (!messages || strcmp(messages, "C") == 0 ||
        strcmp(messages, "POSIX") == 0)
        setlocale(LC_MESSAGES, "C.UTF-8");
    /* drops the catalogue cache: the next lookup reads LANGUAGE again */
    textdomain(textdomain(NULL));
}
