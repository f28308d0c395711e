/*
 * format_read.c -- the model file's one reader: bytes into a description.
 *
 * Every byte is untrusted. The preamble is checked first (magic, version,
 * flags, length, SHA-256 of the body), then the body is walked with the
 * bounded msgpack reader (mpread.c) into an sks_desc whose arrays are
 * aligned copies in one arena; every error names the byte offset. What the
 * description means is not checked here but by model.c, exactly as for a
 * description built in memory: this file only reads.
 */
#define _POSIX_C_SOURCE 200809L
#include "format.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything the parsed description points to, freed in one go. */
typedef struct arena {
    void **blocks;
    size_t n, cap;
} arena;

static void *arena_alloc(arena *a, size_t size)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        void **b = realloc(a->blocks, cap * sizeof(*b));
        if (b == NULL)
            return NULL;
        a->blocks = b;
        a->cap = cap;
    }
    void *p = malloc(size ? size : 1);
    if (p != NULL)
        a->blocks[a->n++] = p;
    return p;
}

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->blocks[i]);
    free(a->blocks);
}

typedef struct reader {
    sks__mp mp;
    arena mem;
    sks_error *err;
    int64_t body_offset; /* added to body offsets in messages */
} reader;

static int oom(reader *r) { return sks__fail(r->err, SKS_ENOMEM, "out of memory while loading the model"); }

static int fmt_err(reader *r, int64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fmt_err(reader *r, int64_t at, const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->err != NULL)
        r->err->offset = r->body_offset + at;
    return sks__fail(r->err, SKS_EFORMAT, "%s (file byte %lld)", msg, (long long)(r->body_offset + at));
}

/* Turns the bounded reader's body-relative offsets into file offsets. */
static int mp_rc(reader *r, int rc)
{
    if (rc != 0 && r->err != NULL && r->err->offset >= 0) {
        char msg[sizeof(r->err->message)];
        snprintf(msg, sizeof(msg), "%s", r->err->message);
        r->err->offset += r->body_offset;
        sks__fail(r->err, rc, "%s (file byte %lld)", msg, (long long)r->err->offset);
    }
    return rc;
}

static int rd_cstr(reader *r, const char **out)
{
    const char *s;
    uint32_t n;
    int rc = sks__mp_str(&r->mp, &s, &n);
    if (rc != 0)
        return mp_rc(r, rc);
    char *c = arena_alloc(&r->mem, (size_t)n + 1);
    if (c == NULL)
        return oom(r);
    memcpy(c, s, n);
    c[n] = '\0';
    if (memchr(c, '\0', n) != NULL)
        return fmt_err(r, sks__mp_offset(&r->mp) - n, "string contains a NUL byte");
    *out = c;
    return 0;
}

static int rd_opt_cstr(reader *r, const char **out)
{
    if (sks__mp_is_nil(&r->mp)) {
        *out = NULL;
        return mp_rc(r, sks__mp_nil(&r->mp));
    }
    return rd_cstr(r, out);
}

static int rd_int(reader *r, int64_t lo, int64_t hi, int32_t *out, const char *what)
{
    int64_t at = sks__mp_offset(&r->mp), v;
    int rc = sks__mp_int(&r->mp, &v);
    if (rc != 0)
        return mp_rc(r, rc);
    if (v < lo || v > hi)
        return fmt_err(r, at, "%s is %lld, outside %lld..%lld", what, (long long)v, (long long)lo,
                       (long long)hi);
    *out = (int32_t)v;
    return 0;
}

static int rd_bool(reader *r, int *out)
{
    bool b;
    int rc = sks__mp_bool(&r->mp, &b);
    if (rc != 0)
        return mp_rc(r, rc);
    *out = b;
    return 0;
}

/* A typed array [dtype, bin] of exactly count elements, copied aligned. */
static int rd_typed(reader *r, const char *dtype, size_t elem, int64_t count, void **out,
                    const char *what)
{
    uint32_t n;
    int64_t at = sks__mp_offset(&r->mp);
    int rc = sks__mp_array(&r->mp, &n);
    if (rc != 0)
        return mp_rc(r, rc);
    if (n != 2)
        return fmt_err(r, at, "%s: a typed array is [dtype, bytes], found %u elements", what, n);
    const char *t;
    uint32_t tn;
    if ((rc = sks__mp_str(&r->mp, &t, &tn)) != 0)
        return mp_rc(r, rc);
    if (tn != strlen(dtype) || memcmp(t, dtype, tn) != 0)
        return fmt_err(r, at, "%s: expected element type \"%s\", found \"%.*s\"", what, dtype,
                       (int)(tn < 16 ? tn : 16), t);
    const uint8_t *b;
    uint32_t bn;
    if ((rc = sks__mp_bin(&r->mp, &b, &bn)) != 0)
        return mp_rc(r, rc);
    if (count < 0 || (uint64_t)bn != (uint64_t)count * elem)
        return fmt_err(r, at, "%s: expected %lld elements of %s (%llu bytes), found %u bytes", what,
                       (long long)count, dtype, (unsigned long long)count * elem, bn);
    void *p = arena_alloc(&r->mem, bn);
    if (p == NULL)
        return oom(r);
    memcpy(p, b, bn);
    *out = p;
    return 0;
}

