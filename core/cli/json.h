/* JSON output of the CLI (one document on stdout). */
#ifndef DK_CLI_JSON_H
#define DK_CLI_JSON_H

#include <json-glib/json-glib.h>

#include "runner.h"

/* Adds meta as members of the open object, nesting on the dots of keys:
 * "capture.time" -> "capture": {"time": ...}. Values keep their types. */
void json_add_meta(JsonBuilder *builder, const dk_meta *meta);
/* Adds a string member (name NULL: an array element); NULL adds null.
 * Text from outside (a path, a message naming one) may not be UTF-8:
 * then the member holds it with U+FFFD for each byte that is not, and a
 * sibling member NAME_bytes holds the exact bytes in base64, so the
 * document stays valid JSON and a script can still get the bytes back.
 * (An array element gets no sibling.) */
void json_add_string(JsonBuilder *builder, const char *name, const char *value);
/* Prints the run summary scripts rely on. */
void json_print_run(const dk_pipeline *pipeline, const dk_library *library,
                    const dk_run *run);
/* Adds one item's object as `run --json` lists it (an array element, or
 * after json_builder_set_member_name()). */
void json_add_result(JsonBuilder *builder, const dk_result *result);
/* The builder's root as text (g_free()). */
char *json_text(JsonBuilder *builder, bool pretty);
/* Prints the builder's root, pretty, with a newline. */
void json_print(JsonBuilder *builder);
/* Prints the builder's root on one line and flushes: a stream of events a
 * service reads line by line (`watch --json`). */
void json_print_line(JsonBuilder *builder);

#endif
