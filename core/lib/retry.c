/* Exponential backoff with jitter, the one policy every network path uses. */
#include "dk_internal.h"

#include <math.h>
#include <stdio.h>

dk_retry_policy dk_retry_policy_default(void)
{
    return (dk_retry_policy){
        .first_wait = 2.0,
        .growth = 1.5,
        .jitter = 0.2,
        .max_wait = 30.0,
        .max_attempts = 10,
        .on_retry = dk_retry_report_progress,
    };
}

dk_retry_policy dk_retry_policy_from_options(const dk_retry_options *options)
{
    dk_retry_policy policy = dk_retry_policy_default();
    policy.first_wait = options->first_wait;
    policy.max_attempts = options->retries;
    return policy;
}

void dk_retry_report_progress(void *item, int attempt, double wait,
                              const char *why)
{
    char note[160];
    snprintf(note, sizeof note, "retry %d in %.1f s%s%s", attempt, wait,
             why ? ": " : "", why ? why : "");
    dk_progress(item, -1.0, note);
}

void dk_retry_init(dk_retry *retry, const dk_retry_policy *policy)
{
    retry->policy = policy ? *policy : dk_retry_policy_default();
    retry->attempt = 0;
    retry->last_wait = 0;
    retry->rng = (uint64_t)g_get_monotonic_time() ^ (uint64_t)(uintptr_t)retry;
    if (!retry->rng)
        retry->rng = 0x9e3779b97f4a7c15ull;
}

void dk_retry_reset(dk_retry *retry)
{
    retry->attempt = 0;
    retry->last_wait = 0;
}

/* xorshift64*: jitter only needs to decorrelate clients, not be secret */
static double next_unit(dk_retry *retry)
{
    retry->rng ^= retry->rng >> 12;
    retry->rng ^= retry->rng << 25;
    retry->rng ^= retry->rng >> 27;
    uint64_t bits = retry->rng * 2685821657736338717ull;
    return (double)(bits >> 11) / (double)(1ull << 53);
}

double dk_retry_next_wait(dk_retry *retry)
{
    const dk_retry_policy *p = &retry->policy;
    if (p->max_attempts > 0 && retry->attempt >= p->max_attempts)
        return -1.0;
    double base =
        retry->attempt == 0 ? p->first_wait : retry->last_wait * p->growth;
    if (p->max_wait > 0 && base > p->max_wait)
        base = p->max_wait;
    retry->last_wait = base;
    retry->attempt++;
    double spread = 1.0 + p->jitter * (2.0 * next_unit(retry) - 1.0);
    double wait = base * spread;
    if (p->max_wait > 0 && wait > p->max_wait)
        wait = p->max_wait;
    return wait < 0 ? 0 : wait;
}

int dk_retry_wait(dk_retry *retry, const char *why, dk_error *err)
{
    if (dk_cancelled())
        return dk_error_set(err, DK_ERR_CANCELLED, "stopped by the user");
    double wait = dk_retry_next_wait(retry);
    if (wait < 0)
        return dk_error_set(err, DK_ERR_TIMEOUT, "gave up after %d retries%s%s",
                            retry->policy.max_attempts, why ? ": " : "",
                            why ? why : "");
    if (retry->policy.on_retry)
        retry->policy.on_retry(retry->policy.user, retry->attempt, wait, why);
    if (!dk_cancel_sleep(wait))
        return dk_error_set(err, DK_ERR_CANCELLED, "stopped by the user");
    return 0;
}