/* A typed array whose length gives the count (checked by the caller or by
 * the model's validation). */
static int rd_typed_any(reader *r, const char *dtype, size_t elem, int32_t max, int32_t *count, void **out,
                       const char *what)
{
    sks__mp peek = r->mp;
    uint32_t two, tn, bn;
    const char *ts;
    const uint8_t *b;
    int64_t n = 0;
    if (sks__mp_array(&peek, &two) == 0 && two == 2 && sks__mp_str(&peek, &ts, &tn) == 0 &&
        sks__mp_bin(&peek, &b, &bn) == 0) {
        if (bn % elem != 0 || bn / elem > (uint64_t)max)
            return fmt_err(r, sks__mp_offset(&r->mp), "%s: %u bytes is not 0..%d elements of %s", what, bn, max, dtype);
        n = bn / elem;
    }
    *count = (int32_t)n;
    return rd_typed(r, dtype, elem, n, out, what);
}

/* Iterates a map's string keys: call with *n from sks__mp_map. */
static int rd_key(reader *r, const char **k, uint32_t *kn)
{
    return mp_rc(r, sks__mp_str(&r->mp, k, kn));
}

static bool key_is(const char *k, uint32_t kn, const char *want)
{
    return kn == strlen(want) && memcmp(k, want, kn) == 0;
}

typedef struct key_ref {
    const char *s;
    uint32_t n;
} key_ref;

static int cmp_key(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
    return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* Opens a map whose keys must each appear once: a repeated key (a second
 * n_features after the arrays it sized, a second input after the steps)
 * would let later keys contradict what earlier ones were checked against.
 * The keys are peeked first; the caller then reads the map as usual. */
static int rd_map(reader *r, uint32_t *n)
{
    int64_t at = sks__mp_offset(&r->mp);
    int rc = mp_rc(r, sks__mp_map(&r->mp, n));
    if (rc != 0 || *n < 2)
        return rc;
    key_ref *keys = malloc((size_t)*n * sizeof(key_ref));
    if (keys == NULL)
        return oom(r);
    sks__mp peek = r->mp;
    peek.err = NULL;
    uint32_t got = 0;
    while (got < *n && sks__mp_str(&peek, &keys[got].s, &keys[got].n) == 0 && sks__mp_skip(&peek, 0) == 0)
        got++; /* a malformed key or value: the reader proper reports it */
    qsort(keys, got, sizeof(key_ref), cmp_key);
    for (uint32_t i = 1; i < got && rc == 0; i++)
        if (cmp_key(&keys[i - 1], &keys[i]) == 0)
            rc = fmt_err(r, at, "a map has the key \"%.*s\" twice", (int)(keys[i].n < 40 ? keys[i].n : 40),
                         keys[i].s);
    free(keys);
    return rc;
}
static int rd_array(reader *r, uint32_t *n) { return mp_rc(r, sks__mp_array(&r->mp, n)); }
static int rd_skip(reader *r) { return mp_rc(r, sks__mp_skip(&r->mp, 0)); }

static int rd_enum(reader *r, const char *const *names, int count, int *out, const char *what)
{
    int64_t at = sks__mp_offset(&r->mp);
    const char *s;
    uint32_t n;
    int rc = sks__mp_str(&r->mp, &s, &n);
    if (rc != 0)
        return mp_rc(r, rc);
    for (int i = 0; i < count; i++) {
        if (names[i] != NULL && key_is(s, n, names[i])) {
            *out = i;
            return 0;
        }
    }
    return fmt_err(r, at, "unknown %s \"%.*s\"", what, (int)(n < 32 ? n : 32), s);
}

#define REQUIRE(cond, key, where)                                                         \
    do {                                                                                  \
        if (!(cond))                                                                      \
            return fmt_err(r, sks__mp_offset(&r->mp), "%s: required key \"%s\" is missing", \
                           where, key);                                                   \
    } while (0)

static int rd_input(reader *r, sks_desc *d)
{
    uint32_t n;
    int rc = rd_map(r, &n);
    bool have_n = false;
    const char *k;
    uint32_t kn;
    int64_t names_at = -1;
    uint32_t n_names = 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        if (key_is(k, kn, "n_features")) {
            rc = rd_int(r, 1, INT32_MAX, &d->n_features, "input.n_features");
            have_n = true;
        } else if (key_is(k, kn, "feature_names")) {
            if (sks__mp_is_nil(&r->mp)) {
                rc = mp_rc(r, sks__mp_nil(&r->mp));
                continue;
            }
            names_at = sks__mp_offset(&r->mp);
            if ((rc = rd_array(r, &n_names)) != 0)
                break;
            const char **names = arena_alloc(&r->mem, (size_t)n_names * sizeof(char *));
            if (names == NULL)
                return oom(r);
            for (uint32_t j = 0; rc == 0 && j < n_names; j++)
                rc = rd_cstr(r, &names[j]);
            d->feature_names = names;
        } else if (key_is(k, kn, "allow_nan")) {
            rc = rd_bool(r, &d->allow_nan);
        } else if (key_is(k, kn, "allow_inf")) {
            rc = rd_bool(r, &d->allow_inf);
        } else if (key_is(k, kn, "ignored")) {
            if (!have_n)
                return fmt_err(r, sks__mp_offset(&r->mp), "input.ignored must follow input.n_features");
            rc = rd_typed(r, "u8", 1, d->n_features, (void **)&d->ignored, "input.ignored");
        } else if (key_is(k, kn, "vocab")) {
            if (!have_n)
                return fmt_err(r, sks__mp_offset(&r->mp), "input.vocab must follow input.n_features");
            int64_t at = sks__mp_offset(&r->mp);
            uint32_t nv;
            if ((rc = rd_array(r, &nv)) != 0)
                break;
            if (nv != (uint32_t)d->n_features)
                return fmt_err(r, at, "input.vocab has %u entries for %d features", nv, d->n_features);
            const char *const **vocab = arena_alloc(&r->mem, (size_t)nv * sizeof(*vocab));
            int32_t *sizes = arena_alloc(&r->mem, (size_t)nv * sizeof(int32_t));
            if (vocab == NULL || sizes == NULL)
                return oom(r);
            for (uint32_t c = 0; rc == 0 && c < nv; c++) {
                vocab[c] = NULL;
                sizes[c] = 0;
                if (sks__mp_is_nil(&r->mp)) {
                    rc = mp_rc(r, sks__mp_nil(&r->mp));
                    continue;
                }
                uint32_t ns;
                if ((rc = rd_array(r, &ns)) != 0)
                    break;
                const char **strs = arena_alloc(&r->mem, (size_t)(ns ? ns : 1) * sizeof(char *));
                if (strs == NULL)
                    return oom(r);
                for (uint32_t j = 0; rc == 0 && j < ns; j++)
                    rc = rd_cstr(r, &strs[j]);
                vocab[c] = strs;
                sizes[c] = (int32_t)(ns > INT32_MAX ? INT32_MAX : ns);
            }
            d->vocab = vocab;
            d->vocab_size = sizes;
        } else {
            rc = rd_skip(r);
        }
    }
    if (rc != 0)
        return rc;
    REQUIRE(have_n, "n_features", "input");
    if (d->feature_names != NULL && n_names != (uint32_t)d->n_features)
        return fmt_err(r, names_at, "input.feature_names has %u names for %d features", n_names,
                       d->n_features);
    return 0;
}

