/* dokpim locate's answer as people read it and as --json carries it,
 * and what the library's item manifest says of a matched original. */
#include "cli.h"
#include "json.h"
#include "locate_cli.h"

#include <string.h>

void locate_origin_load(const char *library, const char *sha256,
                        locate_origin *out)
{
    memset(out, 0, sizeof *out);
    out->library = library;
    g_autofree char *name = g_strconcat(sha256, ".ini", NULL);
    g_autofree char *path = g_build_filename(library, "items", name, NULL);
    GKeyFile *file = g_key_file_new();
    /* A print without a manifest (an item imported by an older dokpim, or
     * a manifest lost) still locates: only the names are missing. */
    if (g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, NULL)) {
        char *original = g_key_file_get_string(file, "item", "original", NULL);
        /* recorded relative to the library, which may have moved */
        if (original && !g_path_is_absolute(original)) {
            out->original = g_build_filename(library, original, NULL);
            g_free(original);
        } else {
            out->original = original;
        }
        g_auto(GStrv) sources =
            g_key_file_get_string_list(file, "item", "sources", NULL, NULL);
        if (sources && sources[0])
            out->name = g_path_get_basename(sources[0]);
        out->event = g_key_file_get_string(file, "event", "title", NULL);
        out->date = g_key_file_get_string(file, "event", "date", NULL);
    }
    g_key_file_free(file);
}

void locate_origin_clear(locate_origin *origin)
{
    g_free(origin->original);
    g_free(origin->name);
    g_free(origin->event);
    g_free(origin->date);
    memset(origin, 0, sizeof *origin);
}

static const char *track_name(dk_track track)
{
    return track == DK_TRACK_AUDIO ? "audio" : "picture";
}

static void print_finding(const dk_finding *f)
{
    switch (f->kind) {
    case DK_FINDING_CUT:
        cli_line(stdout, "    ",
                 "CUT at clip %.2f s: original %.2f-%.2f s (%.2f s) is "
                 "missing",
                 f->clip_start, f->orig_start, f->orig_end,
                 f->orig_end - f->orig_start);
        break;
    case DK_FINDING_INSERTED:
        cli_line(stdout, "    ",
                 "INSERTED at clip %.2f-%.2f s: matches nothing in this "
                 "original",
                 f->clip_start, f->clip_end);
        break;
    case DK_FINDING_REORDERED:
        cli_line(stdout, "    ",
                 "RE-ORDERED at clip %.2f-%.2f s: it was said at original "
                 "%.2f-%.2f s, earlier than what precedes it",
                 f->clip_start, f->clip_end, f->orig_start, f->orig_end);
        break;
    case DK_FINDING_AUDIO_REPLACED:
        cli_line(stdout, "    ",
                 "AUDIO REPLACED at clip %.2f-%.2f s: the picture is "
                 "original %.2f-%.2f s, the sound is not",
                 f->clip_start, f->clip_end, f->orig_start, f->orig_end);
        break;
    case DK_FINDING_SPEED:
        cli_line(stdout, "    ", "SPEED CHANGED: the clip plays at %.3fx",
                 f->speed);
        break;
    }
}

static void print_match(const dk_locate_match *m, const locate_origin *o,
                        bool best)
{
    const dk_alignment *al = &m->alignment;
    g_autofree char *event =
        o->event ? g_strdup_printf("\"%s\"", o->event) : g_strdup("an event");
    cli_line(stdout, best ? "  " : "  also: ",
             "%s from %s, original %s (%s), confidence %.2f",
             al->verdict == DK_VERDICT_FAITHFUL ? "FAITHFUL" : "EDITED", event,
             o->name ? o->name : "?", o->original ? o->original : m->sha256,
             al->confidence);
    if (!best)
        return;
    if (o->date)
        cli_line(stdout, "    ", "event date %s, library %s", o->date,
                 o->library);
    for (size_t i = 0; i < al->n_segments; i++) {
        const dk_segment *s = &al->segments[i];
        cli_line(stdout, "    ",
                 "%-7s clip %7.2f-%7.2f s = original %8.2f-%8.2f s "
                 "(similarity %.2f)",
                 track_name(s->track), s->clip_start, s->clip_end,
                 s->orig_start, s->orig_end, s->similarity);
    }
    for (size_t i = 0; i < al->n_findings; i++)
        print_finding(&al->findings[i]);
}

