/* Text in and out of a live session: the operator's command lines, and
 * the status line and JSON events the dokpim command prints. */
#include "live_host.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

const char *dk_live_output_state_name(dk_live_output_state state)
{
    switch (state) {
    case DK_LIVE_OUTPUT_CONNECTING:
        return "connecting";
    case DK_LIVE_OUTPUT_LIVE:
        return "live";
    case DK_LIVE_OUTPUT_RETRYING:
        return "retrying";
    case DK_LIVE_OUTPUT_STOPPED:
        return "stopped";
    }
    return "unknown";
}

const char *dk_live_level_name(dk_live_level level)
{
    switch (level) {
    case DK_LIVE_WARNING:
        return "warning";
    case DK_LIVE_ERROR:
        return "error";
    default:
        return "info";
    }
}

static const struct {
    const char *word, *key;
    dk_live_command_kind kind; /* 0: stop */
} command_words[] = {
    {"lower-third", "l", DK_LIVE_CMD_LOWER_THIRD},
    {"slate", "s", DK_LIVE_CMD_SLATE},
    {"clock", "c", DK_LIVE_CMD_CLOCK},
    {"stop", "q", 0},
};

static const struct {
    const char *word;
    dk_live_switch value;
} switch_words[] = {
    {"toggle", DK_LIVE_TOGGLE},
    {"on", DK_LIVE_ON},
    {"off", DK_LIVE_OFF},
};

int dk_live_parse_command(const char *line, dk_live_command *command,
                          bool *stop, dk_error *err)
{
    *stop = false;
    g_autofree char *text = g_strstrip(g_ascii_strdown(line, -1));
    if (!*text || text[0] == '#')
        return dk_error_set(err, DK_ERR_NOT_FOUND, "no command");
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
    const char *verb = NULL, *value = NULL;
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        if (!verb)
            verb = *w;
        else if (!value)
            value = *w;
        else
            return dk_error_set(err, DK_ERR_INVALID,
                                "'%s': too many words (e.g. 'slate on')", text);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(command_words); i++) {
        if (strcmp(verb, command_words[i].word) != 0 &&
            strcmp(verb, command_words[i].key) != 0)
            continue;
        if (!command_words[i].kind) {
            if (value)
                return dk_error_set(err, DK_ERR_INVALID,
                                    "'stop' takes no value");
            *stop = true;
            return 0;
        }
        command->kind = command_words[i].kind;
        command->value = DK_LIVE_TOGGLE;
        if (!value)
            return 0;
        for (size_t j = 0; j < G_N_ELEMENTS(switch_words); j++)
            if (strcmp(value, switch_words[j].word) == 0) {
                command->value = switch_words[j].value;
                return 0;
            }
        return dk_error_set(err, DK_ERR_INVALID, "'%s': say on, off or toggle",
                            text);
    }
    return dk_error_set(err, DK_ERR_INVALID,
                        "unknown command '%s' (lower-third, slate, clock "
                        "[on|off|toggle], stop; or the keys l, s, c, q)",
                        verb);
}

static void append_bytes(GString *out, uint64_t bytes)
{
    if (bytes >= 1000ull * 1000 * 1000)
        g_string_append_printf(out, "%.2f GB", bytes / 1e9);
    else
        g_string_append_printf(out, "%.1f MB", bytes / 1e6);
}

static void append_output(GString *out, const dk_live_output_status *o)
{
    g_string_append_printf(out, " | %s: ", o->name);
    switch (o->state) {
    case DK_LIVE_OUTPUT_LIVE:
        g_string_append_printf(out, "live %.1f Mb/s", o->bitrate / 1e6);
        break;
    case DK_LIVE_OUTPUT_RETRYING:
        g_string_append_printf(out, "down, retry in %.1f s", o->retry_in);
        break;
    default:
        g_string_append(out, dk_live_output_state_name(o->state));
    }
    if (o->reconnects)
        g_string_append_printf(out, " (%d reconnect%s)", o->reconnects,
                               o->reconnects == 1 ? "" : "s");
    if (o->outage_seconds > 0) /* NAN (unknown) is not */
        g_string_append_printf(out, ", down %.1f s", o->outage_seconds);
    if (o->dropped_frames)
        g_string_append_printf(out, ", %" G_GUINT64_FORMAT " dropped",
                               o->dropped_frames);
}

