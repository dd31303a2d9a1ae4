/* The findings of dokpim doctor and the two ways they are printed. */
#include "doctor.h"
#include "json.h"

#include <stdarg.h>

void doctor_add(doctor *d, doctor_status status, const char *check,
                const char *advice, const char *fmt, ...)
{
    doctor_finding *f = g_new0(doctor_finding, 1);
    va_list args;
    va_start(args, fmt);
    /* translated here, as cli_error does: xgettext takes doctor_add's
     * format (the advice too when it is in the catalogue); the status words and
     * check names stay English (scripts grep them, --json keys them) */
    f->message = g_strdup_vprintf(dk_i18n_format(fmt), args);
    va_end(args);
    f->check = g_strdup(check);
    f->status = status;
    f->advice = g_strdup(advice ? dk_i18n_format(advice) : "");
    g_ptr_array_add(d->findings, f);
}

doctor_status doctor_worst(const doctor *d)
{
    doctor_status worst = DOCTOR_OK;
    for (guint i = 0; i < d->findings->len; i++) {
        const doctor_finding *f = d->findings->pdata[i];
        if (f->status > worst)
            worst = f->status;
    }
    return worst;
}

static const char *status_name(doctor_status status)
{
    static const char *const names[] = {"ok", "warn", "FAIL"};
    return names[status];
}

void doctor_print_text(const doctor *d)
{
    for (guint i = 0; i < d->findings->len; i++) {
        const doctor_finding *f = d->findings->pdata[i];
        /* messages hold paths and other programs' words: cli_line escapes
         * them so each finding stays one line */
        if (*f->advice)
            cli_line(stdout, "", "%-4s  %s: %s — %s", status_name(f->status),
                     f->check, f->message, f->advice);
        else
            cli_line(stdout, "", "%-4s  %s: %s", status_name(f->status),
                     f->check, f->message);
    }
}

void doctor_print_json(const doctor *d)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < d->findings->len; i++) {
        const doctor_finding *f = d->findings->pdata[i];
        json_builder_begin_object(b);
        json_add_string(b, "check", f->check);
        json_add_string(b, "status", status_name(f->status));
        json_add_string(b, "message", f->message);
        json_add_string(b, "advice", f->advice);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_print(b);
    g_object_unref(b);
}