void locate_print_text(const locate_answer *a)
{
    if (a->error) {
        cli_error("%s", a->error);
        return;
    }
    const dk_locate_result *r = &a->result;
    cli_line(stdout, "", "%s: %.1f s, %s", a->clip, r->clip.duration,
             r->n_matches ? "located" : "not in the archive");
    for (size_t i = 0; i < r->n_warnings; i++)
        cli_warning("%s: %s", a->clip, r->warnings[i]);
    for (size_t m = 0; m < r->n_matches; m++)
        print_match(&r->matches[m], &a->origins[m], m == 0);
    if (a->plot)
        cli_line(stdout, "  ", "plot: %s", a->plot);
    for (size_t i = 0; a->extracts && a->extracts[i]; i++)
        cli_line(stdout, "  ", "original segment: %s", a->extracts[i]);
}

static void add_double(JsonBuilder *b, const char *name, double value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_double_value(b, value);
}

static void add_segment(JsonBuilder *b, const dk_segment *s)
{
    json_builder_begin_object(b);
    json_add_string(b, "track", track_name(s->track));
    add_double(b, "clip_start", s->clip_start);
    add_double(b, "clip_end", s->clip_end);
    add_double(b, "orig_start", s->orig_start);
    add_double(b, "orig_end", s->orig_end);
    add_double(b, "similarity", s->similarity);
    json_builder_end_object(b);
}

static void add_finding(JsonBuilder *b, const dk_finding *f)
{
    json_builder_begin_object(b);
    json_add_string(b, "kind", dk_finding_kind_key(f->kind));
    add_double(b, "clip_start", f->clip_start);
    add_double(b, "clip_end", f->clip_end);
    add_double(b, "orig_start", f->orig_start);
    add_double(b, "orig_end", f->orig_end);
    if (f->kind == DK_FINDING_SPEED)
        add_double(b, "speed", f->speed);
    json_builder_end_object(b);
}

static void add_match(JsonBuilder *b, const dk_locate_match *m,
                      const locate_origin *o)
{
    const dk_alignment *al = &m->alignment;
    json_builder_begin_object(b);
    json_add_string(b, "sha256", m->sha256);
    json_add_string(b, "library", o->library);
    json_add_string(b, "event", o->event);
    json_add_string(b, "date", o->date);
    json_add_string(b, "item", o->name);
    json_add_string(b, "file", o->original);
    add_double(b, "confidence", al->confidence);
    json_add_string(b, "verdict", dk_verdict_name(al->verdict));
    add_double(b, "speed", al->speed);
    add_double(b, "offset", al->offset);
    json_builder_set_member_name(b, "segments");
    json_builder_begin_array(b);
    for (size_t i = 0; i < al->n_segments; i++)
        add_segment(b, &al->segments[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "findings");
    json_builder_begin_array(b);
    for (size_t i = 0; i < al->n_findings; i++)
        add_finding(b, &al->findings[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static const char *status_name(const locate_answer *a)
{
    return a->error              ? "error"
           : a->result.n_matches ? "located"
                                 : "not_in_archive";
}

static void add_timing(JsonBuilder *b, const dk_locate_result *r)
{
    json_builder_set_member_name(b, "seconds");
    json_builder_begin_object(b);
    add_double(b, "print", r->seconds_print);
    add_double(b, "lookup", r->seconds_lookup);
    add_double(b, "align", r->seconds_align);
    json_builder_end_object(b);
}

void locate_add_json(JsonBuilder *b, const locate_answer *a)
{
    const dk_locate_result *r = &a->result;
    json_builder_begin_object(b);
    json_add_string(b, "clip", a->clip);
    json_add_string(b, "status", status_name(a));
    if (a->error)
        json_add_string(b, "message", a->error);
    add_double(b, "duration", r->clip.duration);
    json_builder_set_member_name(b, "has_audio");
    json_builder_add_boolean_value(b, r->clip.has_audio);
    json_builder_set_member_name(b, "has_video");
    json_builder_add_boolean_value(b, r->clip.has_video);
    json_builder_set_member_name(b, "warnings");
    json_builder_begin_array(b);
    for (size_t i = 0; i < r->n_warnings; i++)
        json_add_string(b, NULL, r->warnings[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "matches");
    json_builder_begin_array(b);
    for (size_t m = 0; m < r->n_matches; m++)
        add_match(b, &r->matches[m], &a->origins[m]);
    json_builder_end_array(b);
    add_timing(b, r);
    json_add_string(b, "plot", a->plot);
    json_builder_set_member_name(b, "extracts");
    json_builder_begin_array(b);
    for (size_t i = 0; a->extracts && a->extracts[i]; i++)
        json_add_string(b, NULL, a->extracts[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}