static int rd_output(reader *r, sks_desc *d)
{
    static const char *const tasks[] = {NULL, "regression", "classification"};
    uint32_t n;
    int rc = rd_map(r, &n);
    bool have_task = false, have_link = false, have_n = false, have_nc = false;
    const char *k;
    uint32_t kn;
    int64_t labels_at = -1;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        int v = 0;
        if (key_is(k, kn, "task")) {
            rc = rd_enum(r, tasks, 3, &v, "task");
            d->task = (sks_task)v;
            have_task = true;
        } else if (key_is(k, kn, "n_outputs")) {
            rc = rd_int(r, 1, 1 << 20, &d->n_outputs, "output.n_outputs");
            have_n = true;
        } else if (key_is(k, kn, "output_2d")) {
            rc = rd_bool(r, &d->output_2d);
        } else if (key_is(k, kn, "link_params")) {
            double *lp;
            rc = rd_typed(r, "f64", 8, 2, (void **)&lp, "output.link_params");
            if (rc == 0)
                memcpy(d->link_params, lp, sizeof(d->link_params));
        } else if (key_is(k, kn, "positive_at_zero")) {
            rc = rd_bool(r, &d->positive_at_zero);
        } else if (key_is(k, kn, "link")) {
            rc = rd_enum(r, sks__link_names, SKS__N_LINKS, &v, "link");
            d->link = (sks_link)v;
            have_link = true;
        } else if (key_is(k, kn, "label_dtype")) {
            rc = rd_opt_cstr(r, &d->label_dtype);
        } else if (key_is(k, kn, "n_classes")) {
            rc = rd_int(r, 0, 1 << 24, &d->n_classes, "output.n_classes");
            have_nc = true;
        } else if (key_is(k, kn, "labels_int") || key_is(k, kn, "labels_float") ||
                   key_is(k, kn, "labels_str")) {
            labels_at = sks__mp_offset(&r->mp);
            if (!have_nc || d->label_kind != SKS_LABEL_NONE)
                return fmt_err(r, labels_at, "output: class labels must follow n_classes, once");
            if (key_is(k, kn, "labels_int")) {
                d->label_kind = SKS_LABEL_INT;
                rc = rd_typed(r, "i64", 8, d->n_classes, (void **)&d->int_labels, "output.labels_int");
            } else if (key_is(k, kn, "labels_float")) {
                d->label_kind = SKS_LABEL_FLOAT;
                rc = rd_typed(r, "f64", 8, d->n_classes, (void **)&d->float_labels, "output.labels_float");
            } else {
                d->label_kind = SKS_LABEL_STR;
                uint32_t an;
                if ((rc = rd_array(r, &an)) != 0)
                    break;
                if (an != (uint32_t)d->n_classes)
                    return fmt_err(r, labels_at, "output.labels_str has %u labels for %d classes", an, d->n_classes);
                const char **labels = arena_alloc(&r->mem, (size_t)an * sizeof(char *));
                if (labels == NULL)
                    return oom(r);
                for (uint32_t j = 0; rc == 0 && j < an; j++)
                    rc = rd_cstr(r, &labels[j]);
                d->str_labels = labels;
            }
        } else {
            rc = rd_skip(r);
        }
    }
    if (rc != 0)
        return rc;
    REQUIRE(have_task, "task", "output");
    REQUIRE(have_link, "link", "output");
    REQUIRE(have_n, "n_outputs", "output");
    if (d->task == SKS_TASK_CLASSIFICATION && d->label_kind == SKS_LABEL_NONE)
        return fmt_err(r, labels_at >= 0 ? labels_at : sks__mp_offset(&r->mp),
                       "output: a classifier needs class labels");
    return 0;
}

