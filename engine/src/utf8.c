/*
 * utf8.c -- the one UTF-8 checker: the engine's model strings and error
 * messages, and the gateway's JSON and msgpack decoders, all use it.
 *
 * Well-formed means RFC 3629: the shortest form of each code point, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. A checker that let
 * one of those through would let a model file or a request carry text that
 * Python's str or a JSON encoder refuses later, far from where it entered.
 * Knows nothing of models; depends on nothing.
 */
#include "skscore.h"

size_t sks_utf8_seq(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0; /* a continuation byte, an overlong 2-byte lead, or past U+10FFFF */
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int sks_utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = sks_utf8_seq(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}
