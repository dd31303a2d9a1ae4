/* A plugin as a plugin author wrote it against ABI 3.0 (tests/abi/3.0):
 * its descriptor and option rows are smaller than this core's, so loading
 * it proves that the loader copies older layouts instead of refusing them
 * or reading past their end. */
#include <dokpim/plugin.h> /* the 3.0 one, from tests/abi */

#include "test_plugin_3_0.h"

#if DK_ABI_MINOR != 0
#error "built against the current headers, not tests/abi/3.0"
#endif

#define F(member) DK_FIELD(test_old_config, member)
static const dk_option test_old_options[] = {
    {"label", DK_OPT_STRING, "old", "free text", F(label)},
    {"count", DK_OPT_INT, "7", "a number", 0, 100, F(count)},
    {"mode", DK_OPT_ENUM, "slow", "a choice", 0, 0, "fast|slow|off", F(mode)},
    {"caption", DK_OPT_TEMPLATE, "{event.title}", "a template", F(caption)},
    {"loud", DK_OPT_BOOL, "true", "a switch", F(loud)},
    {NULL},
};

static int test_old_process(const dk_stage *stage, void *state, dk_item *item,
                            dk_error *err)
{
    (void)stage, (void)state, (void)item, (void)err;
    return 0;
}

DK_PLUGIN_DEFINE(test_old) = {
    .name = "test.old",
    .summary = "a plugin built for ABI 3.0",
    .role = DK_ROLE_TRANSCODE,
    .item_kinds = DK_KIND_ANY,
    .options = test_old_options,
    .config_size = sizeof(test_old_config),
    .process = test_old_process,
};
