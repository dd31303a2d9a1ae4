/* The config of test.old, the module built against the ABI 3.0 headers in
 * tests/abi/3.0; test_loader reads it back through dk_stage_config(). */
#ifndef TEST_PLUGIN_3_0_H
#define TEST_PLUGIN_3_0_H

#include <stdbool.h>
#include <stdint.h>

typedef struct dk_template dk_template;

typedef struct test_old_config {
    const char *label;
    int64_t count;
    int mode;
    const dk_template *caption;
    bool loud;
} test_old_config;

#endif
