/* The operator's terminal during `dokpim live`: keys act as they are
 * pressed (no Enter, no echo), and the terminal is put back as it was on
 * every way out. Only for a terminal the live owns (stdin is a tty and the
 * process is in its foreground); lines from a pipe or a FIFO are read as
 * before. */
#ifndef DK_LIVE_TERM_H
#define DK_LIVE_TERM_H

#include <stdbool.h>

/* Switches fd to single keys without echo; Ctrl-C still interrupts, but
 * Ctrl-\ and Ctrl-Z do nothing (a suspended live freezes the stream). False
 * (and nothing changed) when fd is not a foreground terminal. */
bool live_term_keys_on(int fd);
/* Puts the saved mode back; safe to call more than once, from exit paths
 * and before _exit(). */
void live_term_restore(void);
/* Columns of the terminal on fd, 0 when unknown. */
int live_term_columns(int fd);

/* What one key does: the command letter it stands for (l, s, c, q), 0 for
 * keys that are ignored (Enter, space), or -1 for an unknown key. */
int live_term_key(unsigned char key);

#endif
