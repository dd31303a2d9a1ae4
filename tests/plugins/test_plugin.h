/* The config of test.options (tests/plugins/test_plugin.c), which the
 * config tests read back through dk_stage_config(). */
#ifndef TEST_PLUGIN_H
#define TEST_PLUGIN_H

#include <dokpim/dokpim.h>

typedef struct test_config {
    const char *label;
    bool label_set;
    const dk_template *caption;
    const dk_template *output;
    const char *logo;
    bool enabled;
    int count;
    double ratio;
    int mode; /* 0 fast, 1 slow */
    const char *const *words;
    const char *target;
    int64_t delay_ms;
    bool delay_ms_set;
    bool fail_finish;
} test_config;

#endif
