/*
 * format.h -- what the model file's reader and writer share: the preamble's
 * layout and the names the file gives the engine's enums (format.c).
 *
 * Included by format.c, format_read.c, format_write.c and load.c only.
 */
#ifndef SKS_FORMAT_H
#define SKS_FORMAT_H

#include "internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "skscore stores arrays little-endian and copies them as is: port the array reader first"
#endif

/* The preamble: magic (8 bytes), format major and minor (2 + 2), flags
 * (4), body length (8), SHA-256 of the body (32). */
extern const uint8_t sks__magic[8];
enum { SKS__PREAMBLE = 56, SKS__MAX_BODY = 1 << 30 };

enum { SKS__N_LINKS = 14 };
extern const char *const sks__link_names[SKS__N_LINKS];
extern const char *const sks__agg_names[3];
extern const char *const sks__cmp_names[4];
extern const char *const sks__cat_rule_names[3];
/* and the steps' names: internal.h (model.c's messages use them too) */

static inline void sks__put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t sks__get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* format_read.c: checks a file's bytes (preamble, version, checksum) and
 * reads its body into a description, then hands it to use() -- the
 * description's arrays live only until use() returns. Returns use()'s
 * result, or the reading error. */
typedef int (*sks__desc_use)(const sks_desc *d, const char *producer_version, int format_minor,
                             const char *checksum_hex, void *ctx, sks_error *err);
int sks__format_read(const void *data, size_t len, sks__desc_use use, void *ctx, sks_error *err);

#endif