static int rd_metadata(reader *r, sks_desc *d)
{
    uint32_t n;
    int rc = rd_map(r, &n);
    if (rc != 0)
        return rc;
    const char **keys = arena_alloc(&r->mem, (size_t)n * sizeof(char *));
    const char **vals = arena_alloc(&r->mem, (size_t)n * sizeof(char *));
    if (keys == NULL || vals == NULL)
        return oom(r);
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        rc = rd_cstr(r, &keys[i]);
        if (rc == 0)
            rc = rd_cstr(r, &vals[i]);
    }
    d->n_metadata = (int32_t)n;
    d->metadata_keys = keys;
    d->metadata_values = vals;
    return rc;
}

static int rd_tree(reader *r, sks_desc *d, int32_t t, sks_tree_desc *tr)
{
    uint32_t n;
    int64_t at = sks__mp_offset(&r->mp);
    int rc = rd_map(r, &n);
    const char *k;
    uint32_t kn;
    char what[64];
    /* Node count comes from the first array read; the others must agree. */
    int64_t nodes = -1;
    /* 1.3: the nodes' covers, kept in the description's tree_cover. */
    const double **covers = (const double **)d->tree_cover;
    const void **slots[8] = {(const void **)&tr->left, (const void **)&tr->right,
                             (const void **)&tr->feature, (const void **)&tr->threshold,
                             (const void **)&tr->missing_left, (const void **)&tr->value,
                             (const void **)&tr->cat, (const void **)&covers[t]};
    static const char *const names[8] = {"left", "right", "feature", "threshold", "missing_left", "value", "cat",
                                         "cover"};
    static const char *const types[8] = {"i32", "i32", "i32", "f64", "u8", "f64", "i32", "f64"};
    static const size_t sizes[8] = {4, 4, 4, 8, 1, 8, 4, 8};
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        int which = -1;
        for (int s = 0; s < 8; s++)
            if (key_is(k, kn, names[s]))
                which = s;
        if (which < 0) {
            rc = rd_skip(r);
            continue;
        }
        snprintf(what, sizeof(what), "trees[%d].%s", t, names[which]);
        int64_t per = which == 5 ? (d->tree_output != NULL ? 1 : d->n_values) : 1;
        if (nodes < 0) {
            /* Peek the byte length to learn the node count. */
            sks__mp peek = r->mp;
            uint32_t two, tn, bn;
            const char *ts;
            const uint8_t *b;
            if (sks__mp_array(&peek, &two) == 0 && two == 2 && sks__mp_str(&peek, &ts, &tn) == 0 &&
                sks__mp_bin(&peek, &b, &bn) == 0 && per > 0)
                nodes = (int64_t)bn / (int64_t)(sizes[which] * (size_t)per);
            if (nodes < 1)
                nodes = 1;
            if (nodes > INT32_MAX)
                return fmt_err(r, at, "trees[%d] has more than 2^31 nodes", t);
        }
        void *p;
        rc = rd_typed(r, types[which], sizes[which], nodes * per, &p, what);
        if (rc == 0)
            *slots[which] = p;
    }
    if (rc != 0)
        return rc;
    char where[32];
    snprintf(where, sizeof(where), "trees[%d]", t);
    REQUIRE(tr->left != NULL, "left", where);
    REQUIRE(tr->right != NULL, "right", where);
    REQUIRE(tr->feature != NULL, "feature", where);
    REQUIRE(tr->threshold != NULL, "threshold", where);
    REQUIRE(tr->value != NULL, "value", where);
    tr->n_nodes = (int32_t)nodes;
    return 0;
}

