#include "dk_internal.h"

const char *dk_plugin_role_name(dk_plugin_role role)
{
    switch (role) {
    case DK_ROLE_INGEST:
        return "ingest";
    case DK_ROLE_STAMP:
        return "stamp";
    case DK_ROLE_WATERMARK:
        return "watermark";
    case DK_ROLE_TRANSCODE:
        return "transcode";
    case DK_ROLE_EXPORT:
        return "export";
    case DK_ROLE_UPLOAD:
        return "upload";
    case DK_ROLE_LIVE:
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
