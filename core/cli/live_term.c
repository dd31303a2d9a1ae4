/* Single-key control of a live from the terminal (see live_term.h). */
#include "live_term.h"

#include <glib.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;

void live_term_restore(void)
{
    /* tcsetattr is async-signal-safe: this runs before _exit() too */
    if (saved_fd >= 0) {
        tcsetattr(saved_fd, TCSAFLUSH, &saved);
        saved_fd = -1;
    }
}

bool live_term_keys_on(int fd)
{
    /* a live started in the background (&) must not grab the terminal:
     * tcsetattr would stop it with SIGTTOU */
    if (saved_fd >= 0 || !isatty(fd) || tcgetpgrp(fd) != getpgrp())
        return false;
    struct termios mode;
    if (tcgetattr(fd, &mode) < 0)
        return false;
    saved = mode;
    mode.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL);
    mode.c_lflag |= ISIG; /* Ctrl-C ends the live, as before */
    mode.c_cc[VMIN] = 1;
    mode.c_cc[VTIME] = 0;
    mode.c_cc[VQUIT] = _POSIX_VDISABLE;
    mode.c_cc[VSUSP] = _POSIX_VDISABLE;
    if (tcsetattr(fd, TCSANOW, &mode) < 0)
        return false;
    saved_fd = fd;
    static bool registered;
    if (!registered) {
        registered = true;
        atexit(live_term_restore);
    }
    return true;
}

int live_term_columns(int fd)
{
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) < 0)
        return 0;
    return size.ws_col;
}

int live_term_key(unsigned char key)
{
    switch (g_ascii_tolower(key)) {
    case 'l':
    case 's':
    case 'c':
    case 'q':
        return g_ascii_tolower(key);
    case '\r':
    case '\n':
    case ' ':
        return 0; /* habit from the Enter days: harmless */
    default:
        return -1;
    }
}
