/*
 * bench_util.h -- what the gateway's decoder benchmarks share: a monotonic
 * clock, and our decoder's work on a request body (decode, then fill the
 * float64 matrix from `instances` rows or the seed's `features` row).
 */
#ifndef GW_BENCH_UTIL_H
#define GW_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Decodes body with codec_json.c as /predict does (gw_json_decode_rows)
 * and copies its numbers into x (at most cap); returns how many. Exits on a
 * decode error. Rows decoded as a tree are walked into x, as request.c
 * does; a GW_ROWS matrix is already what /predict scores, so it is copied
 * only when copy_rows is set (to check its bits, not to time). */
static inline size_t bench_decode(const char *body, size_t len, double *x, size_t cap, int copy_rows)
{
    gw_arena a;
    gw_arena_init(&a);
    gw_val *root;
    char err[200];
    if (gw_json_decode_rows(body, len, &a, &root, err, sizeof err) != 0) {
        fprintf(stderr, "decode: %s\n", err);
        exit(1);
    }
    const gw_val *rows = gw_obj_get(root, "instances");
    size_t k = 0;
    if (rows == NULL) {
        const gw_val *f = gw_obj_get(root, "features");
        for (uint32_t c = 0; c < f->n && k < cap; c++)
            x[k++] = f->u.items[c].u.num;
    } else if (rows->type == GW_ROWS) {
        k = (size_t)rows->n * rows->u.rows->cols;
        if (k > cap)
            k = cap;
        if (copy_rows)
            memcpy(x, rows->u.rows->x, k * sizeof *x);
        else
            x[0] = rows->u.rows->x[k - 1];
    } else {
        for (uint32_t r = 0; r < rows->n; r++)
            for (uint32_t c = 0; c < rows->u.items[r].n && k < cap; c++)
                x[k++] = rows->u.items[r].u.items[c].u.num;
    }
    gw_arena_dispose(&a);
    return k;
}

#endif
