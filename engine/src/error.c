/*
 * error.c -- error codes, their texts, and filling a caller's sks_error.
 *
 * The codes and texts come from the one SKS_ERRNO_MAP list in skscore.h.
 * No global or thread-local state: errors travel in the caller's struct.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *sks_strerror(int code)
{
    switch (code) {
    case SKS_OK:
        return "success";
#define X(name, value, text) \
    case SKS_E##name:        \
        return text;
        SKS_ERRNO_MAP(X)
#undef X
    }
    return "unknown error";
}

const char *sks_errname(int code)
{
    switch (code) {
    case SKS_OK:
        return "SKS_OK";
#define X(name, value, text) \
    case SKS_E##name:        \
        return "SKS_E" #name;
        SKS_ERRNO_MAP(X)
#undef X
    }
    return "SKS_EUNKNOWN";
}

void sks__error_clear(sks_error *err)
{
    if (err == NULL)
        return;
    err->code = SKS_OK;
    err->offset = -1;
    err->row = -1;
    err->column = -1;
    err->message[0] = '\0';
}

/* Messages quote bytes from untrusted files: keep them valid UTF-8 text
 * (callers put them in Python strings and JSON) by turning control bytes
 * and broken sequences into '?'. */
static void sanitize(char *msg)
{
    size_t len = strlen(msg);
    unsigned char *p = (unsigned char *)msg, *e = p + len;
    while (p < e) {
        size_t n = sks_utf8_seq((const char *)p, (size_t)(e - p));
        if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

int sks__failv(sks_error *err, int code, const char *fmt, va_list ap)
{
    if (err != NULL) {
        err->code = code;
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        sanitize(err->message);
    }
    return code;
}

int sks__fail(sks_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sks__failv(err, code, fmt, ap);
    va_end(ap);
    return code;
}
