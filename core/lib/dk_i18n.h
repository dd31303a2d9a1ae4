/* Translated messages: the dokpim gettext domain, for the command, the core
 * libraries and the in-tree plugins. Only macros over libc's dgettext, so a
 * plugin that includes this imports no private dokpim symbol; the domain is
 * bound once by the dokpim command (dk_i18n_init). A message is translated
 * where it is made, with its format, so the arguments stay in their place
 * whatever order a language wants. */
#ifndef DK_I18N_H
#define DK_I18N_H

#include <libintl.h>

#include "dk_private_api.h"

#define DK_TEXTDOMAIN "dokpim"

/* dgettext, not gettext: the library must not depend on which domain the
 * program made its default. */
#define _(text) dgettext(DK_TEXTDOMAIN, text)
/* marks a static string (a table row) translated later with _() */
#define N_(text) (text)
/* plural: "%d photo" / "%d photos" by the language's own rule */
#define dk_ngettext(one, many, n) dngettext(DK_TEXTDOMAIN, one, many, n)

/* The translation of a printf format (the message sinks: dk_error_set,
 * dk_item_warn, dk_job_note, cli_error ...): xgettext takes those calls'
 * formats as msgids. "" stays "" (its lookup gives the catalogue's
 * header); a format the catalogue lacks, an out-of-tree plugin's, stays as
 * written. */
DK_PRIVATE_API const char *dk_i18n_format(const char *fmt);

/* setlocale for the user's locale, but LC_NUMERIC stays "C" (JSON,
 * manifests, EXIF and ffmpeg arguments need "1.5", never "1,5"); binds the
 * domain to the build tree's locale folder when the binary runs from the
 * build tree, else to <prefix>/share/locale beside the binary, else the
 * configured install prefix's. DOKPIM_LANGUAGE, else LANGUAGE, chooses the
 * messages' language even in the C locale. */
DK_PRIVATE_API void dk_i18n_init(void);

/* Messages in this language from now on: "id", "en", or NULL (the locale's
 * choice). Sets LANGUAGE for the process, so GLib's own messages follow. */
DK_PRIVATE_API void dk_i18n_use_language(const char *language);

/* The folder the domain is bound to (for `dokpim doctor` and the tests). */
DK_PRIVATE_API const char *dk_i18n_locale_dir(void);

#endif
