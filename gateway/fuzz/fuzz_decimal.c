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
 * as an array item and as a cell of /predict's rows path alike.
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

static void check(const char *text, size_t len)
{
    static const char head[] = "{\"instances\": [[1, ", tail[] = "]]}";
    char body[200];
    if (len + sizeof head + sizeof tail > sizeof body)
        return;
    body[0] = '[';
    memcpy(body + 1, text, len);
    body[len + 1] = ']';
    gw_arena a;
    gw_arena_init(&a);
    gw_val *root;
    char err[200];
    if (gw_json_decode(body, len + 2, &a, &root, err, sizeof err) == 0 && root->n == 1 &&
        root->u.items[0].type == GW_NUM && !isnan(root->u.items[0].u.num))
        against_strtod(text, len, root->u.items[0].u.num, "tree");
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
