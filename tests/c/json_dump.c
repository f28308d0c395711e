/*
 * json_dump.c -- decodes stdin with the gateway's JSON (or, with -m,
 * msgpack; with -r, JSON as /predict reads it: gw_json_decode_rows) decoder
 * and prints every number, in document order, as the hex of its float64
 * bits, one per line; "error: ..." and exit 1 if the body is rejected. With
 * -r, each array read as a matrix is also named on stderr ("rows: R x C").
 * tests/gateway/test_tls_and_json.py compares this with Python's json
 * module.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"

static void print_num(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    printf("%016" PRIx64 "\n", u);
}

static void walk(const gw_val *v)
{
    if (v->type == GW_NUM) {
        print_num(v->u.num);
    } else if (v->type == GW_ROWS) {
        fprintf(stderr, "rows: %u x %u\n", v->n, v->u.rows->cols);
        for (size_t i = 0; i < (size_t)v->n * v->u.rows->cols; i++)
            print_num(v->u.rows->x[i]);
    } else if (v->type == GW_ARR) {
        for (uint32_t i = 0; i < v->n; i++)
            walk(&v->u.items[i]);
    } else if (v->type == GW_OBJ) {
        for (uint32_t i = 0; i < v->n; i++)
            walk(&v->u.mem[i].val);
    }
}

int main(int argc, char **argv)
{
    int mp = argc > 1 && strcmp(argv[1], "-m") == 0, rows = argc > 1 && strcmp(argv[1], "-r") == 0;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    gw_arena a;
    gw_arena_init(&a);
    gw_val *root;
    char err[300];
    int rc = mp     ? gw_msgpack_decode(buf, len, &a, &root, err, sizeof err)
             : rows ? gw_json_decode_rows(buf, len, &a, &root, err, sizeof err)
                    : gw_json_decode(buf, len, &a, &root, err, sizeof err);
    if (rc != 0) {
        printf("error: %s\n", err);
        return 1;
    }
    walk(root);
    return 0;
}
