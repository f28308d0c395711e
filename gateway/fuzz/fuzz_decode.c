/*
 * fuzz_decode.c -- libFuzzer target for the gateway's request decoders and
 * request shapes.
 *
 * Built three times: -DGW_FUZZ_MSGPACK selects the msgpack decoder,
 * otherwise JSON; -DGW_FUZZ_ROWS makes each input into a JSON body of
 * rows first (its bytes mapped onto number and row pieces after
 * {"instances": [), so that most inputs reach the rows path. A JSON input
 * is decoded both ways, gw_json_decode and /predict's gw_json_decode_rows:
 * they must refuse it in the same words, or give both models the same
 * request -- the same refusal, or the same matrix to the bit. Each input is
 * decoded; a decoded tree is written back out with the
 * answer writer in both formats, and the msgpack rendering must decode
 * again (the writer and the decoder agree). The tree is then a /predict
 * body (and the JSON input a V2 infer header) for two models: a tree over
 * two numeric features, and a pipeline with a string, a numeric and an
 * ignored column (tests/c/fixtures.h); what parses is scored and
 * answered. Every refusal must say why. Links only the h2o-free core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "gw.h"


static gw_model *models[2];

static void add_model(const char *name, const sks_desc *d, char *path)
{
    sks_error err;
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0 || sks_desc_save(d, path, &err) != 0 || gw_registry_add(name, path) < 0) {
        fprintf(stderr, "cannot write the %s model to %s\n", name, path);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char paths[2][32] = {"/tmp/fuzz_gw_tree_XXXXXX", "/tmp/fuzz_gw_str_XXXXXX"};
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc tree = fx_classifier(&t.tree, 1);
    static fx_strings str;
    fx_strings_init(&str);
    gw_log_level = GW_LOG_ERROR;
    add_model("tree", &tree, paths[0]);
    add_model("strings", &str.d, paths[1]);
    if (gw_registry_load_all() != 0)
        abort();
    for (int i = 0; i < 2; i++) {
        unlink(paths[i]);
        models[i] = gw_model_acquire(i);
    }
    return 0;
}

static void check_refusal(const gw_err *e)
{
    if (e->status < 400 || e->msg[0] == 0)
        abort(); /* every refusal has a status and says why */
}

static void request(const gw_val *root, const char *data, size_t size, gw_arena *a)
{
    gw_limits lim = {1000};
    for (int i = 0; i < 2; i++) {
        const gw_model *m = models[i];
        gw_batch b;
        gw_scores s;
        gw_err e = {0};
        if (gw_parse_predict(root, m, 0, NULL, 0, &lim, a, &b, &e) != 0 || gw_score(m, &b, a, &s, &e) != 0) {
            check_refusal(&e);
        } else {
            gw_writer w;
            gw_w_init(&w, i);
            gw_answer_predict(&w, m, &b, &s, 0);
            gw_w_dispose(&w);
        }
#ifndef GW_FUZZ_MSGPACK
        gw_v2_answer ans;
        memset(&ans, 0, sizeof ans);
        gw_buf_init(&ans.json);
        gw_buf_init(&ans.bin);
        e = (gw_err){0};
        if (gw_v2_infer(m, data, size, "", 0, &lim, a, &ans, &e) != 0)
            check_refusal(&e);
        gw_buf_dispose(&ans.json);
        gw_buf_dispose(&ans.bin);
#else
        (void)data;
        (void)size;
#endif
    }
}

#ifndef GW_FUZZ_MSGPACK
static void differ(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "rows path and tree differ: %s\n  tree: %s\n  rows: %s\n", what, a, b);
    abort();
}