static int rd_step(reader *r, sks_desc *d, int32_t est_width)
{
    static const char *const kinds[] = {NULL, "trees", "linear"};
    uint32_t n;
    int64_t at = sks__mp_offset(&r->mp);
    int rc = rd_map(r, &n);
    const char *k;
    uint32_t kn;
    /* "kind" and "n_values" must precede the arrays they size: the writer
     * puts them first, and a reader that meets arrays first refuses. */
    bool have_kind = false, have_nv = false, have_trees = false, have_nt = false;
    bool have_coef = false, have_icpt = false;
    int64_t tree_output_at = -1, n_tree_output = 0;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        int v = 0;
        if (key_is(k, kn, "kind")) {
            rc = rd_enum(r, kinds, 3, &v, "step kind");
            d->kind = (sks_estimator_kind)v;
            have_kind = true;
        } else if (key_is(k, kn, "sum")) {
            static const char *const sums[] = {"f64", "f32"};
            rc = rd_enum(r, sums, 2, &v, "sum");
            d->sum_f32 = v;
        } else if (key_is(k, kn, "aggregation")) {
            rc = rd_enum(r, sks__agg_names, 3, &v, "aggregation");
            d->aggregation = (sks_aggregation)v;
        } else if (key_is(k, kn, "compare")) {
            rc = rd_enum(r, sks__cmp_names, 4, &v, "comparison");
            d->compare = (sks_compare)v;
        } else if (key_is(k, kn, "n_values")) {
            rc = rd_int(r, 1, 1 << 20, &d->n_values, "n_values");
            have_nv = true;
        } else if (key_is(k, kn, "coef_dtype") || key_is(k, kn, "intercept_dtype")) {
            static const char *const dtypes[] = {NULL, "f32", "f64"};
            bool is_coef = key_is(k, kn, "coef_dtype");
            rc = rd_enum(r, dtypes, 3, &v, is_coef ? "coefficient dtype" : "intercept dtype");
            *(is_coef ? &d->coef_dtype : &d->intercept_dtype) = (sks_dtype)v;
        } else if (key_is(k, kn, "n_targets")) {
            rc = rd_int(r, 1, 1 << 20, &d->n_targets, "n_targets");
            have_nt = true;
        } else if (key_is(k, kn, "base")) {
            if (!have_nv || have_trees)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0]: \"base\" must follow n_values and precede trees");
            rc = rd_typed(r, "f64", 8, d->n_values, (void **)&d->base, "base");
        } else if (key_is(k, kn, "cat_rule")) {
            rc = rd_enum(r, sks__cat_rule_names, 3, &v, "categorical rule");
            d->cat_rule = (sks_cat_rule)v;
        } else if (key_is(k, kn, "cat_bitsets")) {
            if (have_trees)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0]: \"cat_bitsets\" must precede trees");
            int64_t cat_at = sks__mp_offset(&r->mp);
            int32_t words;
            rc = rd_typed_any(r, "u32", 4, 1 << 24, &words, (void **)&d->cat_bitsets, "cat_bitsets");
            if (rc == 0 && (words == 0 || words % 16 != 0))
                return fmt_err(r, cat_at, "steps[0].cat_bitsets has %d words, not a positive multiple of 16", words);
            d->n_cat_bitsets = words / 16;
        } else if (key_is(k, kn, "tree_output")) {
            if (have_trees)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0]: \"tree_output\" must precede trees");
            tree_output_at = sks__mp_offset(&r->mp);
            /* Its length is checked against the tree count below. */
            int32_t count;
            rc = rd_typed_any(r, "i32", 4, INT32_MAX / 4, &count, (void **)&d->tree_output, "tree_output");
            n_tree_output = count;
        } else if (key_is(k, kn, "trees")) {
            if (!have_kind || d->kind != SKS_EST_TREES || !have_nv)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0]: \"trees\" must follow kind \"trees\" and n_values");
            uint32_t nt;
            if ((rc = rd_array(r, &nt)) != 0)
                break;
            if (nt == 0)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0].trees is empty");
            sks_tree_desc *trees = arena_alloc(&r->mem, (size_t)nt * sizeof(*trees));
            if (trees == NULL)
                return oom(r);
            memset(trees, 0, (size_t)nt * sizeof(*trees));
            const double **covers = arena_alloc(&r->mem, (size_t)nt * sizeof(*covers));
            if (covers == NULL)
                return oom(r);
            memset(covers, 0, (size_t)nt * sizeof(*covers));
            d->tree_cover = covers;
            d->trees = trees;
            d->n_trees = (int32_t)nt;
            for (uint32_t t = 0; rc == 0 && t < nt; t++)
                rc = rd_tree(r, d, (int32_t)t, &trees[t]);
            have_trees = true;
        } else if (key_is(k, kn, "coef") || key_is(k, kn, "intercept")) {
            bool is_coef = key_is(k, kn, "coef");
            if (!have_kind || d->kind != SKS_EST_LINEAR || !have_nt || est_width <= 0)
                return fmt_err(r, sks__mp_offset(&r->mp), "steps[0]: \"%s\" must follow kind \"linear\" and n_targets", is_coef ? "coef" : "intercept");
            void *p;
            int64_t count = is_coef ? (int64_t)d->n_targets * est_width : d->n_targets;
            rc = rd_typed(r, "f64", 8, count, &p, is_coef ? "coef" : "intercept");
            if (rc == 0 && is_coef) {
                d->coef = p;
                have_coef = true;
            } else if (rc == 0) {
                d->intercept = p;
                have_icpt = true;
            }
        } else {
            rc = rd_skip(r);
        }
    }
    if (rc != 0)
        return rc;
    REQUIRE(have_kind, "kind", "steps[0]");
    if (d->kind == SKS_EST_TREES) {
        REQUIRE(have_trees, "trees", "steps[0]");
        if (d->tree_output != NULL && n_tree_output != d->n_trees)
            return fmt_err(r, tree_output_at, "steps[0].tree_output has %lld entries for %d trees",
                           (long long)n_tree_output, d->n_trees);
        if (d->compare == 0)
            return fmt_err(r, at, "steps[0]: required key \"compare\" is missing");
        /* Covers: on every tree or on none (a file before 1.3: none). */
        int32_t with = 0;
        for (int32_t t = 0; t < d->n_trees; t++)
            with += d->tree_cover[t] != NULL;
        if (with != 0 && with != d->n_trees)
            return fmt_err(r, at, "steps[0]: %d of %d trees have \"cover\"; every tree or none must", with,
                           d->n_trees);
        if (with == 0)
            d->tree_cover = NULL;
    } else {
        REQUIRE(have_coef, "coef", "steps[0]");
        REQUIRE(have_icpt, "intercept", "steps[0]");
    }
    return 0;
}

