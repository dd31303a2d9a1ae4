#include "dk_i18n.h"
#include "dk_internal.h"

#include <locale.h>
#include <string.h>

static char *bound_dir;

/* <prefix>/share/locale for a binary in <prefix>/bin, as the plugins are
 * found: an unpacked install tree translates wherever it lies. */
static char *locale_dir(void)
{
    g_autofree char *exe_dir = dk_executable_dir();
    if (exe_dir && strcmp(exe_dir, DK_BUILD_BIN_DIR) == 0)
        return g_strdup(DK_BUILD_LOCALE_DIR);
    if (exe_dir && g_str_has_suffix(exe_dir, "/" DK_INSTALL_BINDIR)) {
        g_autofree char *prefix = g_path_get_dirname(exe_dir);
        char *beside = g_build_filename(prefix, DK_INSTALL_LOCALEDIR, NULL);
        if (g_file_test(beside, G_FILE_TEST_IS_DIR))
            return beside;
        g_free(beside);
    }
    return g_strdup(DK_INSTALL_FULL_LOCALEDIR);
}

void dk_i18n_init(void)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    if (!bound_dir)
        bound_dir = locale_dir();
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
