/* Validating a bag (RFC 8493 section 3): complete (every payload file in
 * every payload manifest, every listed file present, Payload-Oxum right)
 * and valid (every checksum of every manifest and tag manifest matches).
 * Every problem names its file. A bag is outside data: a manifest path
 * that leaves it is refused when parsed (bag_manifest.c), and every file
 * is opened beneath the bag's folder (openat2 RESOLVE_BENEATH), so a
 * symlink out of the bag is reported, never followed. */
#include "bag.h"
#include "dk_i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_MANIFESTS 8

typedef struct manifest {
    char *name;      /* manifest-sha256.txt */
    char *algorithm; /* sha256 */
    bool tag;
} manifest;

/* One file some manifest lists, with what each manifest says of it. */
typedef struct target {
    char *path;
    char *checksum[MAX_MANIFESTS]; /* NULL: not listed there */
    bool found;                    /* in the payload walk */
    bool refused;                  /* reported already, never opened */
} target;

typedef struct check {
    int dir; /* the bag's folder */
    manifest manifests[MAX_MANIFESTS];
    int count;
    GHashTable *targets; /* path -> target */
    GHashTable *payload; /* path found under data/ -> itself */
    GMutex lock;
    dk_bag_report *report;
    int parsing; /* the manifest being parsed, for its problems */
} check;

static void add_problem(check *c, const char *file, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void add_problem(check *c, const char *file, const char *fmt, ...)
{
    dk_bag_problem *p = g_new0(dk_bag_problem, 1);
    va_list args;
    va_start(args, fmt);
    p->file = g_strdup(file);
    p->problem = g_strdup_vprintf(dk_i18n_format(fmt), args);
    va_end(args);
    g_mutex_lock(&c->lock);
    g_ptr_array_add(c->report->problems, p);
    g_mutex_unlock(&c->lock);
}

static int open_beneath(int dir, const char *path, int flags)
{
    struct open_how how = {.flags = (guint64)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
}

static char *read_tag(check *c, const char *name, bool required)
{
    int fd = open_beneath(c->dir, name, O_RDONLY);
    if (fd < 0) {
        if (required || errno != ENOENT)
            add_problem(c, name, "cannot read: %s", g_strerror(errno));
        return NULL;
    }
    GString *text = g_string_new(NULL);
    char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
        g_string_append_len(text, buffer, n);
    close(fd);
    return g_string_free(text, FALSE);
}

static void check_bagit_txt(check *c)
{
    g_autofree char *text = read_tag(c, "bagit.txt", true);
    if (!text)
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    if (n && !*lines[n - 1])
        n--;
    int major, minor;
    char tail;
    if (n != 2 ||
        sscanf(lines[0], "BagIt-Version: %d.%d%c", &major, &minor, &tail) !=
            2 ||
        !g_str_has_prefix(lines[1], "Tag-File-Character-Encoding: "))
        add_problem(c, "bagit.txt",
                    "is not the two lines \"BagIt-Version: M.N\" and "
                    "\"Tag-File-Character-Encoding: ENCODING\"");
}

static void manifest_problem(int line, const char *what, void *data)
{
    check *c = data;
    g_autofree char *where =
        g_strdup_printf("%s:%d", c->manifests[c->parsing].name, line);
    add_problem(c, where, "%s", what);
}

static target *target_for(check *c, const char *path)
{
    target *t = g_hash_table_lookup(c->targets, path);
    if (!t) {
        t = g_new0(target, 1);
        t->path = g_strdup(path);
        g_hash_table_insert(c->targets, t->path, t);
    }
    return t;
}

static void read_manifest(check *c, int index)
{
    const manifest *m = &c->manifests[index];
    g_autofree char *text = read_tag(c, m->name, true);
    if (!text)
        return;
    c->parsing = index;
    GPtrArray *entries = dk_bag_manifest_parse(text, manifest_problem, c);
    for (guint i = 0; i < entries->len; i++) {
        const dk_bag_entry *e = entries->pdata[i];
        if (!m->tag && !g_str_has_prefix(e->path, "data/")) {
            g_autofree char *where = g_strdup_printf("%s:%d", m->name, e->line);
            add_problem(c, where, "payload path outside data/: %s", e->path);
            continue;
        }
        if (m->tag && g_str_has_prefix(e->path, "data/")) {
            g_autofree char *where = g_strdup_printf("%s:%d", m->name, e->line);
            add_problem(c, where, "a tag manifest lists a payload file: %s",
                        e->path);
            continue;
        }
        target *t = target_for(c, e->path);
        if (t->checksum[index]) {
            g_autofree char *where = g_strdup_printf("%s:%d", m->name, e->line);
            add_problem(c, where, "lists %s a second time", e->path);
            continue;
        }
        t->checksum[index] = g_strdup(e->checksum);
    }
    dk_bag_entries_free(entries);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const manifest *)a)->name, ((const manifest *)b)->name);
}