const dk_live_output_status *dk_live_on_air(const dk_live_status *status)
{
    for (int i = 0; i < status->n_outputs; i++)
        if (status->outputs[i].state == DK_LIVE_OUTPUT_LIVE)
            return &status->outputs[i];
    return NULL;
}

char *dk_live_status_line(const dk_live_status *status, double uptime)
{
    GString *out = g_string_new(NULL);
    unsigned long s = uptime > 0 ? (unsigned long)uptime : 0;
    /* the first word is what the operator looks for: is anyone receiving */
    const char *state = dk_live_on_air(status) ? "ON AIR"
                        : status->n_outputs    ? "off air"
                                               : "recording";
    g_string_append_printf(out, "%s %02lu:%02lu:%02lu", state, s / 3600,
                           s / 60 % 60, s % 60);
    for (int i = 0; i < status->n_outputs; i++)
        append_output(out, &status->outputs[i]);
    /* always shown, and early (a narrow terminal cuts the end), so the
     * operator knows what the next l does */
    g_string_append_printf(out, " | lower third %s",
                           status->lower_third ? "on" : "off");
    if (status->slate)
        g_string_append(out, " | SLATE");
    if (status->outage_seconds > 0)
        g_string_append_printf(out, " | outages %.1f s",
                               status->outage_seconds);
    if (isfinite(status->encoder_fps))
        g_string_append_printf(out, " | %.0f fps", status->encoder_fps);
    if (isfinite(status->cpu_percent))
        g_string_append_printf(out, ", CPU %.0f%%", status->cpu_percent);
    g_string_append_printf(out, " | dropped %" G_GUINT64_FORMAT,
                           status->dropped_frames);
    if (status->recording) {
        g_string_append(out, " | rec ");
        append_bytes(out, status->recording_bytes);
    } else {
        g_string_append(out, " | not recording");
    }
    if (status->free_disk_bytes) {
        g_string_append(out, ", ");
        append_bytes(out, status->free_disk_bytes);
        g_string_append(out, " free");
    }
    if (isfinite(status->audio_level_db[0]))
        g_string_append_printf(out, " | audio %.0f/%.0f dB",
                               status->audio_level_db[0],
                               status->audio_level_db[1]);
    return g_string_free(out, FALSE);
}

static char *to_line(JsonBuilder *builder)
{
    JsonGenerator *generator = json_generator_new();
    JsonNode *root = json_builder_get_root(builder);
    json_generator_set_root(generator, root);
    char *text = json_generator_to_data(generator, NULL);
    json_node_unref(root);
    g_object_unref(generator);
    return text;
}

