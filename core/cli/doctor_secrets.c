/* doctor: the files that hold secrets (OAuth credentials, stream keys,
 * signing keys, the queue with its upload session URIs) are private. The
 * permission rule is the project's one (dk_check_private_file); this file
 * only finds the files: what the pipelines name, the default places under
 * ~/.config/dokpim the README tells crews to use, and each library's. */
#include "doctor.h"

#include <dokpim/keys.h>
#include <stdlib.h>
#include <string.h>

typedef enum { SECRET_FILE, SECRET_KEY_DIR } secret_kind;

/* Options holding secrets beyond those flagged DK_OPTION_PRIVATE_FILE
 * (whose files the loader already refuses when others may read them), and
 * where the README puts each under ~/.config/dokpim. */
static const struct {
    const char *plugin;
    const char *option;
    secret_kind kind;
    const char *default_name; /* under g_get_user_config_dir()/dokpim */
} secret_options[] = {
    {"upload.youtube", "credentials", SECRET_FILE, "youtube.json"},
    {"live.youtube", "key-file", SECRET_FILE, "youtube.key"},
    {"sign.c2pa", "key-dir", SECRET_KEY_DIR, "keys"},
};

static char *default_path(size_t row)
{
    return g_build_filename(g_get_user_config_dir(), "dokpim",
                            secret_options[row].default_name, NULL);
}

static gssize secret_row(const char *plugin, const char *option)
{
    for (size_t i = 0; i < G_N_ELEMENTS(secret_options); i++)
        if (strcmp(secret_options[i].plugin, plugin) == 0 &&
            strcmp(secret_options[i].option, option) == 0)
            return (gssize)i;
    return -1;
}

GStrv doctor_default_overrides(const char *pipeline_path)
{
    g_auto(GStrv) pairs = doctor_pipeline_stages(pipeline_path);
    GPtrArray *out = g_ptr_array_new();
    for (int i = 0; pairs && pairs[i]; i += 2)
        for (size_t row = 0; row < G_N_ELEMENTS(secret_options); row++) {
            if (strcmp(secret_options[row].plugin, pairs[i + 1]) != 0)
                continue;
            g_autofree char *path = default_path(row);
            /* one that others may read is the secrets check's finding;
             * the pipeline is checked as it runs without it */
            bool usable = secret_options[row].kind == SECRET_KEY_DIR
                              ? g_file_test(path, G_FILE_TEST_IS_DIR)
                              : dk_check_private_file(path, NULL) == 0;
            if (usable)
                g_ptr_array_add(out, g_strdup_printf("%s.%s=%s", pairs[i],
                                                     secret_options[row].option,
                                                     path));
        }
    g_ptr_array_add(out, NULL);
    return (GStrv)g_ptr_array_free(out, FALSE);
}

static void note(doctor *d, const char *path, const char *who)
{
    if (!g_hash_table_contains(d->secrets, path))
        g_hash_table_insert(d->secrets, g_strdup(path), g_strdup(who));
}

/* A signing identity folder: its keys that are there (dk_keys_* write
 * them 0600), and the signing key even when it is not if a signing stage
 * needs it (need_signing_key). A library's keys/ may hold only the trust
 * anchor `dokpim verify` reads. */
static void note_key_dir(doctor *d, const char *dir, const char *who,
                         bool need_signing_key)
{
    static const char *const keys[] = {DK_KEYS_SIGNING_KEY, DK_KEYS_CA_KEY};
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *path = g_build_filename(dir, keys[i], NULL);
        if ((i == 0 && need_signing_key) ||
            g_file_test(path, G_FILE_TEST_EXISTS))
            note(d, path, who);
    }
}

void doctor_note_secrets(doctor *d, const dk_pipeline *pipeline)
{
    for (guint i = 0; i < pipeline->stages->len; i++) {
        const dk_stage *stage = pipeline->stages->pdata[i];
        for (const dk_option *o = stage->plugin->options; o && o->name; o++) {
            const dk_option_value *v =
                g_hash_table_lookup(stage->values, o->name);
            if (!v || !v->resolved || !*v->resolved)
                continue;
            gssize row = secret_row(stage->plugin->name, o->name);
            g_autofree char *who = g_strdup_printf("[%s] %s of %s", stage->name,
                                                   o->name, pipeline->path);
            if (row >= 0 && secret_options[row].kind == SECRET_KEY_DIR)
                note_key_dir(d, v->resolved, who, true);
            else if (row >= 0 || (o->flags & DK_OPTION_PRIVATE_FILE &&
                                  o->type == DK_OPT_PATH))
                note(d, v->resolved, who);
        }
    }
}

static void note_defaults_and_libraries(doctor *d)
{
    for (size_t row = 0; row < G_N_ELEMENTS(secret_options); row++) {
        g_autofree char *path = default_path(row);
        if (!g_file_test(path, G_FILE_TEST_EXISTS))
            continue;
        if (secret_options[row].kind == SECRET_KEY_DIR)
            note_key_dir(d, path, "the default signing identity", false);
        else
            note(d, path, "a default place the README gives");
    }
    for (int i = 0; d->libraries && d->libraries[i]; i++) {
        g_autofree char *keys = g_build_filename(d->libraries[i], "keys", NULL);
        if (g_file_test(keys, G_FILE_TEST_IS_DIR))
            note_key_dir(d, keys, "the library's signing identity", false);
        /* the queue holds resumable upload session URIs, which grant
         * upload access to whoever reads them */
        g_autofree char *queue =
            g_build_filename(d->libraries[i], "queue.db", NULL);
        if (g_file_test(queue, G_FILE_TEST_EXISTS))
            note(d, queue, "the library's upload queue");
    }
}

static void check_one(doctor *d, const char *path, const char *who)
{
    dk_error err = {0};
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        doctor_add(d, DOCTOR_FAIL, "secrets",
                   N_("create it (dokpim keys init, dokpim youtube auth) or "
                      "correct the path"),
                   "%s does not exist; %s", path, who);
        return;
    }
    if (dk_check_private_file(path, &err) < 0) {
        /* the check's message ends with what to run; that is the advice */
        char *run = strstr(err.message, "; run: ");
        if (run)
            *run = '\0';
        doctor_add(d, DOCTOR_FAIL, "secrets",
                   run ? run + strlen("; run: ")
                       : N_("make it a regular file only its owner can read"),
                   "%s; %s", err.message, who);
        return;
    }
    if (g_str_has_suffix(path, "/" DK_KEYS_CA_KEY)) {
        doctor_add(d, DOCTOR_WARN, "secrets",
                   N_("it is needed only to issue the next signing "
                      "certificate: keep it offline"),
                   "%s is private, but the office CA's key is on this "
                   "machine",
                   path);
        return;
    }
    doctor_add(d, DOCTOR_OK, "secrets", NULL, "%s is private (%s)", path, who);
}

static int compare_keys(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void doctor_check_secrets(doctor *d)
{
    note_defaults_and_libraries(d);
    g_autofree gpointer *paths =
        g_hash_table_get_keys_as_array(d->secrets, NULL);
    guint n = g_hash_table_size(d->secrets);
    qsort(paths, n, sizeof *paths, compare_keys);
    for (guint i = 0; i < n; i++)
        check_one(d, paths[i], g_hash_table_lookup(d->secrets, paths[i]));
    if (!n) {
        g_autofree char *dir =
            g_build_filename(g_get_user_config_dir(), "dokpim", NULL);
        doctor_add(d, DOCTOR_OK, "secrets", NULL,
                   "no secret files to check (none named by the pipelines, "
                   "none in %s or the libraries)",
                   dir);
    }
}
