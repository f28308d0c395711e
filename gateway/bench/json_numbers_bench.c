/*
 * json_numbers_bench.c -- how long the gateway's JSON decoder takes on
 * bodies of numbers, decoded into the float64 matrix /predict scores
 * (bench_util.h). Built twice by gateway/CMakeLists.txt: as
 * gw_json_numbers_bench, and as gw_json_numbers_bench_strtod with
 * GW_DECIMAL_STRTOD_ONLY (decimal.c without its Eisel-Lemire path: what
 * the decoder did before it). bench/bench_json_numbers.py runs both and
 * prints the ratio.
 *
 * Prints one line per body: name, bytes, numbers, best microseconds per
 * decode over 7 rounds, and an FNV-1a hash of every decoded bit so that the
 * two builds can be checked to agree. An argument runs only the bodies
 * whose name contains it (for a profiler).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"


static const char *only; /* argv[1]: run only the bodies whose name holds it */

static void run(const char *name, const gw_buf *b, int iters)
{
    if (only != NULL && strstr(name, only) == NULL)
        return;
    size_t cap = 1000 * 30;
    double *x = malloc(cap * sizeof(double));
    size_t n = bench_decode(b->p, b->len, x, cap, 1);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n * sizeof(double); i++)
        h = (h ^ ((const unsigned char *)x)[i]) * 1099511628211ull;
    double best = 1e9, sink = 0;
    for (int round = 0; round < 7; round++) {
        double t0 = bench_now();
        for (int i = 0; i < iters; i++)
            sink += (double)bench_decode(b->p, b->len, x, cap, 0) + x[i % n];
        double t = (bench_now() - t0) / iters;
        if (t < best)
            best = t;
    }
    printf("%s\t%zu\t%zu\t%.2f\t%016llx\n", name, b->len, n, best * 1e6, (unsigned long long)h);
    if (sink == 0.5)
        puts("");
    free(x);
}

/* 1,000 rows x 30 columns; fmt NULL writes each number as Python's repr
 * (shortest round-trip, up to 17 significant digits). */
static void body(gw_buf *b, const char *fmt, double scale, unsigned seed)
{
    srand(seed);
    gw_buf_init(b);
    gw_buf_puts(b, "{\"instances\": [");
    for (int r = 0; r < 1000; r++) {
        gw_buf_puts(b, r ? ", [" : "[");
        for (int c = 0; c < 30; c++) {
            double v = (rand() / (double)RAND_MAX - 0.5) * scale;
            if (c)
                gw_buf_puts(b, ", ");
            if (fmt)
                gw_buf_printf(b, fmt, v);
            else
                gw_buf_double(b, v);
        }
        gw_buf_puts(b, "]");
    }
    gw_buf_puts(b, "]}");
}

int main(int argc, char **argv)
{
    gw_buf b;
    only = argc > 1 ? argv[1] : NULL;
    body(&b, NULL, 200, 1);
    run("1000x30 repr floats (json.dumps)", &b, 100);
    gw_buf_dispose(&b);
    body(&b, NULL, 2e-3, 2);
    run("1000x30 repr floats, small", &b, 100);
    gw_buf_dispose(&b);
    body(&b, "%.2f", 200, 3);
    run("1000x30 two decimals", &b, 100);
    gw_buf_dispose(&b);
    body(&b, "%.0f", 2e6, 4);
    run("1000x30 integers", &b, 100);
    gw_buf_dispose(&b);
    return 0;
}
