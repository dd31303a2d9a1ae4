/* From validated stage options to the live configuration: presets, overlay
 * specs, ingest addresses and the stream key. Everything that can be wrong
 * is found here, before the camera starts. */
#include "live_youtube.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX 512 /* YouTube keys are ~24 characters */

static const struct {
    const char *name;
    int width, height, fps, kbps;
} presets[] = {
    {"720p30", 1280, 720, 30, 4000},
    {"1080p30", 1920, 1080, 30, 6000},
    {"1080p60", 1920, 1080, 60, 9000},
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

static char *optional_string(const dk_stage *stage, const char *option)
{
    const char *value = dk_stage_string(stage, option);
    return value && *value ? g_strdup(value) : NULL;
}

static int expand(const dk_stage *stage, const char *option, char **out,
                  dk_error *err)
{
    *out = NULL;
    g_autofree char *text = NULL;
    int rc = dk_stage_expand(stage, option, NULL, &text, err);
    if (rc < 0)
        return rc;
    if (*text)
        *out = g_steal_pointer(&text);
    return 0;
}

static int load_source(const dk_stage *stage, live_youtube_config *c,
                       dk_error *err)
{
    static const char *const sources[] = {"test", "v4l2", "uri", "file"};
    static const char *const audios[] = {"auto", "pulse", "alsa", "none"};
    const char *source = dk_stage_string(stage, "source");
    for (size_t i = 0; i < G_N_ELEMENTS(sources); i++)
        if (strcmp(source, sources[i]) == 0)
            c->source = (live_youtube_source_kind)i;
    const char *audio = dk_stage_string(stage, "audio");
    for (size_t i = 0; i < G_N_ELEMENTS(audios); i++)
        if (strcmp(audio, audios[i]) == 0)
            c->audio = (live_youtube_audio_kind)i;
    c->device = optional_string(stage, "device");
    c->audio_device = optional_string(stage, "audio-device");
    if (c->source == LIVE_YOUTUBE_SOURCE_URI) {
        c->uri = optional_string(stage, "uri");
        if (!c->uri || !gst_uri_is_valid(c->uri))
            return dk_error_set(err, DK_ERR_CONFIG,
                                "source=uri needs uri=rtsp://... or "
                                "srt://... (got '%s')",
                                c->uri ? c->uri : "");
    } else if (c->source == LIVE_YOUTUBE_SOURCE_FILE) {
        g_autofree char *file = optional_string(stage, "file");
        if (!file)
            return dk_error_set(err, DK_ERR_CONFIG,
                                "source=file needs file=PATH");
        c->uri = g_filename_to_uri(file, NULL, NULL);
    } else if (c->source == LIVE_YOUTUBE_SOURCE_V4L2 && !c->device) {
        return dk_error_set(err, DK_ERR_CONFIG,
                            "source=v4l2 needs device=/dev/videoN");
    }
    return 0;
}

static void load_encoding(const dk_stage *stage, live_youtube_config *c)
{
    const char *preset = dk_stage_string(stage, "preset");
    for (size_t i = 0; i < G_N_ELEMENTS(presets); i++)
        if (strcmp(preset, presets[i].name) == 0) {
            c->width = presets[i].width;
            c->height = presets[i].height;
            c->fps = presets[i].fps;
            c->video_kbps = presets[i].kbps;
        }
    if (dk_stage_int(stage, "video-bitrate") > 0)
        c->video_kbps = (int)dk_stage_int(stage, "video-bitrate");
    c->audio_kbps = (int)dk_stage_int(stage, "audio-bitrate");
    c->x264_preset = g_strdup(dk_stage_string(stage, "x264-preset"));
    c->keyframe_seconds = (int)dk_stage_int(stage, "keyframe-interval");
}

static int load_overlays(const dk_stage *stage, live_youtube_config *c,
                         dk_error *err)
{
    dk_overlay_spec *w = &c->watermark;
    w->logo_path = optional_string(stage, "logo");
    int rc = expand(stage, "text", &w->text, err);
    if (rc < 0)
        return rc;
    w->anchor =
        (dk_anchor)dk_anchor_from_name(dk_stage_string(stage, "anchor"));
    w->width_fraction = dk_stage_double(stage, "width");
    w->margin_fraction = 0.03;
    w->opacity = dk_stage_double(stage, "opacity");

    /* a lower third sits in the broadcast-safe area, bottom left */
    dk_overlay_spec *l = &c->lower_third;
    if ((rc = expand(stage, "lower-third", &l->text, err)) < 0)
        return rc;
    l->anchor = DK_ANCHOR_BOTTOM_LEFT;
    l->width_fraction = 0.6;
    l->margin_fraction = 0.05;
    l->opacity = 1.0;
    c->lower_third_every = (int)dk_stage_int(stage, "lower-third-every");
    c->lower_third_for = (int)dk_stage_int(stage, "lower-third-for");

    c->clock = dk_stage_bool(stage, "clock");
    c->clock_format = g_strdup(dk_stage_string(stage, "clock-format"));
    c->timezone = dk_stage_timezone(stage);

    dk_overlay_spec *s = &c->slate;
    s->logo_path = optional_string(stage, "slate-image");
    if ((rc = expand(stage, "slate-text", &s->text, err)) < 0)
        return rc;
    s->anchor = DK_ANCHOR_CENTER;
    s->width_fraction = 0.6;
    s->opacity = 1.0;
    return 0;
}

static int load_outputs(const dk_stage *stage, live_youtube_config *c,
                        bool need_key, dk_error *err)
{
    const char *urls[2] = {dk_stage_string(stage, "url"),
                           dk_stage_string(stage, "backup-url")};
    static const char *const names[2] = {"primary", "backup"};
    for (int i = 0; i < 2; i++) {
        if (!urls[i] || !*urls[i])
            continue;
        int rc = live_youtube_target_parse(urls[i], names[i],
                                           &c->targets[c->n_targets], err);
        if (rc < 0)
            return rc;
        c->n_targets++;
    }
    const char *key_file = dk_stage_string(stage, "key-file");
    bool no_key = !key_file || !*key_file;
    if (c->n_targets && no_key && need_key)
        return dk_error_set(err, DK_ERR_CONFIG,
                            "key-file is not set: put the stream key in a "
                            "file only you can read (chmod 600) and add "
                            "--set %s.key-file=PATH",
                            c->stage_name);
    /* without need_key (checking a shipped config) the key may come later,
     * on the live's command line */
    if (c->n_targets && !no_key) {
        int rc = live_youtube_read_key(key_file, &c->key, err);
        if (rc < 0)
            return rc;
    }
    c->tls_ca_file = optional_string(stage, "tls-ca-file");
    c->reconnect_max_wait = dk_stage_double(stage, "reconnect-max-wait");
    c->stall_timeout = dk_stage_double(stage, "stall-timeout");
    return 0;
}

static int load_recording(const dk_stage *stage, live_youtube_config *c,
                          dk_error *err)
{
    c->record = dk_stage_bool(stage, "record");
    c->record_mp4 = strcmp(dk_stage_string(stage, "record-format"), "mp4") == 0;
    c->record_segment_minutes = (int)dk_stage_int(stage, "record-segment");
    int rc = expand(stage, "record-dir", &c->record_dir, err);
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

int live_youtube_config_load(const dk_stage *stage, bool need_key,
                             live_youtube_config **out, dk_error *err)
{
    *out = NULL;
    gst_init(NULL, NULL);
    live_youtube_config *c = g_new0(live_youtube_config, 1);
    c->stage_name = g_strdup(dk_stage_name(stage));
    int rc = load_source(stage, c, err);
    if (rc == 0) {
        load_encoding(stage, c);
        rc = load_overlays(stage, c, err);
    }
    if (rc == 0)
        rc = load_outputs(stage, c, need_key, err);
    if (rc == 0)
        rc = load_recording(stage, c, err);
    if (rc == 0 && !c->n_targets && !c->record)
        rc = dk_error_set(err, DK_ERR_CONFIG,
                          "nothing to do: no url and record=false");
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
    g_free(c->stage_name);
    g_free(c->device);
    g_free(c->uri);
    g_free(c->audio_device);
    g_free(c->x264_preset);
    dk_overlay_spec_clear(&c->watermark);
    dk_overlay_spec_clear(&c->lower_third);
    dk_overlay_spec_clear(&c->slate);
    g_free(c->clock_format);
    for (int i = 0; i < c->n_targets; i++)
        live_youtube_target_clear(&c->targets[i]);
    if (c->key) {
        explicit_bzero(c->key, strlen(c->key));
        g_free(c->key);
    }
    g_free(c->tls_ca_file);
    g_free(c->record_dir);
    g_free(c->record_stem);
    g_free(c);
    *config = NULL;
}