/* A preprocessing step (docs/FORMAT.md, "Preprocessing steps"). Arrays
 * are read at the length they have; the model's validation checks them
 * against the row the step works on. */
static int rd_encoding(reader *r, int32_t i, int32_t j, sks_encoding *e)
{
    uint32_t n;
    int64_t at = sks__mp_offset(&r->mp);
    int rc = rd_map(r, &n);
    const char *k;
    uint32_t kn;
    int32_t n_map = -1;
    char what[64];
    snprintf(what, sizeof what, "steps[%d].columns[%d]", i, j);
    memset(e, 0, sizeof *e);
    bool have_cats = false;
    for (uint32_t m = 0; rc == 0 && m < n; m++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        if (key_is(k, kn, "cats")) {
            rc = rd_typed_any(r, "f64", 8, 1 << 24, &e->n_cats, (void **)&e->cats, what);
            have_cats = true;
        } else if (key_is(k, kn, "map")) {
            rc = rd_typed_any(r, "f64", 8, (1 << 24) + 1, &n_map, (void **)&e->map, what);
        } else if (key_is(k, kn, "onehot")) {
            rc = rd_bool(r, &e->onehot);
        } else if (key_is(k, kn, "width")) {
            rc = rd_int(r, 0, 1 << 24, &e->width, what);
        } else if (key_is(k, kn, "unknown_error")) {
            rc = rd_bool(r, &e->unknown_error);
        } else {
            rc = rd_skip(r);
        }
    }
    if (rc != 0)
        return rc;
    if (!have_cats || e->map == NULL)
        return fmt_err(r, at, "%s: an encoding needs cats and map", what);
    /* cats may be empty (an encoder that knows no category): map[0] then
     * serves every value, and cats is never read. */
    if (n_map != e->n_cats + 1)
        return fmt_err(r, at, "%s: map has %d entries for %d categories (needs one more, for unknown values)", what,
                       n_map, e->n_cats);
    return 0;
}

