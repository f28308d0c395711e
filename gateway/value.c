/*
 * value.c -- the decoded-value tree, its arena, and the byte buffer answers
 * are written into.
 *
 * Both request decoders (codec_json.c, codec_msgpack.c) produce the same
 * gw_val tree, so the request shapes are interpreted once (request.c). A
 * request's values live in one arena freed with the request. This file also
 * owns number formatting: floats are written as Python's repr() writes them,
 * so answers match what the seed's Flask app (json.dumps) returned.
 * No h2o here.
 */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/value.h"

/* ---------------------------------------------------------------- arena */

struct gw_arena_blk {
    gw_arena_blk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK 16384

void gw_arena_init(gw_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void gw_arena_dispose(gw_arena *a)
{
    gw_arena_blk *b = a->head;
    while (b != NULL) {
        gw_arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *gw_arena_alloc(gw_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    gw_arena_blk *b = a->head;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        if (b != NULL && cap == ARENA_BLOCK && b->cap >= ARENA_BLOCK)
            cap = b->cap * 2 > (1u << 20) ? (1u << 20) : b->cap * 2;
        if (cap < n)
            cap = n;
        gw_arena_blk *nb = malloc(sizeof(*nb) + cap);
        if (nb == NULL)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b != NULL && n > ARENA_BLOCK / 2 && b->cap - b->used >= ARENA_BLOCK / 4) {
            /* A big one-off: keep filling the current block afterwards. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

/* ---------------------------------------------------------------- values */

const gw_val *gw_obj_get(const gw_val *obj, const char *key)
{
    if (obj == NULL || obj->type != GW_OBJ)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = obj->n; i-- > 0;) {
        const gw_member *m = &obj->u.mem[i];
        if (m->klen == kl && memcmp(m->key, key, kl) == 0)
            return &m->val;
    }
    return NULL;
}

int gw_str_eq(const gw_val *v, const char *s)
{
    size_t n = strlen(s);
    return v != NULL && v->type == GW_STR && v->n == n && memcmp(v->u.s, s, n) == 0;
}

const char *gw_type_name(int type)
{
    switch (type) {
    case GW_NULL: return "null";
    case GW_BOOL: return "a boolean";
    case GW_NUM: return "a number";
    case GW_STR: return "a string";
    case GW_ARR:
    case GW_ROWS: return "an array";
    case GW_OBJ: return "an object";
    case GW_BIN: return "binary data";
    }
    return "?";
}

int gw_parse_number(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    /* JSON grammar, plus Python's NaN/Infinity spellings. */
    char *end;
    size_t i = 0;
    if (tmp[i] == '-' || tmp[i] == '+')
        i++;
    if (strcmp(tmp + i, "NaN") == 0 || strcmp(tmp + i, "nan") == 0) {
        *out = NAN;
        return 0;
    }
    if (strcmp(tmp + i, "Infinity") == 0 || strcmp(tmp + i, "inf") == 0) {
        *out = tmp[0] == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    for (size_t j = i; j < n; j++) {
        char c = tmp[j];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'))
            return -1;
    }
    double x = strtod(tmp, &end);
    if (end != tmp + n || i == n)
        return -1;
    *out = x;
    return 0;
}

/* --------------------------------------------------------------- buffer */

void gw_buf_init(gw_buf *b)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void gw_buf_dispose(gw_buf *b)
{
    free(b->p);
    gw_buf_init(b);
}

static int grow(gw_buf *b, size_t n)
{
    if (b->cap - b->len >= n)
        return 0;
    if (b->oom)
        return -1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void gw_buf_put(gw_buf *b, const void *p, size_t n)
{
    if (grow(b, n) != 0)
        return;
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void gw_buf_puts(gw_buf *b, const char *s) { gw_buf_put(b, s, strlen(s)); }

void gw_buf_printf(gw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        gw_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (grow(b, (size_t)n + 1) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gw_buf_json_str(gw_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (grow(b, n + 2) != 0)
        return;
    b->p[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        gw_buf_put(b, s + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        }
        gw_buf_put(b, esc, el);
    }
    gw_buf_put(b, s + run, n - run);
    gw_buf_put(b, "\"", 1);
}

/* Shortest digits that read back as x (DBL_DIG = 15 makes the 15-digit
 * rendering exact whenever any rendering of 15 or fewer digits round-trips;
 * at 16 and 17 the correctly rounded rendering is the closest candidate),
 * then laid out by Python's float_repr rules: exponent form when the
 * decimal point falls before -4 or after 16 digits. */
int gw_format_double(char *out, double x)
{
    if (isnan(x))
        return sprintf(out, "NaN");
    if (isinf(x))
        return sprintf(out, x < 0 ? "-Infinity" : "Infinity");
    if (x == 0)
        return sprintf(out, signbit(x) ? "-0.0" : "0.0");
    char tmp[40];
    int prec;
    for (prec = 14; prec <= 16; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, x);
        if (prec == 16 || strtod(tmp, NULL) == x)
            break;
    }
    /* tmp: [-]d.ddddde[+-]XX */
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    char digits[24];
    int nd = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int decpt = exp10 + 1; /* value = 0.digits * 10^decpt */
    char *o = out;
    if (neg)
        *o++ = '-';
    if (decpt <= -4 || decpt > 16) {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (decpt <= 0) {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -decpt; i++)
            *o++ = '0';
        memcpy(o, digits, (size_t)nd);
        o += nd;
    } else {
        for (int i = 0; i < decpt; i++)
            *o++ = i < nd ? digits[i] : '0';
        *o++ = '.';
        if (nd > decpt) {
            memcpy(o, digits + decpt, (size_t)(nd - decpt));
            o += nd - decpt;
        } else {
            *o++ = '0';
        }
    }
    *o = 0;
    return (int)(o - out);
}

void gw_buf_double(gw_buf *b, double x)
{
    char tmp[40];
    int n = gw_format_double(tmp, x);
    gw_buf_put(b, tmp, (size_t)n);
}
