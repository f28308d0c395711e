/*
 * decimal.h -- decimal to float64, correctly rounded, for the request
 * decoders. The caller has already checked the syntax and split the number
 * into its significant digits and decimal exponent; this turns them into
 * the float64 Python's float() would give for the same text. Depends on
 * nothing but libc.
 */
#ifndef GW_DECIMAL_H
#define GW_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* *out = the float64 nearest to (-1)^neg * w * 10^q (ties to even), as
 * strtod and Python's float() round it. `w` holds the first 19 significant
 * digits at most; `truncated` says digits were dropped after them (then
 * only `text` is exact). `text`/`len` is the number as written (JSON
 * syntax, already checked), read by strtod when the fast paths cannot
 * decide. Overflow gives +-inf, as strtod does. Returns 0, or -1 when a
 * number over 127 characters needed a buffer and malloc failed. */
int gw_decimal_to_double(uint64_t w, int q, int neg, int truncated, const char *text, size_t len, double *out);

/* The Eisel-Lemire step alone, exposed for the fuzz target: 1 and *out set
 * when w * 10^q (w != 0) is decided by the 128-bit product and is a normal
 * float64; 0 when the caller must fall back. */
int gw_decimal_eisel_lemire(uint64_t w, int q, int neg, double *out);

#endif
