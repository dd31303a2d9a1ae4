/* Border removal: the content area of a frame, so that a letterboxed,
 * pillarboxed or padded copy hashes like its original.
 *
 * Walking in from each edge, a row (or column) is border when most of it
 * is dark or it is nearly uniform. "Most", not "all": broadcasters put a
 * logo or a text ticker in the bars. A thin run of non-border rows at the
 * edge (a ticker along the bottom of the bar) is skipped when at least as
 * many border rows lie beyond it, so one dark line inside the picture
 * does not eat the rows before it. */
#include "print_private.h"

#include <stdbool.h>
#include <stdlib.h>

#define BORDER_DARK        40 /* grey level of black bars (limited or full) */
#define BORDER_DARK_SHARE  80 /* % of a line that must be dark */
#define BORDER_FLAT_SPREAD 5  /* grey levels around the line's median */
#define BORDER_FLAT_SHARE  95 /* % of a line within that spread */
#define BORDER_MAX_SHARE   40 /* % of the grid one side may remove */
#define BORDER_GAP_SHARE   10 /* % of the grid a ticker or logo may span */

/* One line of n pixels, step apart. */
static bool is_border(const uint8_t *p, int n, int step)
{
    int histogram[256] = {0};
    int dark = 0;
    for (int i = 0; i < n; i++) {
        uint8_t v = p[i * step];
        histogram[v]++;
        dark += v <= BORDER_DARK;
    }
    if (dark * 100 >= n * BORDER_DARK_SHARE)
        return true;
    int median = 0;
    for (int seen = 0; median < 256; median++) {
        seen += histogram[median];
        if (seen * 2 >= n)
            break;
    }
    int near = 0;
    for (int v = median - BORDER_FLAT_SPREAD; v <= median + BORDER_FLAT_SPREAD;
         v++)
        if (v >= 0 && v < 256)
            near += histogram[v];
    return near * 100 >= n * BORDER_FLAT_SHARE;
}

/* How many lines from one edge are border. line(i) points at the i-th
 * line from that edge; each has n pixels, step apart. */
static int border_depth(const uint8_t *first, int line_step, int n, int step)
{
    int limit = PRINT_GRID * BORDER_MAX_SHARE / 100;
    int gap = PRINT_GRID * BORDER_GAP_SHARE / 100;
    int depth = 0, border = 0, last = -1;
    for (int i = 0; i < limit && i - last <= gap + 1; i++) {
        if (is_border(first + (ptrdiff_t)i * line_step, n, step)) {
            border++;
            last = i;
            /* everything up to here is border if the skipped lines are
             * outnumbered by border lines */
            if (border >= (i + 1) - border)
                depth = i + 1;
        }
    }
    return depth;
}

void print_border_find(const uint8_t *grey, int stride, print_area *area)
{
    int n = PRINT_GRID;
    int top = border_depth(grey, stride, n, 1);
    int bottom =
        border_depth(grey + (ptrdiff_t)(n - 1) * stride, -stride, n, 1);
    int height = n - top - bottom;
    const uint8_t *rows = grey + (ptrdiff_t)top * stride;
    int left = 0, right = 0;
    if (height > 0) {
        left = border_depth(rows, 1, height, stride);
        right = border_depth(rows + n - 1, -1, height, stride);
    }
    int width = n - left - right;
    /* a frame that is all border (black, a fade) keeps the whole grid:
     * it is flagged flat by the hasher */
    if (height < n / 4 || width < n / 4) {
        *area = (print_area){0, 0, n, n};
        return;
    }
    *area = (print_area){left, top, width, height};
}
