/*
 * decimal.c -- the slow path of decimal.h: strtod on a number's text, for
 * the few numbers the inline paths cannot decide. The power-of-ten table
 * those paths use is decimal_pow10.c (generated).
 */
#include "decimal.h"

#include <stdlib.h>

int gw_decimal_strtod(const char *text, size_t len, double *out)
{
    char stackbuf[128];
    char *tmp = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
    if (tmp == NULL)
        return -1;
    memcpy(tmp, text, len);
    tmp[len] = 0;
    *out = strtod(tmp, NULL);
    if (tmp != stackbuf)
        free(tmp);
    return 0;
}