static int rd_prep_step(reader *r, int32_t i, sks_step_desc *st)
{
    uint32_t n;
    int64_t at = sks__mp_offset(&r->mp);
    int rc = rd_map(r, &n);
    const char *k;
    uint32_t kn;
    int kind = -1, op = 0, norm = 0;
    int32_t n_values = -1, n_b = -1, n_enc = -1;
    char what[48];
    memset(st, 0, sizeof *st);
    snprintf(what, sizeof(what), "steps[%d]", i);
    for (uint32_t j = 0; rc == 0 && j < n; j++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        if (key_is(k, kn, "kind"))
            rc = rd_enum(r, sks__step_names, 6, &kind, "preprocessing step kind");
        else if (key_is(k, kn, "op"))
            rc = rd_enum(r, sks__op_names, 6, &op, "preprocessing operation");
        else if (key_is(k, kn, "norm"))
            rc = rd_enum(r, sks__norm_names, 4, &norm, "norm");
        else if (key_is(k, kn, "values"))
            rc = rd_typed_any(r, "f64", 8, 1 << 24, &n_values, (void **)&st->values, what);
        else if (key_is(k, kn, "cast_values"))
            rc = rd_bool(r, &st->cast_values);
        else if (key_is(k, kn, "no_round"))
            rc = rd_bool(r, &st->no_round);
        else if (key_is(k, kn, "check")) {
            int v = 0;
            rc = rd_enum(r, sks__check_names, 3, &v, "step check");
            st->check = (sks_check)v;
        } else if (key_is(k, kn, "missing")) {
            rc = mp_rc(r, sks__mp_float(&r->mp, &st->missing));
            st->missing_set = 1;
        }
        else if (key_is(k, kn, "offset"))
            rc = rd_int(r, 0, 1 << 24, &st->offset, what);
        else if (key_is(k, kn, "width"))
            rc = rd_int(r, 1, 1 << 24, &st->width, what);
        else if (key_is(k, kn, "index"))
            rc = rd_typed_any(r, "i32", 4, 1 << 24, &st->n_index, (void **)&st->index, what);
        else if (key_is(k, kn, "term_a"))
            rc = rd_typed_any(r, "i32", 4, 1 << 24, &st->n_terms, (void **)&st->term_a, what);
        else if (key_is(k, kn, "term_b"))
            rc = rd_typed_any(r, "i32", 4, 1 << 24, &n_b, (void **)&st->term_b, what);
        else if (key_is(k, kn, "columns")) {
            uint32_t nc;
            if ((rc = rd_array(r, &nc)) != 0)
                break;
            if (nc > (1 << 24))
                return fmt_err(r, sks__mp_offset(&r->mp), "%s.columns: %u columns is too many", what, nc);
            sks_encoding *enc = arena_alloc(&r->mem, (size_t)(nc ? nc : 1) * sizeof(*enc));
            if (enc == NULL)
                return oom(r);
            for (uint32_t c = 0; rc == 0 && c < nc; c++)
                rc = rd_encoding(r, i, (int32_t)c, &enc[c]);
            st->enc = enc;
            n_enc = (int32_t)nc;
        } else
            rc = rd_skip(r);
    }
    if (rc != 0)
        return rc;
    if (kind < 0)
        return fmt_err(r, at, "%s: required key \"kind\" is missing", what);
    st->kind = (sks_step_kind)kind;
    switch (st->kind) {
    case SKS_STEP_ELEMENTWISE:
        if (op == 0 || st->values == NULL || n_values < 1)
            return fmt_err(r, at, "%s: an elementwise step needs op and (non-empty) values", what);
        /* Format 1.0 has no width: the values cover the row. */
        if (st->width != 0 && n_values != st->width)
            return fmt_err(r, at, "%s: %d values for a span of %d columns", what, n_values, st->width);
        st->op = (sks_op)op;
        st->width = n_values;
        break;
    case SKS_STEP_SELECT:
    case SKS_STEP_INDICATOR:
        if (st->index == NULL)
            return fmt_err(r, at, "%s: required key \"index\" is missing", what);
        break;
    case SKS_STEP_ENCODE:
        if (st->enc == NULL || st->width == 0 || n_enc != st->width)
            return fmt_err(r, at, "%s: an encode step needs width and one entry of columns per column", what);
        break;
    case SKS_STEP_NORMALIZE:
        if (norm == 0)
            return fmt_err(r, at, "%s: required key \"norm\" is missing", what);
        st->norm = (sks_norm)norm;
        break;
    case SKS_STEP_POLY:
        if (st->term_a == NULL || st->term_b == NULL || n_b != st->n_terms)
            return fmt_err(r, at, "%s: term_a and term_b must be present and of one length", what);
        break;
    }
    return 0;
}

