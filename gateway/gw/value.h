/*
 * gw/value.h -- the byte buffer answers are written into, the request's
 * arena, and the decoded-value tree both decoders build (value.c).
 */
#ifndef GW_VALUE_H
#define GW_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* ----------------------------------------------------------- byte buffer */

typedef struct gw_buf {
    char *p;
    size_t len, cap;
    int oom;
} gw_buf;
void gw_buf_init(gw_buf *b);
void gw_buf_dispose(gw_buf *b);
void gw_buf_put(gw_buf *b, const void *p, size_t n);
void gw_buf_puts(gw_buf *b, const char *s);
void gw_buf_printf(gw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON string literal of s[0..n) (quotes included). */
void gw_buf_json_str(gw_buf *b, const char *s, size_t n);
/* A float64 the way Python's repr() writes it (shortest round-trip digits,
 * "1.0", "1e-05", "1e+16"); NaN/inf as "NaN"/"Infinity"/"-Infinity" like
 * Python's json.dumps (callers decide whether to allow them). */
void gw_buf_double(gw_buf *b, double x);
/* Same into a char array of at least 32 bytes; returns the length. */
int gw_format_double(char *out, double x);

/* ------------------------------------------------- decoded request values */

typedef struct gw_arena_blk gw_arena_blk;
typedef struct gw_arena {
    gw_arena_blk *head;
    size_t total; /* bytes handed out, for limits */
} gw_arena;
void gw_arena_init(gw_arena *a);
void gw_arena_dispose(gw_arena *a);
/* 16-byte aligned; NULL when out of memory. */
void *gw_arena_alloc(gw_arena *a, size_t n);

typedef enum gw_type {
    GW_NULL = 0,
    GW_BOOL,
    GW_NUM,
    GW_STR,
    GW_ARR,
    GW_OBJ,
    GW_BIN, /* msgpack bin: raw bytes */
    GW_ROWS /* n rows of u.rows->cols numbers, from gw_json_decode_rows only */
} gw_type;

enum { GW_F_INT = 1 /* the number was written as an integer */ };

typedef struct gw_member gw_member;
/* An array of arrays of numbers as the float64 matrix it stands for:
 * row-major, n (the gw_val's) rows of cols >= 1 numbers. */
typedef struct gw_rows {
    const double *x;
    uint32_t cols;
} gw_rows;
typedef struct gw_val {
    uint8_t type;
    uint8_t flags;
    uint32_t n; /* string/bin bytes, array items, object members */
    union {
        double num;
        int b;
        const char *s; /* not NUL-terminated */
        const uint8_t *bin;
        struct gw_val *items;
        gw_member *mem;
        const gw_rows *rows;
    } u;
} gw_val;

struct gw_member {
    const char *key; /* not NUL-terminated */
    uint32_t klen;
    gw_val val;
};

/* The last member named key (as Python's json keeps the last duplicate). */
const gw_val *gw_obj_get(const gw_val *obj, const char *key);
int gw_str_eq(const gw_val *v, const char *s);
const char *gw_type_name(int type);

/* Limits every decoder applies. */
#define GW_MAX_DEPTH 64
#define GW_MAX_NUMBER_CHARS 1100

#endif
