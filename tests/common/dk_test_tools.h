/* The independent tools tests judge outputs with: ffprobe for audio and
 * video, exiftool for photo metadata. One way to ask each, so that every
 * suite reads their answers the same way (and a change of flags is made
 * once). */
#ifndef DK_TEST_TOOLS_H
#define DK_TEST_TOOLS_H

#include <json-glib/json-glib.h>

/* `ffprobe -v error OPTIONS PATH`: what it printed (g_free()), or NULL
 * when it failed (its stderr then goes to the test's log). OPTIONS is a
 * shell fragment and names the output format, e.g.
 * "-show_entries format=duration -of csv=p=0". */
char *dk_test_ffprobe(const char *path, const char *options);
/* The same with "-of json", parsed: the root object
 * (json_object_unref()). Fails the test when ffprobe fails or prints
 * no JSON. */
JsonObject *dk_test_ffprobe_json(const char *path, const char *options);
/* Frames of the first video stream whose bytes all lie inside the file
 * (ffprobe's packet positions and sizes against the file size): what a
 * cut-off clip can still play. */
int dk_test_complete_video_frames(const char *path);

/* `exiftool -j OPTIONS PATH` for one file: its object
 * (json_object_unref()), or NULL unless exiftool exits 0 with exactly
 * one. options is NULL-terminated (NULL: none). */
JsonObject *dk_test_exiftool(const char *path, const char *const *options);
/* `exiftool -j -FileName OPTIONS DIR` for every file of a folder: an
 * object from file name to that file's object (json_object_unref()).
 * exiftool's status 1 (some files it could not read, which a corpus of
 * broken files has on purpose) is accepted; fails the test if exiftool
 * did not run or printed no JSON. */
JsonObject *dk_test_exiftool_folder(const char *dir,
                                    const char *const *options);

#endif
