/* dokpim — which functions a dokpim library exports.
 *
 * The libraries are built with hidden visibility, so a function is part of
 * the ABI only when its declaration in an include/dokpim header carries
 * DK_API: a helper added to a .c file cannot become something a plugin
 * links against by accident. test_exports compares the exported symbols
 * with these declarations. */
#ifndef DOKPIM_EXPORT_H
#define DOKPIM_EXPORT_H

#define DK_API __attribute__((visibility("default")))

#endif
