/* From the options the core validated to the live configuration: the rules
 * between options (check), then presets, overlay specs, ingest addresses
 * and the stream key (open). Everything that can be wrong is found here,
 * before the camera starts. */
#include "live_youtube.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX 512 /* YouTube keys are ~24 characters */

/* In the order of the preset option's choices. */
static const struct {
    int width, height, fps, kbps;
} presets[] = {
    {1280, 720, 30, 4000},  /* 720p30 */
    {1920, 1080, 30, 6000}, /* 1080p30 */
    {1920, 1080, 60, 9000}, /* 1080p60 */
};

void live_youtube_target_clear(live_youtube_target *target)
{
    g_clear_pointer(&target->scheme, g_free);
    g_clear_pointer(&target->host, g_free);
    g_clear_pointer(&target->application, g_free);
    g_clear_pointer(&target->where, g_free);
}

int live_youtube_target_parse(const char *url, const char *name,
                              live_youtube_target *target, dk_error *err)
{
    memset(target, 0, sizeof *target);
    target->name = name;
    GError *error = NULL;
    GUri *uri = g_uri_parse(url, G_URI_FLAGS_NONE, &error);
    if (!uri) {
        int rc = dk_error_set(err, DK_ERR_CONFIG, "%s url: %s", name,
                              error->message);
        g_error_free(error);
        return rc;
    }
    int rc = 0;
    const char *scheme = g_uri_get_scheme(uri);
    const char *path = g_uri_get_path(uri);
    const char *query = g_uri_get_query(uri);
    if (g_ascii_strcasecmp(scheme, "rtmp") != 0 &&
        g_ascii_strcasecmp(scheme, "rtmps") != 0) {
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s url: '%s' is not rtmp:// or rtmps://", name,
                          scheme);
    } else if (!g_uri_get_host(uri) || !*g_uri_get_host(uri)) {
        rc = dk_error_set(err, DK_ERR_CONFIG, "%s url: no host", name);
    } else if (g_uri_get_userinfo(uri)) {
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s url: no user or password in the url, please",
                          name);
    } else if (!path || strlen(path) < 2 || strchr(path + 1, '/')) {
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "%s url: give the application only, e.g. "
                          "rtmps://a.rtmps.youtube.com/live2 (the stream key "
                          "comes from key-file)",
                          name);
    }
    if (rc == 0) {
        target->scheme = g_ascii_strdown(scheme, -1);
        target->host = g_strdup(g_uri_get_host(uri));
        target->port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri)
                       : strcmp(target->scheme, "rtmps") == 0 ? 443
                                                              : 1935;
        target->application = query ? g_strconcat(path + 1, "?", query, NULL)
                                    : g_strdup(path + 1);
        target->where =
            g_strdup_printf("%s://%s:%d/%s", target->scheme, target->host,
                            target->port, target->application);
    }
    g_uri_unref(uri);
    return rc;
}

int live_youtube_read_key(const char *path, char **key, dk_error *err)
{
    *key = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return dk_error_set(err, DK_ERR_CONFIG, "key-file %s: %s", path,
                            g_strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file %s: not a regular file", path);
    }
    /* A stream key is as good as the channel's password: anyone who can
     * read it can broadcast as the regency. */
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file %s can be read by other users (mode "
                            "%04o): run chmod 600 on it",
                            path, (unsigned)(st.st_mode & 07777));
    }
    char buffer[KEY_MAX + 2];
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n < 0)
        return dk_error_set(err, DK_ERR_CONFIG, "key-file %s: %s", path,
                            g_strerror(errno));
    buffer[n] = '\0';
    g_strstrip(buffer);
    if ((size_t)n > KEY_MAX)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file %s is too long for a stream key", path);
    if (!*buffer)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file %s is empty: paste the stream key from "
                            "YouTube Studio into it",
                            path);
    for (const char *c = buffer; *c; c++)
        if (*c <= ' ' || *c > '~' || *c == '/')
            return dk_error_set(err, DK_ERR_CONFIG,
                                "key-file %s: the key must be one line of "
                                "letters, digits and -_. (as YouTube shows it)",
                                path);
    *key = g_strdup(buffer);
    explicit_bzero(buffer, sizeof buffer);
    return 0;
}

/* An expanded template; NULL when it comes out empty. */
static int expand(const dk_stage *stage, const dk_template *tmpl, char **out,
                  dk_error *err)
{
    *out = NULL;
    g_autofree char *text = NULL;
    int rc = dk_stage_expand(stage, tmpl, NULL, &text, err);
    if (rc < 0)
        return rc;
    if (*text)
        *out = g_steal_pointer(&text);
    return 0;
}

static int check_source(const live_youtube_options *o, dk_error *err)
{
    switch ((live_youtube_source_kind)o->source) {
    case LIVE_YOUTUBE_SOURCE_URI:
        if (!*o->uri || !gst_uri_is_valid(o->uri))
            return dk_error_set(err, DK_ERR_CONFIG,
                                "source=uri needs uri=rtsp://... or "
                                "srt://... (got '%s')",
                                o->uri);
        return 0;
    case LIVE_YOUTUBE_SOURCE_FILE:
        if (!*o->file)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "source=file needs file=PATH");
        return 0;
    case LIVE_YOUTUBE_SOURCE_V4L2:
        if (!*o->device)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "source=v4l2 needs device=/dev/videoN");
        return 0;
    case LIVE_YOUTUBE_SOURCE_TEST:
        return 0;
    }
    return 0;
}

