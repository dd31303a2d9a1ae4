/* Names of findings and verdicts, as `dokpim locate` prints them and
 * --json carries them. */
#include <dokpim/forensics.h>

const char *dk_finding_kind_name(dk_finding_kind kind)
{
    switch (kind) {
    case DK_FINDING_CUT:
        return "cut";
    case DK_FINDING_INSERTED:
        return "inserted";
    case DK_FINDING_REORDERED:
        return "re-ordered";
    case DK_FINDING_AUDIO_REPLACED:
        return "audio replaced";
    case DK_FINDING_SPEED:
        return "speed changed";
    }
    return "unknown";
}

const char *dk_finding_kind_key(dk_finding_kind kind)
{
    switch (kind) {
    case DK_FINDING_CUT:
        return "cut";
    case DK_FINDING_INSERTED:
        return "inserted";
    case DK_FINDING_REORDERED:
        return "reordered";
    case DK_FINDING_AUDIO_REPLACED:
        return "audio_replaced";
    case DK_FINDING_SPEED:
        return "speed";
    }
    return "unknown";
}

const char *dk_verdict_name(dk_verdict verdict)
{
    switch (verdict) {
    case DK_VERDICT_FAITHFUL:
        return "faithful";
    case DK_VERDICT_EDITED:
        return "edited";
    case DK_VERDICT_UNRELATED:
        return "unrelated";
    }
    return "unknown";
}
