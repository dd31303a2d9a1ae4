/* Private to dokpim: the marker for what libdokpim and its sibling
 * libraries export for dokpim's own programs only (the dokpim command, the
 * other core libraries, the tests and fuzzers), like glibc's
 * GLIBC_PRIVATE. Plugins use only the DK_API functions of the
 * include/dokpim headers; test_exports fails when a built plugin imports a
 * DK_PRIVATE_API one. */
#ifndef DK_PRIVATE_API_H
#define DK_PRIVATE_API_H

#define DK_PRIVATE_API __attribute__((visibility("default")))

#endif