int live_youtube_options_check(const dk_stage *stage,
                               const live_youtube_options *opt, dk_error *err)
{
    int rc = check_source(opt, err);
    if (rc < 0)
        return rc;
    if (!*opt->url && !*opt->backup_url && !opt->record)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "nothing to do: no url and record=false");
    /* the URLs, the key file and the templates are checked by deriving
     * them as open() will, and throwing the result away */
    live_youtube_config *config = NULL;
    rc = live_youtube_config_load(stage, opt, false, &config, err);
    live_youtube_config_free(&config);
    return rc;
}

dk_retry_policy live_youtube_retry_policy(const live_youtube_options *opt)
{
    dk_retry_policy policy = dk_retry_policy_default();
    policy.first_wait = MIN(1.0, opt->reconnect_max_wait);
    policy.max_wait = opt->reconnect_max_wait;
    policy.max_attempts = 0; /* a live never gives up on its event */
    return policy;
}

static int load_overlays(const dk_stage *stage, live_youtube_config *c,
                         dk_error *err)
{
    const live_youtube_options *o = c->opt;
    int rc = dk_overlay_spec_from_options(stage, &o->overlay, NULL,
                                          &c->watermark, err);
    if (rc < 0)
        return rc;

    /* a lower third sits in the broadcast-safe area, bottom left */
    dk_overlay_spec *l = &c->lower_third;
    if ((rc = expand(stage, o->lower_third, &l->text, err)) < 0)
        return rc;
    l->anchor = DK_ANCHOR_BOTTOM_LEFT;
    l->width_fraction = 0.6;
    l->margin_fraction = 0.05;
    l->opacity = 1.0;

    dk_overlay_spec *s = &c->slate;
    if (*o->slate_image)
        s->logo_path = g_strdup(o->slate_image);
    if ((rc = expand(stage, o->slate_text, &s->text, err)) < 0)
        return rc;
    s->anchor = DK_ANCHOR_CENTER;
    s->width_fraction = 0.6;
    s->opacity = 1.0;
    return 0;
}

static int load_outputs(const dk_stage *stage, live_youtube_config *c,
                        bool need_key, dk_error *err)
{
    const live_youtube_options *o = c->opt;
    const char *urls[2] = {o->url, o->backup_url};
    static const char *const names[2] = {"primary", "backup"};
    for (int i = 0; i < 2; i++) {
        if (!*urls[i])
            continue;
        int rc = live_youtube_target_parse(urls[i], names[i],
                                           &c->targets[c->n_targets], err);
        if (rc < 0)
            return rc;
        c->n_targets++;
    }
    bool no_key = !*o->key_file;
    if (c->n_targets && no_key && need_key)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file is not set: put the stream key in a "
                            "file only you can read (chmod 600) and add "
                            "--set %s.key-file=PATH",
                            dk_stage_name(stage));
    /* without need_key (checking a shipped config) the key may come later,
     * on the live's command line */
    if (c->n_targets && !no_key)
        return live_youtube_read_key(o->key_file, &c->key, err);
    return 0;
}

static int load_recording(const dk_stage *stage, live_youtube_config *c,
                          dk_error *err)
{
    int rc = expand(stage, c->opt->record_dir, &c->record_dir, err);
    if (rc < 0)
        return rc;
    if (c->record_dir && !g_path_is_absolute(c->record_dir)) {
        char *clean = NULL;
        if ((rc = dk_path_sanitize(c->record_dir, &clean, err)) < 0)
            return dk_error_prefix(err, "record-dir: ");
        g_free(c->record_dir);
        c->record_dir = clean;
    }
    const char *slug = dk_stage_event(stage, "slug");
    g_autoptr(GDateTime) now = g_date_time_new_now(c->timezone);
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    c->record_stem =
        g_strdup_printf("%s_live_%s", slug && *slug ? slug : "live", stamp);
    return 0;
}

int live_youtube_config_load(const dk_stage *stage,
                             const live_youtube_options *opt, bool need_key,
                             live_youtube_config **out, dk_error *err)
{
    *out = NULL;
    live_youtube_config *c = g_new0(live_youtube_config, 1);
    c->opt = opt;
    c->timezone = dk_stage_timezone(stage);
    if (opt->source == LIVE_YOUTUBE_SOURCE_URI)
        c->uri = g_strdup(opt->uri);
    else if (opt->source == LIVE_YOUTUBE_SOURCE_FILE)
        c->uri = g_filename_to_uri(opt->file, NULL, NULL);
    c->width = presets[opt->preset].width;
    c->height = presets[opt->preset].height;
    c->fps = presets[opt->preset].fps;
    c->video_kbps =
        opt->video_bitrate > 0 ? opt->video_bitrate : presets[opt->preset].kbps;
    int rc = load_overlays(stage, c, err);
    if (rc == 0)
        rc = load_outputs(stage, c, need_key, err);
    if (rc == 0)
        rc = load_recording(stage, c, err);
    if (rc < 0) {
        live_youtube_config_free(&c);
        return rc;
    }
    *out = c;
    return 0;
}

void live_youtube_config_free(live_youtube_config **config)
{
    if (!config || !*config)
        return;
    live_youtube_config *c = *config;
    g_free(c->uri);
    dk_overlay_spec_clear(&c->watermark);
    dk_overlay_spec_clear(&c->lower_third);
    dk_overlay_spec_clear(&c->slate);
    for (int i = 0; i < c->n_targets; i++)
        live_youtube_target_clear(&c->targets[i]);
    if (c->key) {
        explicit_bzero(c->key, strlen(c->key));
        g_free(c->key);
    }
    g_free(c->record_dir);
    g_free(c->record_stem);
    live_youtube_broadcast_free(&c->broadcast);
    g_free(c);
    *config = NULL;
}