/* The two parsed requests score the same input. */
static void same_batch(const gw_batch *t, const gw_batch *r)
{
    if (t->single != r->single || t->outputs != r->outputs || t->X.n_rows != r->X.n_rows ||
        t->X.n_cols != r->X.n_cols || t->X.dtype != r->X.dtype || t->T.n_rows != r->T.n_rows ||
        t->T.n_cols != r->T.n_cols)
        differ("batch shape", "", "");
    for (int64_t i = 0; i < t->X.n_rows; i++)
        for (int64_t c = 0; c < t->X.n_cols; c++) {
            const char *pt = (const char *)t->X.data + i * t->X.row_stride + c * t->X.col_stride;
            const char *pr = (const char *)r->X.data + i * r->X.row_stride + c * r->X.col_stride;
            if (memcmp(pt, pr, t->X.dtype == SKS_F64 ? 8 : 4) != 0)
                differ("a value of X", "", "");
        }
    for (int64_t c = 0; c < t->T.n_cols; c++) {
        const sks_column *ct = &t->T.cols[c], *cr = &r->T.cols[c];
        if (ct->kind != cr->kind)
            differ("a column's kind", "", "");
        for (int64_t i = 0; i < t->T.n_rows; i++) {
            if (ct->kind == SKS_COL_STR) {
                /* the same text: a string with escapes is a copy in each
                 * decode's arena, NULL (NaN) and SKS_STR_NONE are markers */
                const char *st = ct->str[i], *sr = cr->str[i];
                int marker = st == NULL || sr == NULL || st == SKS_STR_NONE || sr == SKS_STR_NONE;
                if (ct->len[i] != cr->len[i] || (marker ? st != sr : memcmp(st, sr, ct->len[i]) != 0))
                    differ("a string cell", "", "");
            } else if (memcmp((const char *)ct->data + i * ct->stride, (const char *)cr->data + i * cr->stride, 8) !=
                       0) {
                differ("a number cell", "", "");
            }
        }
    }
}

/* gw_json_decode_rows against gw_json_decode (rc, err, root: its result). */
static void same_as_tree(const char *data, size_t size, int rc, const char *err, const gw_val *root, gw_arena *a)
{
    gw_val *rroot;
    char rerr[300];
    int rrc = gw_json_decode_rows(data, size, a, &rroot, rerr, sizeof rerr);
    if (rrc != rc)
        differ("one refused the body", rc ? err : "accepted", rrc ? rerr : "accepted");
    if (rc != 0) {
        if (strcmp(err, rerr) != 0)
            differ("the refusal", err, rerr);
        return;
    }
    gw_limits lim = {1000};
    for (int i = 0; i < 2; i++)
        for (int v1 = 0; v1 < 2; v1++) {
            gw_batch bt, br;
            gw_err et = {0}, er = {0};
            int t = gw_parse_predict(root, models[i], v1, NULL, 0, &lim, a, &bt, &et);
            int r = gw_parse_predict(rroot, models[i], v1, NULL, 0, &lim, a, &br, &er);
            if (t != r || et.status != er.status || strcmp(et.msg, er.msg) != 0)
                differ("the request", t ? et.msg : "parsed", r ? er.msg : "parsed");
            if (t == 0)
                same_batch(&bt, &br);
        }
}
#endif

#ifdef GW_FUZZ_ROWS
/* A body of rows from the input: its first byte picks the member, each
 * other byte a piece (mostly digits, so numbers run long). */
static size_t rows_body(const uint8_t *data, size_t size, char *out, size_t cap)
{
    static const char *const piece[] = {
        ".",   "e",   "E",   "-",   "+",    ",",    ", ",       "[", "]",      "], [", " ",    "\n", "NaN", "null",
        "0",   "00",  "\"a\"", "{}",  "true", "1e400", "Infinity", "]]", "1.5e-7", "0.1",  "-0.0", "9007199254740993"};
    static const char *const head[] = {"{\"instances\": [", "{\"inputs\": [", "{\"outputs\": [\"predict\"], \"instances\": [",
                                       "{\"instances\": 1, \"instances\": ["};
    size_t n = 0;
    const char *h = head[size > 0 ? data[0] % 4 : 0];
    size_t hl = strlen(h);
    memcpy(out, h, hl);
    n = hl;
    for (size_t i = 1; i < size && n + 24 < cap; i++) {
        unsigned k = data[i] % 64;
        if (k < 38) {
            out[n++] = (char)('0' + k % 10);
        } else {
            const char *p = piece[k - 38];
            size_t l = strlen(p);
            memcpy(out + n, p, l);
            n += l;
        }
    }
    memcpy(out + n, "]}", 2);
    return n + 2;
}
#endif

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
#ifdef GW_FUZZ_ROWS
    static char body[1 << 16];
    size = rows_body(data, size, body, sizeof body);
    data = (const uint8_t *)body;
#endif
    gw_arena a;
    gw_arena_init(&a);
    gw_val *root;
    char err[300];
#ifdef GW_FUZZ_MSGPACK
    int rc = gw_msgpack_decode((const char *)data, size, &a, &root, err, sizeof err);
#else
    int rc = gw_json_decode((const char *)data, size, &a, &root, err, sizeof err);
    same_as_tree((const char *)data, size, rc, err, root, &a);
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
        request(root, (const char *)data, size, &a);
    } else if (strlen(err) == 0) {
        abort(); /* every failure says why */
    }
    gw_arena_dispose(&a);
    return 0;
}
