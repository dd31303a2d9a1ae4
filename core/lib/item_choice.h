/* Private: the crew's choice during a run (see item_choice.c). */
#ifndef DK_ITEM_CHOICE_H
#define DK_ITEM_CHOICE_H

#include "choice.h"
#include "dk_internal.h"

/* Reads the choice of item (its sha256 known: after ingest) into out and
 * puts it into the item's meta as choice.rating, choice.label,
 * choice.caption and choice.persons (names joined with "\n"); keys of a
 * field the choice leaves empty are removed. <0 on a damaged record. */
int dk_item_load_choice(dk_item *item, dk_choice *out, dk_error *err);
/* The fingerprint chain the stages after ingest start from: chain itself
 * when the item has no choice (so a library from before choices keeps its
 * records), else a sha256 over chain and the choice's digest. g_free. */
char *dk_choice_chain(const char *chain, const dk_choice *c);
/* True when a stage with this items= key runs on an item with choice c;
 * else *why says why not. */
bool dk_items_filter_admits(dk_items_filter filter, const dk_choice *c,
                            const char **why);

#endif
