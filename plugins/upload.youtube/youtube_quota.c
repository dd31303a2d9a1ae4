/* YouTube's daily quota. Its accounting changed over time (1600 units per
 * insert out of 10,000 a day in older documents; a separate bucket of
 * about 100 uploads a day in newer ones), so both are options. A day ends
 * at midnight Pacific time; a job that does not fit waits for the next. */
#include "upload_youtube.h"

#include <time.h>

int64_t youtube_next_quota_day(char **day)
{
    GTimeZone *pacific = g_time_zone_new_identifier("America/Los_Angeles");
    if (!pacific) /* no tzdata: a fixed PST is off by an hour at worst */
        pacific = g_time_zone_new_offset(-8 * 3600);
    GDateTime *now = g_date_time_new_now(pacific);
    if (day)
        *day = g_date_time_format(now, "%Y-%m-%d");
    GDateTime *midnight = g_date_time_new(
        pacific, g_date_time_get_year(now), g_date_time_get_month(now),
        g_date_time_get_day_of_month(now), 0, 0, 0);
    GDateTime *next = g_date_time_add_days(midnight, 1);
    int64_t when = g_date_time_to_unix(next);
    g_date_time_unref(next);
    g_date_time_unref(midnight);
    g_date_time_unref(now);
    g_time_zone_unref(pacific);
    return when;
}

static int defer(youtube_client *c, const char *why, dk_error *err)
{
    int64_t when = youtube_next_quota_day(NULL);
    /* a minute's margin: Google's reset is not to the second */
    return dk_job_defer_until(c->job, when + 60, why, err);
}

static char *uploads_bucket(const youtube_client *c)
{
    return g_strconcat(c->bucket, ":uploads", NULL);
}

int youtube_quota_take(youtube_client *c, int64_t cost, bool insert,
                       youtube_charge *charge, dk_error *err)
{
    *charge = (youtube_charge){0};
    g_autofree char *day = NULL;
    youtube_next_quota_day(&day);
    int64_t daily = c->config->quota_daily;
    int64_t uploads = c->config->uploads_daily;
    if (insert) {
        /* with no count configured this still sees a day that YouTube
         * ended early with uploadLimitExceeded */
        g_autofree char *bucket = uploads_bucket(c);
        int rc =
            dk_job_quota_charge(c->job, bucket, day, uploads > 0, uploads, err);
        if (rc != 0) {
            if (rc > 0)
                defer(c, "quota: the day's uploads are used up", err);
            return rc;
        }
        charge->upload = uploads > 0;
    }
    charge->day = g_strdup(day);
    if (daily <= 0 || cost <= 0)
        return 0;
    int rc = dk_job_quota_charge(c->job, c->bucket, day, cost, daily, err);
    if (rc > 0)
        defer(c, "quota: the day's API quota is used up", err);
    if (rc == 0)
        charge->units = cost;
    else
        youtube_quota_settle(c, charge, false);
    return rc;
}

void youtube_quota_settle(youtube_client *c, youtube_charge *charge, bool sent)
{
    if (!sent && charge->day) {
        /* best effort: a refund lost costs a little quota, not the job */
        if (charge->units > 0)
            dk_job_quota_refund(c->job, c->bucket, charge->day, charge->units,
                                NULL);
        if (charge->upload) {
            g_autofree char *bucket = uploads_bucket(c);
            dk_job_quota_refund(c->job, bucket, charge->day, 1, NULL);
        }
    }
    g_free(charge->day);
    *charge = (youtube_charge){0};
}

int youtube_quota_spent(youtube_client *c, bool uploads, const char *why,
                        dk_error *err)
{
    g_autofree char *day = NULL;
    youtube_next_quota_day(&day);
    g_autofree char *bucket = uploads ? uploads_bucket(c) : g_strdup(c->bucket);
    int64_t allowance =
        uploads ? c->config->uploads_daily : c->config->quota_daily;
    int rc = dk_job_quota_exhaust(c->job, bucket, day, allowance, err);
    if (rc < 0)
        return rc;
    dk_job_note(c->job, "quota used up (%s); waiting for the next quota day",
                why);
    g_autofree char *reason = g_strconcat("quota: ", why, NULL);
    return defer(c, reason, err);
}

int youtube_quota_answer(youtube_client *c, const youtube_reply *reply,
                         dk_error *err)
{
    if (reply->verdict != YOUTUBE_QUOTA &&
        reply->verdict != YOUTUBE_UPLOAD_LIMIT)
        return 0;
    g_autofree char *why = youtube_reply_error(reply);
    int rc = youtube_quota_spent(c, reply->verdict == YOUTUBE_UPLOAD_LIMIT, why,
                                 err);
    return rc < 0 ? rc : 1;
}