/* manifest-ALG.txt and tagmanifest-ALG.txt in the bag's base folder */
static void find_manifests(check *c)
{
    int fd = dup(c->dir);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    for (struct dirent *d; dir && (d = readdir(dir));) {
        const char *name = d->d_name;
        bool tag = g_str_has_prefix(name, "tagmanifest-");
        if ((!tag && !g_str_has_prefix(name, "manifest-")) ||
            !g_str_has_suffix(name, ".txt"))
            continue;
        const char *alg = strchr(name, '-') + 1;
        if (c->count == MAX_MANIFESTS) {
            add_problem(c, name, "too many manifests");
            continue;
        }
        manifest *m = &c->manifests[c->count++];
        m->name = g_strdup(name);
        m->algorithm = g_strndup(alg, strlen(alg) - 4);
        m->tag = tag;
    }
    if (dir)
        closedir(dir);
    else if (fd >= 0)
        close(fd);
    /* readdir's order is the file system's: sort, so messages are stable */
    qsort(c->manifests, c->count, sizeof *c->manifests, by_name);
}

/* The payload as it is: regular files under data/, and symlinks that
 * stay in the bag (one that leaves it is reported, never followed). */
static void walk_payload(check *c, const char *rel)
{
    int fd = open_beneath(c->dir, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        add_problem(c, rel, "cannot list: %s", g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *d; (d = readdir(dir));) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        g_autofree char *path = g_strconcat(rel, "/", d->d_name, NULL);
        struct stat st;
        if (fstatat(c->dir, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            add_problem(c, path, "cannot read: %s", g_strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk_payload(c, path);
            continue;
        }
        if (S_ISLNK(st.st_mode)) {
            int in = open_beneath(c->dir, path, O_RDONLY);
            if (in < 0 && errno == EXDEV) {
                add_problem(c, path, "symlink points out of the bag");
                target_for(c, path)->refused = true;
                continue;
            }
            bool ok = in >= 0 && fstat(in, &st) == 0 && S_ISREG(st.st_mode);
            if (in >= 0)
                close(in);
            if (!ok) {
                add_problem(c, path, "symlink to no file in the bag");
                target_for(c, path)->refused = true;
                continue;
            }
        } else if (!S_ISREG(st.st_mode)) {
            add_problem(c, path, "not a regular file");
            continue;
        }
        g_hash_table_add(c->payload, g_strdup(path));
        c->report->files++;
        c->report->bytes += (guint64)st.st_size;
    }
    closedir(dir);
}

/* The name in NFC, or a copy when it is not UTF-8. g_free(). */
static char *nfc(const char *path)
{
    char *normal = g_utf8_validate(path, -1, NULL)
                       ? g_utf8_normalize(path, -1, G_NORMALIZE_NFC)
                       : NULL;
    return normal ? normal : g_strdup(path);
}

/* A listed file missing while an unlisted one has the same name in
 * another Unicode normalisation: a copy through macOS or a sync tool
 * renamed it (NFC <-> NFD). Said on the missing file's line. */
static const char *renamed_twin(GHashTable *unlisted, const char *path)
{
    if (!g_hash_table_size(unlisted))
        return NULL;
    g_autofree char *key = nfc(path);
    return g_hash_table_lookup(unlisted, key);
}

static void check_completeness(check *c)
{
    GHashTable *unlisted =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, c->payload);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        target *t = target_for(c, key);
        t->found = true;
        for (int m = 0; m < c->count; m++)
            if (!c->manifests[m].tag && !t->checksum[m]) {
                add_problem(c, t->path, "not listed in %s",
                            c->manifests[m].name);
                g_hash_table_insert(unlisted, nfc(t->path), t->path);
            }
    }
    g_hash_table_iter_init(&it, c->targets);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        target *t = value;
        if (t->found || t->refused || !g_str_has_prefix(t->path, "data/"))
            continue;
        for (int m = 0; m < c->count && !t->refused; m++) {
            if (c->manifests[m].tag || !t->checksum[m])
                continue;
            const char *twin = renamed_twin(unlisted, t->path);
            if (twin)
                add_problem(c, t->path,
                            "missing (listed in %s); %s, the same name in "
                            "another Unicode normalisation (NFC/NFD), is not "
                            "listed: renamed by a copy?",
                            c->manifests[m].name, twin);
            else
                add_problem(c, t->path, "missing (listed in %s)",
                            c->manifests[m].name);
            t->refused = true; /* once is enough */
        }
    }
    g_hash_table_destroy(unlisted);
}

