/* What is drawn over the picture while live, with the same renderer as
 * photos and videos (dokpim/overlay.h):
 *   - the logo and text, always;
 *   - the lower third (leader, role, event), on a schedule or toggled;
 *   - the clock, re-rendered once a second on the main loop, not per frame;
 *   - the slate, which replaces the picture ("we'll be right back").
 * Everything is rendered once for the frame size the caps fix; the probe on
 * the I420 frames only blends. */
#include "live_youtube.h"

#include <string.h>

struct live_youtube_overlay {
    const live_youtube_config *config;
    GstVideoInfo info;
    dk_overlay *watermark, *lower_third, *slate; /* NULL: nothing to draw */
    GMutex lock;                                 /* guards clock */
    dk_overlay *clock;
    char *clock_text;
    gint lower_third_on, slate_on, clock_on; /* atomics, read per frame */
    gint source_lost; /* atomic: the slate covers a missing picture */
    int scheduled;    /* last schedule state, or -1 */
};

static bool spec_draws(const dk_overlay_spec *spec)
{
    return spec->logo_path || (spec->text && *spec->text);
}

static int render(const live_youtube_config *c, const dk_overlay_spec *spec,
                  dk_overlay **out, const char *what, dk_error *err)
{
    *out = NULL;
    if (!spec_draws(spec))
        return 0;
    int rc = dk_overlay_render(spec, c->width, c->height, 1, out, err);
    return rc < 0 ? dk_error_prefix(err, "%s: ", what) : 0;
}

int live_youtube_overlay_new(const live_youtube_config *config,
                             live_youtube_overlay **out, dk_error *err)
{
    live_youtube_overlay *o = g_new0(live_youtube_overlay, 1);
    o->config = config;
    gst_video_info_set_format(&o->info, GST_VIDEO_FORMAT_I420, config->width,
                              config->height);
    g_mutex_init(&o->lock);
    o->clock_on = config->opt->clock;
    int rc = render(config, &config->watermark, &o->watermark, "logo", err);
    if (rc == 0)
        rc = render(config, &config->lower_third, &o->lower_third,
                    "lower-third", err);
    if (rc == 0)
        rc = render(config, &config->slate, &o->slate, "slate", err);
    if (rc < 0) {
        live_youtube_overlay_free(&o);
        return rc;
    }
    /* The first frame already shows what the config says (the schedule
     * starts with the lower third shown; lower-third-every=0 starts without
     * it), and the schedule's state is known from here on: its first tick,
     * a second later, must not undo a key pressed before it. */
    o->scheduled = o->lower_third && config->opt->lower_third_every > 0;
    o->lower_third_on = o->scheduled;
    *out = o;
    return 0;
}

void live_youtube_overlay_free(live_youtube_overlay **overlay)
{
    if (!overlay || !*overlay)
        return;
    live_youtube_overlay *o = *overlay;
    dk_overlay_free(&o->watermark);
    dk_overlay_free(&o->lower_third);
    dk_overlay_free(&o->slate);
    dk_overlay_free(&o->clock);
    g_free(o->clock_text);
    g_mutex_clear(&o->lock);
    g_free(o);
    *overlay = NULL;
}

static GstPadProbeReturn blend(GstPad *pad, GstPadProbeInfo *info,
                               gpointer data)
{
    (void)pad;
    live_youtube_overlay *o = data;
    bool slate =
        g_atomic_int_get(&o->slate_on) || g_atomic_int_get(&o->source_lost);
    bool lower = g_atomic_int_get(&o->lower_third_on) && o->lower_third;
    bool clock = g_atomic_int_get(&o->clock_on);
    if (!o->watermark && !lower && !slate && !clock)
        return GST_PAD_PROBE_OK; /* no copy, no map */
    GstBuffer *buffer =
        gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &o->info, buffer, GST_MAP_READWRITE))
        return GST_PAD_PROBE_OK;
    uint8_t *planes[3];
    int strides[3];
    for (int i = 0; i < 3; i++) {
        planes[i] = GST_VIDEO_FRAME_PLANE_DATA(&frame, i);
        strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, i);
    }
    int w = o->config->width, h = o->config->height;
    if (slate) {
        live_youtube_fill_black(&frame);
        if (o->slate)
            dk_overlay_blend_i420(o->slate, planes, strides, w, h);
    } else if (lower) {
        dk_overlay_blend_i420(o->lower_third, planes, strides, w, h);
    }
    if (o->watermark)
        dk_overlay_blend_i420(o->watermark, planes, strides, w, h);
    if (clock) {
        g_mutex_lock(&o->lock);
        if (o->clock)
            dk_overlay_blend_i420(o->clock, planes, strides, w, h);
        g_mutex_unlock(&o->lock);
    }
    gst_video_frame_unmap(&frame);
    return GST_PAD_PROBE_OK;
}

