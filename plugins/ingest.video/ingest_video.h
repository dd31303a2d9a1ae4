/* ingest.video — what the plugin's files share. Each step reads one kind
 * of fact from an opened file into the item's metadata. */
#ifndef INGEST_VIDEO_H
#define INGEST_VIDEO_H

#include <glib.h>
#include <libavformat/avformat.h>

#include <dokpim/error.h>
#include <dokpim/item.h>

/* Everything ingest learns about path, in the order a reader would ask:
 * opens it (bounded by timeout_s), checks it is a video we can decode,
 * then records streams, frame rate, duration, tags and the capture time
 * (read in tz). Used by both probe() and process(). A cut recording that
 * is kept sets *warning (when warning is not NULL; caller g_free()s) to
 * the line the item should carry. */
int ingest_video_examine(const char *path, double timeout_s, GTimeZone *tz,
                         dk_meta *meta, char **warning, dk_error *err);

/* ---- ingest_video_streams.c ---- */
/* The stream a viewer sees: the largest video stream that is not cover
 * art. -1 when there is none. */
int ingest_video_main_stream(const AVFormatContext *ctx);
/* Codec, profile, size, pixel format, rotation and display size of the
 * main video stream; audio facts; a line per stream. Fails when the video
 * codec has no decoder in this build. */
int ingest_video_read_streams(const AVFormatContext *ctx, int video_index,
                              dk_meta *meta, dk_error *err);
/* Clockwise degrees (0..359) a player turns the picture by, from the
 * stream's display matrix; 0 when it has none. */
int ingest_video_rotation(const AVStream *stream);

/* ---- ingest_video_rate.c ---- */
/* video.fps, video.r_fps and video.vfr; reads up to a few hundred packets,
 * so call it after everything that needs the read position at 0. */
int ingest_video_read_rate(AVFormatContext *ctx, int video_index, dk_meta *meta,
                           dk_error *err);

/* ---- ingest_video_duration.c ---- */
/* What a file's index (MP4/MOV) says and what the file holds. */
typedef struct ingest_video_cut {
    bool indexed;     /* MP4/MOV: there is an index to compare with */
    bool truncated;   /* the file holds less than the index describes */
    double described; /* seconds the index lists (when truncated) */
    double held;      /* seconds of it in the file (when truncated) */
} ingest_video_cut;

/* Compares, for each stream, the samples the index lists with the file's
 * size. Refuses a cut file when less than a second of it plays (or its
 * index is cut and lists samples past the end); a cut file that is kept
 * sets *warning (when not NULL; caller g_free()s) to what the item should
 * say. Writes no metadata, so a later refusal leaves none behind. */
int ingest_video_check_cut(AVFormatContext *ctx, int video_index,
                           const char *path, ingest_video_cut *out,
                           char **warning, dk_error *err);
/* video.duration (for a cut file the playable part), video.truncated for
 * MP4/MOV and video.indexed_duration (what the index describes) for a cut
 * one. */
void ingest_video_read_duration(const AVFormatContext *ctx, int video_index,
                                const ingest_video_cut *cut, dk_meta *meta);

/* ---- ingest_video_tags.c ---- */
/* gps.* from an ISO 6709 location tag and camera.make / camera.model from
 * the tags phones write. */
void ingest_video_read_tags(const AVFormatContext *ctx, dk_meta *meta);
/* Parses ISO 6709 ("+37.7858-122.4064+012.3/"); false when malformed. */
gboolean ingest_video_parse_iso6709(const char *text, double *latitude,
                                    double *longitude, double *altitude,
                                    gboolean *has_altitude);

/* ---- ingest_video_capture.c ---- */
/* capture.time / .source / .inferred: the container's creation time (UTC
 * in MP4, converted into tz), else a phone's file name, else the file's
 * modification time. source_path is the name the user gave. */
void ingest_video_read_capture(const AVFormatContext *ctx,
                               const char *source_path, GTimeZone *tz,
                               dk_meta *meta);

#endif
