/* upload.youtube: any answer of the YouTube Data API as the plugin reads
 * it: the error document and verdict, the byte range a resumable session
 * confirms, the id of a finished upload, a list answer and the processing
 * outcome. */
#include <string.h>

#include "fuzz_answer.h"
#include "fuzz_common.h"
#include "upload_youtube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    youtube_reply reply = {0};
    fuzz_answer_read(data, size, &reply.http);
    youtube_reply_read(&reply);
    FUZZ_CHECK(reply.verdict >= YOUTUBE_OK && reply.verdict <= YOUTUBE_FAIL);
    g_autofree char *why = youtube_reply_error(&reply);
    FUZZ_CHECK(why && g_str_has_prefix(why, "HTTP "));
    static const int64_t totals[] = {0, 1, 262144, INT64_MAX};
    for (size_t i = 0; i < G_N_ELEMENTS(totals); i++) {
        int64_t confirmed = youtube_reply_confirmed(&reply, totals[i]);
        FUZZ_CHECK(confirmed >= -1 && confirmed <= totals[i]);
    }
    const char *id = youtube_reply_video_id(&reply);
    FUZZ_CHECK(!id || *id);
    youtube_reply_first_item(&reply);
    bool gone = false;
    g_autofree char *outcome =
        youtube_processing_outcome(&reply, "public", &gone);
    FUZZ_CHECK(!gone || outcome);
    youtube_reply_clear(&reply);
    return 0;
}
