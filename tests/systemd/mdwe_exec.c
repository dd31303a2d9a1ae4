/* mdwe_exec PROGRAM ARGS...: runs PROGRAM with the kernel's
 * memory-deny-write-execute rule (PR_SET_MDWE, Linux 6.3+), the rule
 * systemd's MemoryDenyWriteExecute=yes applies: no mapping both writable
 * and executable, no mapping made executable later. Exit 77 when the
 * kernel does not have it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE              65
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: mdwe_exec PROGRAM ARGS...\n");
        return 2;
    }
    if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) {
        fprintf(stderr, "mdwe_exec: PR_SET_MDWE: %s\n", strerror(errno));
        return 77;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "mdwe_exec: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
