/* The crew's choice in a run: loaded once the item's sha256 is known (after
 * ingest), handed to the plugins through the item's meta, chained into
 * the fingerprints of the later stages (a changed caption redoes that
 * item's stamp and what follows it, nothing else), and matched against a
 * stage's items= key (publish only the picks). */
#include "item_choice.h"

#include <string.h>

/* dk_meta_set_string removes the key for NULL: an empty field is no key */
static void set_or_remove(dk_meta *meta, const char *key, const char *value)
{
    dk_meta_set_string(meta, key, value && *value ? value : NULL);
}

int dk_item_load_choice(dk_item *item, dk_choice *out, dk_error *err)
{
    int rc = dk_choice_read(item->library->root, item->sha256, out, err);
    if (rc < 0)
        return rc;
    if (out->rating)
        dk_meta_set_int(item->meta, "choice.rating", out->rating);
    else
        dk_meta_set_string(item->meta, "choice.rating", NULL);
    set_or_remove(item->meta, "choice.label", dk_choice_label_name(out->label));
    set_or_remove(item->meta, "choice.caption", out->caption);
    g_autofree char *persons =
        out->persons ? g_strjoinv("\n", out->persons) : NULL;
    set_or_remove(item->meta, "choice.persons", persons);
    return 0;
}

char *dk_choice_chain(const char *chain, const dk_choice *c)
{
    g_autofree char *digest = dk_choice_digest(c);
    if (!digest)
        return g_strdup(chain);
    g_autofree char *joined = g_strconcat(chain, "\nchoice ", digest, NULL);
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, joined, -1);
}

bool dk_items_filter_admits(dk_items_filter filter, const dk_choice *c,
                            const char **why)
{
    switch (filter) {
    case DK_ITEMS_PICKED:
        *why = "not picked (items=picked)";
        return c->label == DK_LABEL_PICK;
    case DK_ITEMS_NOT_REJECTED:
        *why = "rejected (items=not-rejected)";
        return c->label != DK_LABEL_REJECT;
    case DK_ITEMS_ALL:
        break;
    }
    return true;
}
