/*
 * gw/codec.h -- bytes into values (codec_json.c, codec_msgpack.c) and the
 * one writer of JSON and msgpack answers.
 */
#ifndef GW_CODEC_H
#define GW_CODEC_H

#include "gw/value.h"

/* Decoders: the whole of data[0..len) must be one value (trailing bytes
 * other than JSON whitespace are an error). Values live in the arena; strings
 * and bins may point into data, which must outlive them. On error returns -1
 * and writes a message into err. Neither needs h2o. */
int gw_json_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen);
/* gw_json_decode for a /predict body: where the root object's "instances" or
 * "inputs" member is an array of one or more arrays of the same number (one
 * or more) of numbers (NaN and Infinity included, null not), that member is
 * a GW_ROWS value, its numbers read straight into a float64 matrix in the
 * arena instead of one gw_val each. Every other value, and every body it
 * refuses (with the same words), is exactly as gw_json_decode gives it. */
int gw_json_decode_rows(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen);
int gw_msgpack_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen);

/* Strict number parse for V2 BYTES elements ("5.1"): 0 on success. */
int gw_parse_number(const char *s, size_t n, double *out);

/* --------------------------------------------------------- answer writer */

/* Writes JSON or msgpack through one API, so answers are built once.
 * Containers take their element count up front (msgpack needs it). */
typedef struct gw_writer {
    int msgpack;
    gw_buf buf;
    int depth;
    uint8_t first[GW_MAX_DEPTH];
    int after_key;
} gw_writer;
void gw_w_init(gw_writer *w, int msgpack);
void gw_w_dispose(gw_writer *w);
void gw_w_map(gw_writer *w, uint32_t n);
void gw_w_arr(gw_writer *w, uint32_t n);
void gw_w_end(gw_writer *w); /* closes the innermost map/array */
void gw_w_key(gw_writer *w, const char *k);
void gw_w_str(gw_writer *w, const char *s, size_t n);
void gw_w_cstr(gw_writer *w, const char *s);
void gw_w_double(gw_writer *w, double x); /* non-finite -> null in JSON */
void gw_w_int(gw_writer *w, int64_t x);
void gw_w_bool(gw_writer *w, int b);
void gw_w_null(gw_writer *w);
void gw_w_bin(gw_writer *w, const void *p, size_t n); /* JSON: not allowed */
void gw_w_encoded(gw_writer *w, const void *p, size_t n); /* one value, already in w's encoding */
/* codec_msgpack.c provides the msgpack half of these. */
void gw_mp_map(gw_buf *b, uint32_t n);
void gw_mp_arr(gw_buf *b, uint32_t n);
void gw_mp_str(gw_buf *b, const char *s, size_t n);
void gw_mp_double(gw_buf *b, double x);
void gw_mp_int(gw_buf *b, int64_t x);
void gw_mp_bool(gw_buf *b, int v);
void gw_mp_nil(gw_buf *b);
void gw_mp_bin(gw_buf *b, const void *p, size_t n);

#endif