static int rd_body(reader *r, sks_desc *d, const char **producer_version)
{
    uint32_t n;
    int rc = rd_map(r, &n);
    const char *k;
    uint32_t kn;
    bool have_in = false, have_out = false, have_steps = false;
    for (uint32_t i = 0; rc == 0 && i < n; i++) {
        if ((rc = rd_key(r, &k, &kn)) != 0)
            break;
        if (key_is(k, kn, "producer_version")) {
            rc = rd_opt_cstr(r, producer_version);
        } else if (key_is(k, kn, "source")) {
            rc = rd_opt_cstr(r, &d->source);
        } else if (key_is(k, kn, "source_version")) {
            rc = rd_opt_cstr(r, &d->source_version);
        } else if (key_is(k, kn, "estimator")) {
            rc = rd_opt_cstr(r, &d->estimator);
        } else if (key_is(k, kn, "input")) {
            rc = rd_input(r, d);
            have_in = true;
        } else if (key_is(k, kn, "output")) {
            rc = rd_output(r, d);
            have_out = true;
        } else if (key_is(k, kn, "metadata")) {
            rc = rd_metadata(r, d);
        } else if (key_is(k, kn, "steps")) {
            if (!have_in)
                return fmt_err(r, sks__mp_offset(&r->mp), "\"steps\" must follow \"input\"");
            uint32_t ns;
            int64_t at = sks__mp_offset(&r->mp);
            if ((rc = rd_array(r, &ns)) != 0)
                break;
            if (ns < 1 || ns > 1025)
                return fmt_err(r, at, "steps: 1 to 1025 steps (preprocessing, then the estimator), found %u", ns);
            if (ns > 1) {
                sks_step_desc *steps = arena_alloc(&r->mem, (size_t)(ns - 1) * sizeof(*steps));
                if (steps == NULL)
                    return oom(r);
                d->steps = steps;
                d->n_steps = (int32_t)(ns - 1);
                for (uint32_t i = 0; rc == 0 && i + 1 < ns; i++)
                    rc = rd_prep_step(r, (int32_t)i, &steps[i]);
                if (rc != 0)
                    break;
            }
            /* The estimator's arrays are sized by the row the steps leave. */
            int32_t est_width;
            if ((rc = sks__steps_check(d, &est_width, NULL, NULL, r->err)) != 0)
                break;
            rc = rd_step(r, d, est_width);
            have_steps = true;
        } else {
            rc = rd_skip(r);
        }
    }
    if (rc != 0)
        return rc;
    REQUIRE(have_in, "input", "body");
    REQUIRE(have_out, "output", "body");
    REQUIRE(have_steps, "steps", "body");
    if (r->mp.p != r->mp.end)
        return fmt_err(r, sks__mp_offset(&r->mp), "%lld bytes follow the body's end",
                       (long long)(r->mp.end - r->mp.p));
    return 0;
}

int sks__format_read(const void *data, size_t len, sks__desc_use use, void *ctx, sks_error *err)
{
    const uint8_t *p = data;
    size_t m = len < 8 ? len : 8;
    if (memcmp(p, sks__magic, m) != 0) {
        if (err != NULL)
            err->offset = 0;
        return sks__fail(err, SKS_EMAGIC, "not a skscore model file: the first bytes are not the .skm magic number");
    }
    if (len < SKS__PREAMBLE) {
        if (err != NULL)
            err->offset = (int64_t)len;
        return sks__fail(err, SKS_ETRUNCATED, "model file is truncated: %zu bytes, shorter than its %d-byte preamble", len, SKS__PREAMBLE);
    }
    unsigned major = (unsigned)sks__get_le(p + 8, 2), minor = (unsigned)sks__get_le(p + 10, 2);
    if (major != SKS_FORMAT_MAJOR || minor > SKS_FORMAT_MINOR) {
        if (err != NULL)
            err->offset = 8;
        return sks__fail(err, SKS_EVERSION,
                         "model file format %u.%u cannot be read by this engine (skscore %s reads %d.0 to %d.%d)%s",
                         major, minor, SKS_VERSION, SKS_FORMAT_MAJOR, SKS_FORMAT_MAJOR, SKS_FORMAT_MINOR,
                         major == SKS_FORMAT_MAJOR ? ": upgrade skscore" : "");
    }
    uint64_t flags = sks__get_le(p + 12, 4), body = sks__get_le(p + 16, 8);
    if (flags != 0) {
        if (err != NULL)
            err->offset = 12;
        return sks__fail(err, SKS_EFORMAT, "model file sets unknown flags 0x%llx (file byte 12)", (unsigned long long)flags);
    }
    if (body > len - SKS__PREAMBLE) {
        if (err != NULL)
            err->offset = (int64_t)len;
        return sks__fail(err, SKS_ETRUNCATED, "model file is truncated: its body should be %llu bytes, %zu are present",
                         (unsigned long long)body, len - SKS__PREAMBLE);
    }
    if (body < len - SKS__PREAMBLE) {
        if (err != NULL)
            err->offset = (int64_t)(SKS__PREAMBLE + body);
        return sks__fail(err, SKS_EFORMAT, "model file has %llu unexpected bytes after its body (file byte %llu)",
                         (unsigned long long)(len - SKS__PREAMBLE - body), (unsigned long long)(SKS__PREAMBLE + body));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    EVP_Digest(p + SKS__PREAMBLE, body, md, &mdn, EVP_sha256(), NULL);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (memcmp(md, p + 24, 32) != 0) {
        if (err != NULL)
            err->offset = 24;
        return sks__fail(err, SKS_ECHECKSUM, "model file checksum does not match its contents: the file is corrupt or was changed after it was written");
    }
#endif
    char hex[65];
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);

    reader r = {.mp = {.base = p + SKS__PREAMBLE, .p = p + SKS__PREAMBLE, .end = p + SKS__PREAMBLE + body, .err = err},
                .err = err,
                .body_offset = SKS__PREAMBLE};
    sks_desc d;
    sks_desc_init(&d);
    const char *producer_version = NULL;
    int rc = rd_body(&r, &d, &producer_version);
    if (rc == 0)
        rc = use(&d, producer_version, (int)minor, hex, ctx, err);
    arena_free(&r.mem);
    return rc;
}
