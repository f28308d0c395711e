/*
 * json_decode_bench.c -- the measurement behind the gateway's choice of JSON
 * decoder (docs/GATEWAY.md, "JSON"): decode a request body and fill the
 * float64 input matrix, with our decoder (codec_json.c) and with Debian's
 * jansson (libjansson-dev, on Debian 12 and 13). Built by gateway/CMakeLists
 * only when jansson is installed (target gw_json_bench).
 *
 * Bodies: the seed's one-row request, and 1,000 rows x 30 features written
 * as Python's json.dumps writes float64s (repr: up to 17 digits).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

static double sink;

static int ours(const char *body, size_t len, double *x, size_t cap) { return (int)bench_decode(body, len, x, cap, 1); }

static int jans(const char *body, size_t len, double *x, size_t cap)
{
    json_error_t e;
    json_t *root = json_loadb(body, len, JSON_DECODE_INT_AS_REAL, &e);
    if (root == NULL) {
        fprintf(stderr, "jansson: %s\n", e.text);
        exit(1);
    }
    size_t k = 0;
    json_t *rows = json_object_get(root, "instances");
    if (rows == NULL) {
        json_t *f = json_object_get(root, "features");
        for (size_t c = 0; c < json_array_size(f) && k < cap; c++)
            x[k++] = json_number_value(json_array_get(f, c));
    } else {
        for (size_t r = 0; r < json_array_size(rows); r++) {
            json_t *row = json_array_get(rows, r);
            for (size_t c = 0; c < json_array_size(row) && k < cap; c++)
                x[k++] = json_number_value(json_array_get(row, c));
        }
    }
    json_decref(root);
    return (int)k;
}

static void run(const char *name, const char *body, size_t len, int iters)
{
    size_t cap = 40000;
    double *x1 = malloc(cap * sizeof(double)), *x2 = malloc(cap * sizeof(double));
    int n1 = ours(body, len, x1, cap), n2 = jans(body, len, x2, cap);
    if (n1 != n2 || memcmp(x1, x2, (size_t)n1 * sizeof(double)) != 0) {
        fprintf(stderr, "%s: decoders disagree\n", name);
        exit(1);
    }
    double best[2] = {1e9, 1e9};
    for (int round = 0; round < 5; round++) {
        double t0 = bench_now();
        for (int i = 0; i < iters; i++)
            sink += ours(body, len, x1, cap);
        double t1 = bench_now();
        for (int i = 0; i < iters; i++)
            sink += jans(body, len, x2, cap);
        double t2 = bench_now();
        if ((t1 - t0) < best[0])
            best[0] = t1 - t0;
        if ((t2 - t1) < best[1])
            best[1] = t2 - t1;
    }
    printf("%-28s %7zu bytes  ours %9.2f us  jansson %9.2f us  (%.1fx)  ours %.0f MB/s\n", name, len,
           best[0] / iters * 1e6, best[1] / iters * 1e6, best[1] / best[0], len * iters / best[0] / 1e6);
    free(x1);
    free(x2);
}

int main(void)
{
    static const char one[] = "{\"features\": [5.1, 3.5, 1.4, 0.2]}";
    run("seed, 1 row x 4", one, sizeof one - 1, 200000);
    gw_buf b;
    gw_buf_init(&b);
    srand(1);
    gw_buf_puts(&b, "{\"instances\": [");
    for (int r = 0; r < 1000; r++) {
        gw_buf_puts(&b, r ? ", [" : "[");
        for (int c = 0; c < 30; c++) {
            double v = (rand() / (double)RAND_MAX - 0.5) * 200;
            if (c)
                gw_buf_puts(&b, ", ");
            gw_buf_double(&b, v);
        }
        gw_buf_puts(&b, "]");
    }
    gw_buf_puts(&b, "]}");
    run("1000 rows x 30, repr floats", b.p, b.len, 50);
    gw_buf_dispose(&b);
    gw_buf_init(&b);
    gw_buf_puts(&b, "{\"instances\": [");
    for (int r = 0; r < 1000; r++) {
        gw_buf_puts(&b, r ? ", [" : "[");
        for (int c = 0; c < 30; c++)
            gw_buf_printf(&b, "%s%.2f", c ? ", " : "", (rand() / (double)RAND_MAX) * 100);
        gw_buf_puts(&b, "]");
    }
    gw_buf_puts(&b, "]}");
    run("1000 rows x 30, 2 decimals", b.p, b.len, 50);
    gw_buf_dispose(&b);
    return sink == 0.12345;
}