static void add_member_int(JsonBuilder *b, const char *name, int64_t value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

/* Times and rates go out as whole milliseconds and bits per second: JSON
 * doubles would print as 4.7140000000000004. */
static void add_member_ms(JsonBuilder *b, const char *name, double seconds)
{
    add_member_int(b, name, (int64_t)(seconds * 1000 + 0.5));
}

static void add_member_string(JsonBuilder *b, const char *name,
                              const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_member_bool(JsonBuilder *b, const char *name, bool value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
}

/* YouTube's own health of the stream, when the plugin reported it during
 * this report (see dk_live_reporting_health): "youtube_health": "good",
 * "youtube_issues": [...]. Issues that are not a JSON array are left out
 * rather than passed on as text. */
static void add_service_health(JsonBuilder *b)
{
    g_autofree char *health = NULL, *issues = NULL;
    dk_live_reporting_health(&health, &issues);
    if (!health)
        return;
    add_member_string(b, "youtube_health", health);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonNode *root = NULL;
    if (issues && json_parser_load_from_data(parser, issues, -1, NULL))
        root = json_parser_get_root(parser);
    json_builder_set_member_name(b, "youtube_issues");
    if (root && JSON_NODE_HOLDS_ARRAY(root)) {
        json_builder_add_value(b, json_node_copy(root));
    } else {
        json_builder_begin_array(b);
        json_builder_end_array(b);
    }
}

/* A figure rounded to a whole number (fps, %, dB), or null: unknown. */
static void add_whole(JsonBuilder *b, double value)
{
    if (isfinite(value))
        json_builder_add_int_value(b, (int64_t)lround(value));
    else
        json_builder_add_null_value(b);
}

static void add_member_whole(JsonBuilder *b, const char *name, double value)
{
    json_builder_set_member_name(b, name);
    add_whole(b, value);
}

/* Milliseconds, or null: unknown (NAN) or none (< 0). */
static void add_member_ms_or_null(JsonBuilder *b, const char *name,
                                  double seconds)
{
    if (isfinite(seconds) && seconds >= 0) {
        add_member_ms(b, name, seconds);
    } else {
        json_builder_set_member_name(b, name);
        json_builder_add_null_value(b);
    }
}

char *dk_live_status_json(const dk_live_status *status, double uptime)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_member_string(b, "type", "status");
    add_member_ms(b, "uptime_ms", uptime);
    add_member_bool(b, "on_air", dk_live_on_air(status) != NULL);
    add_member_int(b, "frames", (int64_t)status->frames);
    add_member_int(b, "dropped_frames", (int64_t)status->dropped_frames);
    add_member_string(b, "recording", status->recording);
    add_member_int(b, "recording_bytes", (int64_t)status->recording_bytes);
    add_member_bool(b, "lower_third", status->lower_third);
    add_member_bool(b, "slate", status->slate);
    add_member_bool(b, "clock", status->clock);
    add_member_whole(b, "encoder_fps", status->encoder_fps);
    add_member_whole(b, "cpu_percent", status->cpu_percent);
    json_builder_set_member_name(b, "audio_level_db");
    if (isfinite(status->audio_level_db[0])) {
        json_builder_begin_array(b);
        add_whole(b, status->audio_level_db[0]);
        add_whole(b, status->audio_level_db[1]);
        json_builder_end_array(b);
    } else {
        json_builder_add_null_value(b);
    }
    add_member_int(b, "free_disk_bytes", (int64_t)status->free_disk_bytes);
    add_member_ms_or_null(b, "outage_ms", status->outage_seconds);
    json_builder_set_member_name(b, "outputs");
    json_builder_begin_array(b);
    for (int i = 0; i < status->n_outputs; i++) {
        const dk_live_output_status *o = &status->outputs[i];
        json_builder_begin_object(b);
        add_member_string(b, "name", o->name);
        add_member_string(b, "where", o->where);
        add_member_string(b, "state", dk_live_output_state_name(o->state));
        add_member_int(b, "bitrate", (int64_t)o->bitrate);
        add_member_int(b, "bytes_sent", (int64_t)o->bytes_sent);
        add_member_int(b, "dropped_frames", (int64_t)o->dropped_frames);
        add_member_int(b, "reconnects", o->reconnects);
        if (o->state == DK_LIVE_OUTPUT_RETRYING)
            add_member_ms(b, "retry_in_ms", o->retry_in);
        add_member_ms_or_null(b, "outage_ms", o->outage_seconds);
        add_member_ms_or_null(b, "last_outage_at_ms", o->last_outage_at);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    add_service_health(b);
    json_builder_end_object(b);
    return to_line(b);
}

char *dk_live_event_json(dk_live_level level, const char *subject,
                         const char *message, double uptime)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_member_string(b, "type", "event");
    add_member_ms(b, "uptime_ms", uptime);
    add_member_string(b, "level", dk_live_level_name(level));
    add_member_string(b, "subject", subject);
    add_member_string(b, "message", message);
    json_builder_end_object(b);
    return to_line(b);
}
