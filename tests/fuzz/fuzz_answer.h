/* A server answer for the HTTP harnesses, written the way it arrives:
 *
 *     308 Resume Incomplete          status line (the number is what counts)
 *     Range: bytes=0-262143          header lines, CRLF or LF
 *                                    an empty line
 *     {"id": "..."}                  the body
 *
 * read into a dk_http_response through the queue's own header reader. */
#ifndef DK_FUZZ_ANSWER_H
#define DK_FUZZ_ANSWER_H

#include <dokpim/http.h>
#include <stddef.h>
#include <stdint.h>

/* Fills response (free with dk_http_response_clear). */
void fuzz_answer_read(const uint8_t *data, size_t size,
                      dk_http_response *response);

#endif
