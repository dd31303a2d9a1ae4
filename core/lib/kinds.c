#include "dk_internal.h"

const char *dk_stage_kind_name(dk_stage_kind kind)
{
    switch (kind) {
    case DK_STAGE_INGEST:
        return "ingest";
    case DK_STAGE_STAMP:
        return "stamp";
    case DK_STAGE_WATERMARK:
        return "watermark";
    case DK_STAGE_TRANSCODE:
        return "transcode";
    case DK_STAGE_EXPORT:
        return "export";
    case DK_STAGE_UPLOAD:
        return "upload";
    case DK_STAGE_LIVE:
        return "live";
    }
    return NULL;
}

const char *dk_kind_name(unsigned kind)
{
    switch (kind) {
    case DK_KIND_FILE:
        return "file";
    case DK_KIND_PHOTO:
        return "photo";
    case DK_KIND_VIDEO:
        return "video";
    case DK_KIND_AUDIO:
        return "audio";
    case DK_KIND_ANY:
        return "any";
    default:
        return "mixed";
    }
}
