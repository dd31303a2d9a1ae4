/* bench/scale/queue_cost: what the queue itself costs a worker, through the
 * same back-end table `dokpim work` uses.
 *
 *   queue_cost cycle QUEUE LIBRARY N   N jobs added, then each claimed, its
 *                                      lease renewed once (a heartbeat) and
 *                                      finished: the median and mean µs of
 *                                      each step and of the three together
 *   queue_cost claim QUEUE LIBRARY N   N claims (each job finished at once)
 *                                      on whatever backlog the queue holds:
 *                                      median and 95th percentile µs
 *
 * QUEUE is a URL as `--queue` takes it (postgresql://..., sqlite:PATH). */
#include "dk_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *values, int n, double p)
{
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    int i = (int)(p * (n - 1) + 0.5);
    return values[i];
}

static double mean(const double *values, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += values[i];
    return sum / n;
}

static double since_us(gint64 t0)
{
    return (double)(g_get_monotonic_time() - t0);
}

static bool never_alive(const char *owner)
{
    (void)owner;
    return true; /* leases alone decide, as between machines */
}

static int add_jobs(dk_queue *q, const char *library, int n, dk_error *err)
{
    gint64 salt = g_get_real_time();
    for (int i = 0; i < n; i++) {
        char seed[64];
        g_snprintf(seed, sizeof seed, "%" G_GINT64_FORMAT "-%d", salt, i);
        g_autofree char *sha =
            g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed, -1);
        queue_record r = {
            .plugin = "bench.noop",
            .stage = "bench",
            .target = "bench://nowhere",
            .path = "/dev/null",
            .sha256 = sha,
            .options = "{}",
            .meta = "{}",
            .library = (char *)library,
            .state = DK_JOB_QUEUED,
        };
        bool added = false;
        int rc = q->backend->insert(q->db, &r, &added, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Claims one job and finishes it done; *claim_us is the claim's time. */
static int take_one(dk_queue *q, double *claim_us, double *renew_us,
                    double *finish_us, dk_error *err)
{
    queue_record *r = NULL;
    gint64 t0 = g_get_monotonic_time();
    int rc = q->backend->claim(q->db, q->owner, never_alive, 120, &r, err);
    *claim_us = since_us(t0);
    if (rc < 0)
        return rc;
    if (!r)
        return dk_error_set(err, DK_ERR_NOT_FOUND, "the queue ran empty");
    t0 = g_get_monotonic_time();
    if (renew_us) {
        rc = q->backend->renew(q->db, r->id, r->fence, 120, err);
        *renew_us = since_us(t0);
    }
    t0 = g_get_monotonic_time();
    if (rc == 0) {
        r->state = DK_JOB_DONE;
        rc = q->backend->finish(q->db, r, err);
    }
    *finish_us = since_us(t0);
    queue_record_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "cycle") && strcmp(argv[1], "claim"))) {
        fprintf(stderr, "usage: queue_cost cycle|claim QUEUE LIBRARY N\n");
        return 2;
    }
    bool cycle = strcmp(argv[1], "cycle") == 0;
    int n = atoi(argv[4]);
    if (n < 1)
        n = 1;
    dk_error err = {0};
    dk_queue *q = NULL;
    if (dk_queue_open_url(argv[2], argv[3], true, &q, &err) < 0) {
        fprintf(stderr, "queue_cost: %s\n", err.message);
        return 1;
    }
    g_autofree char *shown = dk_queue_url_redact(argv[2]);
    double *claim = g_new0(double, n), *renew = g_new0(double, n);
    double *finish = g_new0(double, n), *total = g_new0(double, n);
    int rc = 0;
    double insert_us = 0;
    if (cycle) {
        gint64 t0 = g_get_monotonic_time();
        rc = add_jobs(q, argv[3], n, &err);
        insert_us = since_us(t0) / n;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = take_one(q, &claim[i], cycle ? &renew[i] : NULL, &finish[i], &err);
        total[i] = claim[i] + renew[i] + finish[i];
    }
    if (rc < 0) {
        fprintf(stderr, "queue_cost: %s: %s\n", shown, err.message);
    } else if (cycle) {
        printf("%s %s: %d jobs; per job, median (mean) µs: insert %.0f (mean "
               "only), claim %.0f (%.0f), renew %.0f (%.0f), finish %.0f "
               "(%.0f), claim+renew+finish %.0f (%.0f)\n",
               q->backend->name, shown, n, insert_us, percentile(claim, n, .5),
               mean(claim, n), percentile(renew, n, .5), mean(renew, n),
               percentile(finish, n, .5), mean(finish, n),
               percentile(total, n, .5), mean(total, n));
    } else {
        printf("%s: %d claims, median %.0f µs, p95 %.0f µs\n", q->backend->name,
               n, percentile(claim, n, .5), percentile(claim, n, .95));
    }
    g_free(claim);
    g_free(renew);
    g_free(finish);
    g_free(total);
    dk_queue_close(&q);
    return rc < 0 ? 1 : 0;
}