static void check_oxum(check *c)
{
    g_autofree char *text = read_tag(c, "bag-info.txt", false);
    if (!text)
        return;
    int bad = 0;
    g_auto(GStrv) pairs = dk_bag_info_parse(text, &bad);
    if (!pairs) {
        g_autofree char *where = g_strdup_printf("bag-info.txt:%d", bad);
        add_problem(c, where, "neither \"Label: value\" nor a continuation");
        return;
    }
    int seen = 0;
    for (int i = 0; pairs[i] && pairs[i + 1]; i += 2) {
        if (g_ascii_strcasecmp(pairs[i], "Payload-Oxum") != 0)
            continue;
        if (seen++) {
            add_problem(c, "bag-info.txt", "Payload-Oxum given twice");
            continue;
        }
        g_autofree char *found =
            g_strdup_printf("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT,
                            c->report->bytes, c->report->files);
        if (strcmp(pairs[i + 1], found) != 0)
            add_problem(c, "bag-info.txt",
                        "Payload-Oxum is %s, the payload is %s (octets.files)",
                        pairs[i + 1], found);
    }
}

/* Fixity of one listed file: read once, every listed algorithm. */
static void check_fixity(gpointer data, gpointer user_data)
{
    target *t = data;
    check *c = user_data;
    const char *algorithms[MAX_MANIFESTS];
    int index[MAX_MANIFESTS], n = 0;
    for (int m = 0; m < c->count; m++)
        if (t->checksum[m]) {
            algorithms[n] = c->manifests[m].algorithm;
            index[n++] = m;
        }
    int in = open_beneath(c->dir, t->path, O_RDONLY);
    if (in < 0) {
        if (errno == EXDEV)
            add_problem(c, t->path, "path leads out of the bag");
        else
            add_problem(c, t->path, "cannot read: %s", g_strerror(errno));
        return;
    }
    char hex[MAX_MANIFESTS][DK_BAG_HEX_MAX];
    dk_error err = {0};
    int rc = dk_bag_digest_fd(in, -1, algorithms, n, hex, NULL, &err);
    close(in);
    if (rc < 0) {
        add_problem(c, t->path, "%s", err.message);
        return;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(hex[i], t->checksum[index[i]]) != 0)
            add_problem(c, t->path, "%s checksum differs from %s",
                        algorithms[i], c->manifests[index[i]].name);
}

static void check_fixity_all(check *c, int jobs)
{
    GThreadPool *pool = g_thread_pool_new(
        check_fixity, c, jobs > 0 ? jobs : (int)g_get_num_processors(), TRUE,
        NULL);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, c->targets);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        target *t = value;
        bool payload = g_str_has_prefix(t->path, "data/");
        if (!t->refused && (!payload || t->found))
            g_thread_pool_push(pool, t, NULL);
    }
    g_thread_pool_free(pool, FALSE, TRUE);
}

static void target_free(gpointer data)
{
    target *t = data;
    for (int m = 0; m < MAX_MANIFESTS; m++)
        g_free(t->checksum[m]);
    g_free(t->path);
    g_free(t);
}

static void problem_free(gpointer data)
{
    dk_bag_problem *p = data;
    g_free(p->file);
    g_free(p->problem);
    g_free(p);
}

static gint by_file(gconstpointer a, gconstpointer b)
{
    const dk_bag_problem *x = *(dk_bag_problem *const *)a;
    const dk_bag_problem *y = *(dk_bag_problem *const *)b;
    int order = strcmp(x->file, y->file);
    return order ? order : strcmp(x->problem, y->problem);
}

static void check_algorithms(check *c)
{
    bool payload = false;
    for (int m = 0; m < c->count; m++) {
        payload |= !c->manifests[m].tag;
        if (!EVP_get_digestbyname(c->manifests[m].algorithm))
            add_problem(c, c->manifests[m].name,
                        "unknown checksum algorithm %s",
                        c->manifests[m].algorithm);
    }
    if (!payload)
        add_problem(c, "manifest-sha512.txt",
                    "no payload manifest (manifest-ALGORITHM.txt)");
}

int dk_bag_validate(const char *path, int jobs, dk_bag_report *report,
                    dk_error *err)
{
    memset(report, 0, sizeof *report);
    report->problems = g_ptr_array_new_with_free_func(problem_free);
    check c = {.report = report};
    c.dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.dir < 0)
        return dk_error_errno(err, DK_ERR_NOT_FOUND, "cannot open bag", path);
    c.targets =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, target_free);
    c.payload = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_mutex_init(&c.lock);
    check_bagit_txt(&c);
    find_manifests(&c);
    check_algorithms(&c);
    for (int m = 0; m < c.count; m++)
        read_manifest(&c, m);
    if (faccessat(c.dir, "fetch.txt", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        add_problem(&c, "fetch.txt", "fetching files is not supported");
    walk_payload(&c, "data");
    check_completeness(&c);
    check_oxum(&c);
    check_fixity_all(&c, jobs);
    g_ptr_array_sort(report->problems, by_file);
    for (int m = 0; m < c.count; m++) {
        g_free(c.manifests[m].name);
        g_free(c.manifests[m].algorithm);
    }
    g_hash_table_destroy(c.targets);
    g_hash_table_destroy(c.payload);
    g_mutex_clear(&c.lock);
    close(c.dir);
    return 0;
}

void dk_bag_report_clear(dk_bag_report *report)
{
    if (report->problems)
        g_ptr_array_free(report->problems, TRUE);
    report->problems = NULL;
}
