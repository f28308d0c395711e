/*
 * fuzz_decode.c -- libFuzzer target for the gateway's request decoders.
 *
 * Built twice: -DGW_FUZZ_MSGPACK selects the msgpack decoder, otherwise
 * JSON. Each input is decoded; a decoded tree is written back out with the
 * answer writer in both formats, and the msgpack rendering must decode
 * again (the writer and the decoder agree). Links only the h2o-free core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw.h"

static void emit(gw_writer *w, const gw_val *v, int depth)
{
    switch (v->type) {
    case GW_NULL: gw_w_null(w); break;
    case GW_BOOL: gw_w_bool(w, v->u.b); break;
    case GW_NUM: gw_w_double(w, v->u.num); break;
    case GW_STR: gw_w_str(w, v->u.s, v->n); break;
    case GW_BIN: gw_w_bin(w, v->u.bin, v->n); break;
    case GW_ARR:
        gw_w_arr(w, v->n);
        for (uint32_t i = 0; i < v->n; i++)
            emit(w, &v->u.items[i], depth + 1);
        gw_w_end(w);
        break;
    case GW_OBJ: {
        gw_w_map(w, v->n);
        char key[64];
        for (uint32_t i = 0; i < v->n; i++) {
            /* keys as C strings: clip and stop at NUL */
            size_t n = v->u.mem[i].klen < sizeof key - 1 ? v->u.mem[i].klen : sizeof key - 1;
            while (n > 0 && n < v->u.mem[i].klen && ((unsigned char)v->u.mem[i].key[n] & 0xc0) == 0x80)
                n--; /* clip on a UTF-8 boundary */
            memcpy(key, v->u.mem[i].key, n);
            key[n] = 0;
            gw_w_key(w, key);
            emit(w, &v->u.mem[i].val, depth + 1);
        }
        gw_w_end(w);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_arena a;
    gw_arena_init(&a);
    gw_val *root;
    char err[300];
#ifdef GW_FUZZ_MSGPACK
    int rc = gw_msgpack_decode((const char *)data, size, &a, &root, err, sizeof err);
#else
    int rc = gw_json_decode((const char *)data, size, &a, &root, err, sizeof err);
#endif
    if (rc == 0) {
        gw_writer w;
        gw_w_init(&w, 0);
        emit(&w, root, 0);
        gw_w_dispose(&w);
        gw_w_init(&w, 1);
        emit(&w, root, 0);
        if (!w.buf.oom) {
            gw_arena b;
            gw_arena_init(&b);
            gw_val *again;
            if (gw_msgpack_decode(w.buf.p, w.buf.len, &b, &again, err, sizeof err) != 0) {
                fprintf(stderr, "re-encoded msgpack does not decode: %s\n", err);
                abort();
            }
            gw_arena_dispose(&b);
        }
        gw_w_dispose(&w);
    } else if (strlen(err) == 0) {
        abort(); /* every failure says why */
    }
    gw_arena_dispose(&a);
    return 0;
}
