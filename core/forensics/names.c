/* Names of findings and verdicts, as `dokpim locate` prints them and
 * --json carries them. */
#include <dokpim/forensics.h>

#include <stddef.h>

/* Indexed by dk_finding_kind: as people read it, as --json carries it. */
static const char *const finding_names[][2] = {
    [DK_FINDING_CUT] = {"cut", "cut"},
    [DK_FINDING_INSERTED] = {"inserted", "inserted"},
    [DK_FINDING_REORDERED] = {"re-ordered", "reordered"},
    [DK_FINDING_AUDIO_REPLACED] = {"audio replaced", "audio_replaced"},
    [DK_FINDING_SPEED] = {"speed changed", "speed"},
};

static const char *finding_name(dk_finding_kind kind, int form)
{
    size_t k = (size_t)kind;
    return k < sizeof finding_names / sizeof finding_names[0]
               ? finding_names[k][form]
               : "unknown";
}

const char *dk_finding_kind_name(dk_finding_kind kind)
{
    return finding_name(kind, 0);
}

const char *dk_finding_kind_key(dk_finding_kind kind)
{
    return finding_name(kind, 1);
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