void live_youtube_overlay_attach(live_youtube_overlay *overlay, GstPad *pad)
{
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, blend, overlay, NULL);
}

static void render_clock(live_youtube_overlay *o)
{
    const live_youtube_config *c = o->config;
    g_autoptr(GDateTime) now = g_date_time_new_now(c->timezone);
    g_autofree char *text = g_date_time_format(now, c->opt->clock_format);
    if (!text || (o->clock_text && strcmp(text, o->clock_text) == 0))
        return;
    dk_overlay_spec spec = {
        .text = text,
        .anchor = DK_ANCHOR_TOP_LEFT,
        .width_fraction = 0.25,
        .margin_fraction = 0.03,
        .opacity = 0.9,
    };
    dk_overlay *fresh = NULL;
    if (dk_overlay_render(&spec, c->width, c->height, 1, &fresh, NULL) < 0)
        return;
    g_mutex_lock(&o->lock);
    dk_overlay *old = o->clock;
    o->clock = fresh;
    g_mutex_unlock(&o->lock);
    dk_overlay_free(&old);
    g_free(o->clock_text);
    o->clock_text = g_steal_pointer(&text);
}

void live_youtube_overlay_tick(live_youtube_overlay *o, double uptime)
{
    const live_youtube_options *c = o->config->opt;
    if (o->lower_third && c->lower_third_every > 0) {
        /* the schedule acts on its edges, so a toggle by the operator
         * holds until the next time the schedule changes its mind */
        long slot = (long)uptime % c->lower_third_every;
        int scheduled = slot < c->lower_third_for;
        if (scheduled != o->scheduled)
            g_atomic_int_set(&o->lower_third_on, scheduled);
        o->scheduled = scheduled;
    }
    if (g_atomic_int_get(&o->clock_on))
        render_clock(o);
}

static bool apply(gint *flag, dk_live_switch value)
{
    bool on = value == DK_LIVE_ON    ? true
              : value == DK_LIVE_OFF ? false
                                     : !g_atomic_int_get(flag);
    g_atomic_int_set(flag, on);
    return on;
}

bool live_youtube_overlay_command(live_youtube_overlay *o,
                                  const dk_live_command *command,
                                  const char **what)
{
    switch (command->kind) {
    case DK_LIVE_CMD_LOWER_THIRD:
        *what = o->lower_third ? "lower third" : "lower third (none set)";
        return apply(&o->lower_third_on, command->value);
    case DK_LIVE_CMD_SLATE:
        *what = "slate";
        return apply(&o->slate_on, command->value);
    case DK_LIVE_CMD_CLOCK: {
        *what = "clock";
        bool on = apply(&o->clock_on, command->value);
        if (on)
            render_clock(o);
        return on;
    }
    }
    *what = "unknown";
    return false;
}

void live_youtube_overlay_source_lost(live_youtube_overlay *o, bool lost)
{
    g_atomic_int_set(&o->source_lost, lost);
}

void live_youtube_overlay_state(const live_youtube_overlay *o,
                                bool *lower_third, bool *slate, bool *clock)
{
    live_youtube_overlay *m = (live_youtube_overlay *)o;
    *lower_third = g_atomic_int_get(&m->lower_third_on) && o->lower_third;
    *slate =
        g_atomic_int_get(&m->slate_on) || g_atomic_int_get(&m->source_lost);
    *clock = g_atomic_int_get(&m->clock_on);
}
