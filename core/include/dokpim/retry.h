/* dokpim — the one retry policy: exponential backoff with jitter, a cap,
 * a limit, cancellable. Live pushes, YouTube chunks and storage uploads all
 * use it, so they behave (and report) the same way. */
#ifndef DOKPIM_RETRY_H
#define DOKPIM_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_retry_policy {
    double first_wait; /* seconds before the first retry */
    double growth;     /* each wait is the last one times this */
    double jitter;     /* 0..1: waits are spread by +-jitter */
    double max_wait;   /* cap on one wait, seconds */
    int max_attempts;  /* retries before giving up; 0: never give up */
    /* Called before each wait, e.g. to tell the progress output. */
    void (*on_retry)(void *user, int attempt, double wait, const char *why);
    void *user;
} dk_retry_policy;

/* 2 s, x1.5, +-20 %, capped at 30 s, 10 attempts, each wait reported
 * through dk_progress() (set .user to the dk_item concerned, or leave it
 * NULL). */
DK_API dk_retry_policy dk_retry_policy_default(void);

/* The default on_retry: reports "retry N in S s: why" via dk_progress()
 * for the dk_item in user (may be NULL). */
DK_API void dk_retry_report_progress(void *item, int attempt, double wait,
                                     const char *why);

/* What a plugin that talks to a server lets the user tune about retries:
 * bound by the DK_RETRY_OPTIONS rows, read into a policy with
 * dk_retry_policy_from_options(). */
typedef struct dk_retry_options {
    double first_wait; /* retry-wait */
    int retries;       /* retries */
    int stall_seconds; /* stall-timeout: no progress for this long is a
                          broken connection, which is then retried */
} dk_retry_options;

/* The option rows that fill a dk_retry_options member of config struct T;
 * put them in the plugin's table:
 *   {"url", ...}, DK_RETRY_OPTIONS(my_config, retry), {NULL} */
#define DK_RETRY_OPTIONS(T, member)                                            \
    {"retry-wait",                                                             \
     DK_OPT_DOUBLE,                                                            \
     "2",                                                                      \
     "first wait before a retry, seconds",                                     \
     0.01,                                                                     \
     600,                                                                      \
     DK_FIELD(T, member.first_wait)},                                          \
        {"retries",                                                            \
         DK_OPT_INT,                                                           \
         "10",                                                                 \
         "retries before the job waits for a later run",                       \
         1,                                                                    \
         1000,                                                                 \
         DK_FIELD(T, member.retries)},                                         \
    {                                                                          \
        "stall-timeout", DK_OPT_INT, "60",                                     \
            "seconds without progress before a connection counts as broken",   \
            1, 3600, DK_FIELD(T, member.stall_seconds)                         \
    }

/* dk_retry_policy_default() with the first wait and the number of retries
 * the options give. */
DK_API dk_retry_policy
dk_retry_policy_from_options(const dk_retry_options *options);

typedef struct dk_retry {
    dk_retry_policy policy;
    int attempt;
    double last_wait;
    uint64_t rng;
} dk_retry;

DK_API void dk_retry_init(dk_retry *retry, const dk_retry_policy *policy);
/* The next wait in seconds, or a negative number once attempts are spent. */
DK_API double dk_retry_next_wait(dk_retry *retry);
/* Computes the next wait, reports it with why, sleeps it. Returns 0 to try
 * again, DK_ERR_TIMEOUT when attempts are spent, DK_ERR_CANCELLED when the
 * run is being stopped (the sleep is woken at once). */
DK_API int dk_retry_wait(dk_retry *retry, const char *why, dk_error *err);
/* Back to the first wait after a success. */
DK_API void dk_retry_reset(dk_retry *retry);

#ifdef __cplusplus
}
#endif
#endif
