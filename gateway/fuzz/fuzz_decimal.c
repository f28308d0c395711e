/*
 * fuzz_decimal.c -- libFuzzer target: the JSON decoder's numbers against
 * glibc's strtod, bit for bit.
 *
 * Each input is made into a number two ways: its bytes mapped onto the
 * characters of a JSON number ("0-9.eE+-", so most inputs are near-numbers
 * the decoder must refuse or read exactly), and, from its first 10 bytes,
 * a significand of up to 19 digits with a decimal exponent (the
 * Eisel-Lemire path's whole domain, near-halfway cases included). Whatever
 * the decoder accepts must equal strtod's reading of the same text, read
 * as an array item and as a cell of /predict's rows path alike, and the
 * decoder's two readers of numbers must agree (check).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "gw.h"

static void against_strtod(const char *text, size_t len, double got, const char *path)
{
    char tmp[160];
    memcpy(tmp, text, len);
    tmp[len] = 0;
    double want = strtod(tmp, NULL);
    if (memcmp(&want, &got, sizeof got) != 0 && !(isinf(want) && isinf(got))) {
        fprintf(stderr, "%s: decoder (%s) %a, strtod %a\n", tmp, path, got, want);
        abort();
    }
}

/* The decoder reads a number with room around it in one SSE2 pass
 * (codec_json.c, number_sse2), one near either end of the body byte by
 * byte: each text is read as an array item both ways (tight, then with 40
 * spaces each side), and the two must accept it alike, to the same bits, or
 * refuse it in the same words. */
static int item(const char *text, size_t len, size_t pad, gw_arena *a, double *x, char *err, size_t errlen)
{
    char body[300];
    memset(body, ' ', pad);
    body[pad] = '[';
    memcpy(body + pad + 1, text, len);
    body[pad + 1 + len] = ']';
    memset(body + pad + 2 + len, ' ', pad);
    gw_val *root;
    if (gw_json_decode(body, 2 * pad + len + 2, a, &root, err, errlen) != 0)
        return -1;
    if (root->n != 1 || root->u.items[0].type != GW_NUM)
        return 1;
    *x = root->u.items[0].u.num;
    return 0;
}

/* A refusal's words without its byte offset. */
static const char *reason(const char *err)
{
    const char *c = strchr(err, ':');
    return c ? c : err;
}

static void check(const char *text, size_t len)
{
    static const char head[] = "{\"instances\": [[1, ", tail[] = "]]}                                ";
    char body[200], err[200], perr[200];
    if (len + sizeof head + sizeof tail > sizeof body)
        return;
    gw_arena a;
    gw_arena_init(&a);
    double x, px;
    int rc = item(text, len, 0, &a, &x, err, sizeof err), prc = item(text, len, 40, &a, &px, perr, sizeof perr);
    if (rc != prc || (rc == 0 && memcmp(&x, &px, sizeof x) != 0) ||
        (rc < 0 && strcmp(reason(err), reason(perr)) != 0)) {
        fprintf(stderr, "%.*s: tight %d %a %s, padded %d %a %s\n", (int)len, text, rc, rc ? 0 : x, rc < 0 ? err : "",
                prc, prc ? 0 : px, prc < 0 ? perr : "");
        abort();
    }
    if (rc == 0 && !isnan(x))
        against_strtod(text, len, x, "tree");
    gw_val *root;
    size_t n = sizeof head - 1;
    memcpy(body, head, n);
    memcpy(body + n, text, len);
    memcpy(body + n + len, tail, sizeof tail - 1);
    if (gw_json_decode_rows(body, n + len + sizeof tail - 1, &a, &root, err, sizeof err) == 0 &&
        root->u.mem[0].val.type == GW_ROWS && !isnan(root->u.mem[0].val.u.rows->x[1]))
        against_strtod(text, len, root->u.mem[0].val.u.rows->x[1], "rows");
    gw_arena_dispose(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char alphabet[] = "0123456789012345678901234567890123456789.eE+-";
    char text[130];
    size_t n = size < 128 ? size : 128;
    for (size_t i = 0; i < n; i++)
        text[i] = alphabet[data[i] % (sizeof alphabet - 1)];
    check(text, n);

    if (size >= 10) {
        uint64_t w;
        int16_t q;
        memcpy(&w, data, 8);
        memcpy(&q, data + 8, 2);
        w %= 10000000000000000000u;
        int len = snprintf(text, sizeof text, "%s%llue%d", (data[0] & 1) ? "-" : "", (unsigned long long)w,
                           q % 700);
        check(text, (size_t)len);
        double x;
        if (gw_decimal_eisel_lemire(w, q % 700, data[0] & 1, &x)) {
            double want = strtod(text, NULL);
            if (memcmp(&want, &x, sizeof x) != 0) {
                fprintf(stderr, "%s: Eisel-Lemire %a, strtod %a\n", text, x, want);
                abort();
            }
        }
    }
    return 0;
}
