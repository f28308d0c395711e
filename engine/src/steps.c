/*
 * steps.c -- a Pipeline's preprocessing steps, all of it: checking them in
 * a description (sks__steps_check), building them into the loaded model
 * (sks__steps_build), and running a row through them at scoring time
 * (sks__steps_row).
 *
 * The steps (docs/FORMAT.md, "Preprocessing steps") are elementwise
 * arithmetic, column selection, category encoding of numbers and strings,
 * missing-value indicators, row normalisation and polynomial terms, each on
 * a span of the working row. They run as scikit-learn's transformers
 * compute: in float64, rounded back to float32 after each step that keeps
 * float32 X float32, each step first checking its span as its
 * transformer's check_array does. Reading and writing them is the format
 * files'; the kernels never see them.
 */
#include "job.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- checking */

enum { MAX_STEPS = 1024, MAX_VOCAB = 1 << 24 };


/* One-past-the-end checks of a span against the row before the step. */
static int span_of(const sks_step_desc *st, int32_t s, int32_t w, int32_t *width, sks_error *err)
{
    if (st->offset < 0 || st->offset > w)
        return sks__fail(err, SKS_EINVALID, "steps[%d] (%s): offset %d is outside the row's %d columns", s,
                         sks__step_names[st->kind], st->offset, w);
    int32_t wd = st->width == 0 ? w - st->offset : st->width;
    if (wd < 1 || wd > w - st->offset)
        return sks__fail(err, SKS_EINVALID, "steps[%d] (%s): %d columns from column %d do not fit the row's %d", s,
                         sks__step_names[st->kind], wd, st->offset, w);
    *width = wd;
    return 0;
}

static int no_codes(const uint8_t *code, int32_t off, int32_t wd, int32_t s, sks_step_kind kind, sks_error *err)
{
    for (int32_t j = off; j < off + wd; j++)
        if (code[j])
            return sks__fail(err, SKS_EINVALID,
                             "steps[%d] (%s) reads column %d, which holds string codes: only encode steps may", s,
                             sks__step_names[kind], j);
    return 0;
}

static int check_encoding(const sks_encoding *e, int32_t s, int32_t j, sks_error *err)
{
    if (e->n_cats < 0 || e->n_cats > MAX_VOCAB || (e->n_cats > 0 && e->cats == NULL) || e->map == NULL ||
        (e->onehot && (e->width < 0 || e->width > SKS__MAX_FEATURES)))
        return sks__fail(err, SKS_EINVALID, "steps[%d] (encode) column %d: categories, width or map are missing or out of range", s, j);
    for (int32_t i = 0; i < e->n_cats; i++) {
        double c = e->cats[i];
        if (isnan(c) ? i != e->n_cats - 1 : (isinf(c) || (i > 0 && !(e->cats[i - 1] < c))))
            return sks__fail(err, SKS_EINVALID,
                             "steps[%d] (encode) column %d: categories must be finite, strictly ascending, NaN only last (category %d)",
                             s, j, i);
    }
    for (int32_t i = 0; i <= e->n_cats; i++) {
        double v = e->map[i];
        bool ok = e->onehot ? (v == floor(v) && v >= -1 && v < e->width) : !isinf(v);
        if (!ok && !(i == e->n_cats && e->unknown_error))
            return sks__fail(err, SKS_EINVALID, "steps[%d] (encode) column %d: map[%d] is %g, %s", s, j, i, v,
                             e->onehot ? "not a slot in -1..width-1" : "infinite");
    }
    return 0;
}

/* Where column j of the row after step st comes from: a column of the row
 * before it (w_in wide, the step's span `span` columns from st->offset), or
 * -1 when the step computed it (an encoding, a missing flag, a product).
 * The row after it is w_out wide. The scorer moves columns the same way
 * (predict.c, prep_row); here it carries what is known about them. */
static int32_t source_column(const sks_step_desc *st, int32_t span, int32_t w_in, int32_t w_out, int32_t j)
{
    int32_t end = st->offset + span, added = w_out - w_in;
    switch (st->kind) {
    case SKS_STEP_SELECT:
        return st->index[j];
    case SKS_STEP_ELEMENTWISE:
    case SKS_STEP_NORMALIZE:
        return j; /* in place */
    case SKS_STEP_INDICATOR: /* flags inserted after the span */
        return j < end ? j : (j < end + added ? -1 : j - added);
    default: /* encode, poly: the span is replaced by the step's output */
        return j < st->offset ? j : (j < end + added ? -1 : j - added);
    }
}

/* Every index[k] a column of a row (or span) of `width` columns. */
static int check_columns(const int32_t *index, int32_t n, int32_t width, int s, const char *kind, sks_error *err)
{
    for (int32_t k = 0; k < n; k++)
        if (index[k] < 0 || index[k] >= width)
            return sks__fail(err, SKS_EINVALID, "steps[%d] (%s): column %d is outside 0..%d", s, kind, index[k],
                             width - 1);
    return 0;
}

int sks__steps_check(const sks_desc *d, int32_t *est_width, int32_t *widths, int32_t *spans, sks_error *err)
{
    int rc = 0;
    if (d->n_steps < 0 || d->n_steps > MAX_STEPS || (d->n_steps > 0 && d->steps == NULL))
        return sks__fail(err, SKS_EINVALID, "n_steps is %d, outside 0..%d", d->n_steps, MAX_STEPS);
    if (d->vocab != NULL) {
        if (d->vocab_size == NULL)
            return sks__fail(err, SKS_EINVALID, "vocabulary sizes are missing");
        for (int32_t c = 0; c < d->n_features; c++) {
            if (d->vocab[c] == NULL)
                continue;
            if (d->vocab_size[c] < 1 || d->vocab_size[c] > MAX_VOCAB)
                return sks__fail(err, SKS_EINVALID, "input column %d: vocabulary of %d strings, outside 1..%d", c,
                                 d->vocab_size[c], MAX_VOCAB);
            char what[48];
            snprintf(what, sizeof what, "input column %d's vocabulary", c);
            if ((rc = sks__check_strs(err, d->vocab[c], d->vocab_size[c], what, true)) != 0)
                return rc;
        }
    }
    if (d->ignored != NULL) {
        if (d->n_steps == 0)
            return sks__fail(err, SKS_EINVALID, "only models with preprocessing steps may ignore input columns");
        for (int32_t c = 0; c < d->n_features; c++)
            if (d->ignored[c] > 1 || (d->ignored[c] && d->vocab != NULL && d->vocab[c] != NULL))
                return sks__fail(err, SKS_EINVALID, "input column %d: ignored is %d (0 or 1, and not for string columns)", c,
                                 d->ignored[c]);
    }
    /* code[j]: column j of the current row holds string codes. */
    int32_t w = d->n_features;
    if (w < 1 || w > SKS__MAX_FEATURES)
        return sks__fail(err, SKS_EINVALID, "n_features is %d, outside 1..%d", w, SKS__MAX_FEATURES);
    uint8_t *code = calloc((size_t)w, 1);
    if (code == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    for (int32_t c = 0; c < w; c++)
        code[c] = d->vocab != NULL && d->vocab[c] != NULL;
    for (int32_t s = 0; s < d->n_steps && rc == 0; s++) {
        const sks_step_desc *st = &d->steps[s];
        int32_t wd = 0;
        int64_t w2 = w;
        if (widths != NULL)
            widths[s] = w;
        if (st->missing_set && !isfinite(st->missing)) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: the missing-value marker must be finite (NaN is the default)", s);
            break;
        }
        if ((unsigned)st->check > SKS_CHECK_FINITE) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown check %d", s, (int)st->check);
            break;
        }
        if ((unsigned)st->kind > SKS_STEP_POLY) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown kind %d", s, (int)st->kind);
            break;
        }
        if (st->kind != SKS_STEP_SELECT && (rc = span_of(st, s, w, &wd, err)) != 0)
            break;
        switch (st->kind) {
        case SKS_STEP_ELEMENTWISE:
            if (st->op < SKS_OP_SUB || st->op > SKS_OP_FILL_NAN || st->values == NULL)
                rc = sks__fail(err, SKS_EINVALID, "steps[%d]: unknown operation %d or no values", s, (int)st->op);
            else if (st->op != SKS_OP_FILL_NAN)
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            break;
        case SKS_STEP_SELECT:
            if (st->n_index < 1 || st->n_index > SKS__MAX_FEATURES || st->index == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (select): %d columns, outside 1..%d", s, st->n_index, SKS__MAX_FEATURES);
                break;
            }
            rc = check_columns(st->index, st->n_index, w, s, "select", err);
            w2 = st->n_index;
            break;
        case SKS_STEP_ENCODE:
            if (st->enc == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (encode): no encodings", s);
                break;
            }
            w2 = w - wd;
            for (int32_t j = 0; j < wd && rc == 0; j++) {
                rc = check_encoding(&st->enc[j], s, j, err);
                w2 += st->enc[j].onehot ? st->enc[j].width : 1;
            }
            break;
        case SKS_STEP_INDICATOR:
            if (st->n_index < 1 || st->n_index > wd || st->index == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (indicator): %d flags for a span of %d", s, st->n_index, wd);
                break;
            }
            rc = check_columns(st->index, st->n_index, wd, s, "indicator", err);
            w2 = (int64_t)w + st->n_index;
            break;
        case SKS_STEP_NORMALIZE:
            if (st->norm < SKS_NORM_L1 || st->norm > SKS_NORM_MAX)
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (normalize): unknown norm %d", s, (int)st->norm);
            else
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            break;
        case SKS_STEP_POLY:
            if (st->n_terms < 1 || st->n_terms > SKS__MAX_FEATURES || st->term_a == NULL || st->term_b == NULL) {
                rc = sks__fail(err, SKS_EINVALID, "steps[%d] (poly): %d terms, outside 1..%d", s, st->n_terms, SKS__MAX_FEATURES);
                break;
            }
            for (int32_t t = 0; t < st->n_terms && rc == 0; t++) {
                int32_t a = st->term_a[t], b = st->term_b[t];
                if (!(a == -1 && b == -1) && !(a >= -1 && a < t && b >= 0 && b < wd))
                    rc = sks__fail(err, SKS_EINVALID, "steps[%d] (poly) term %d: (%d, %d) is not -1/an earlier term and a span column", s, t, a, b);
            }
            if (rc == 0)
                rc = no_codes(code, st->offset, wd, s, st->kind, err);
            w2 = (int64_t)w - wd + st->n_terms;
            break;
        }
        if (rc != 0)
            break;
        if (w2 < 1 || w2 > SKS__MAX_FEATURES) {
            rc = sks__fail(err, SKS_EINVALID, "steps[%d] (%s) makes the row %lld columns wide, outside 1..%d", s,
                           sks__step_names[st->kind], (long long)w2, SKS__MAX_FEATURES);
            break;
        }
        if (spans != NULL)
            spans[s] = wd;
        /* The new row's code flags. */
        uint8_t *next = calloc((size_t)w2, 1);
        if (next == NULL) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            break;
        }
        for (int32_t j = 0; j < (int32_t)w2; j++) {
            int32_t src = source_column(st, wd, w, (int32_t)w2, j);
            next[j] = src >= 0 && code[src];
        }
        free(code);
        code = next;
        w = (int32_t)w2;
    }
    for (int32_t j = 0; j < w && rc == 0; j++)
        if (code[j])
            rc = sks__fail(err, SKS_EINVALID, "column %d reaches the estimator holding string codes: encode it first", j);
    free(code);
    if (rc == 0)
        *est_width = w;
    return rc;
}

/* ----------------------------------------------------------- building */

static int build_vocab(const sks_desc *d, sks_model *m, sks_error *err)
{
    if (d->vocab == NULL)
        return 0;
    bool fail = false;
    m->vocab = calloc((size_t)d->n_features, sizeof(sks__vocab));
    if (m->vocab == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    for (int32_t c = 0; c < d->n_features && !fail; c++) {
        if (d->vocab[c] == NULL)
            continue;
        sks__vocab *v = &m->vocab[c];
        int32_t n = d->vocab_size[c];
        v->s = sks__dup_strs(d->vocab[c], n, &fail);
        v->n = v->s != NULL ? n : 0;
        v->len = malloc((size_t)n * sizeof(size_t));
        uint64_t size = 2;
        while (size < 2 * (uint64_t)n)
            size *= 2;
        v->table = calloc(size, sizeof(int32_t));
        v->mask = size - 1;
        if (fail || v->len == NULL || v->table == NULL)
            return sks__fail(err, SKS_ENOMEM, "out of memory");
        for (int32_t i = 0; i < n; i++) {
            v->len[i] = strlen(v->s[i]);
            uint64_t h = sks__hash(v->s[i], v->len[i]) & v->mask;
            while (v->table[h] != 0) /* strings are unique: no duplicates to find */
                h = (h + 1) & v->mask;
            v->table[h] = i + 1;
        }
        m->info.n_string_columns++;
    }
    return fail ? sks__fail(err, SKS_ENOMEM, "out of memory") : 0;
}

/* The sources of the row after step sd (w -> w2 columns) from the
 * sources before it (*src, replaced): the one input column each column's
 * value comes from, SKS__SRC_CONST for a constant (a polynomial's 1), or
 * SKS__SRC_MIXED when it comes from several (a product of two input
 * columns, a norm over several); *mixed is set to the kind of the first
 * step that mixes. -1 when out of memory. */
static int next_sources(const sks_step_desc *sd, int32_t span, int32_t w, int32_t w2, int32_t **src, int *mixed)
{
    int32_t *cur = *src, *next = malloc((size_t)w2 * sizeof(int32_t));
    if (next == NULL)
        return -1;
    int32_t end = sd->offset + span, added = w2 - w;
    for (int32_t j = 0; j < w2; j++) {
        int32_t from = source_column(sd, span, w, w2, j);
        next[j] = from >= 0 ? cur[from] : SKS__SRC_MIXED;
    }
    if (sd->kind == SKS_STEP_NORMALIZE) { /* each column over the span's norm */
        int32_t one = SKS__SRC_CONST;
        for (int32_t c = sd->offset; c < end; c++)
            if (cur[c] != SKS__SRC_CONST)
                one = one == SKS__SRC_CONST || one == cur[c] ? cur[c] : SKS__SRC_MIXED;
        for (int32_t c = sd->offset; c < end; c++)
            next[c] = one;
    } else if (sd->kind == SKS_STEP_INDICATOR) {
        for (int32_t k = 0; k < sd->n_index; k++)
            next[end + k] = cur[sd->offset + sd->index[k]];
    } else if (sd->kind == SKS_STEP_ENCODE) {
        int32_t at = sd->offset;
        for (int32_t c = 0; c < span; c++) {
            int32_t width = sd->enc[c].onehot ? sd->enc[c].width : 1;
            for (int32_t k = 0; k < width; k++)
                next[at++] = cur[sd->offset + c];
        }
    } else if (sd->kind == SKS_STEP_POLY) {
        int32_t *out = next + sd->offset;
        for (int32_t t = 0; t < sd->n_terms; t++) {
            int32_t a = sd->term_a[t], b = sd->term_b[t];
            int32_t sb = b < 0 ? SKS__SRC_CONST : cur[sd->offset + b], sa = a < 0 ? SKS__SRC_CONST : out[a];
            out[t] = sa == SKS__SRC_CONST ? sb : (sb == SKS__SRC_CONST || sa == sb ? sa : SKS__SRC_MIXED);
        }
    }
    (void)added;
    for (int32_t j = 0; j < w2 && *mixed == 0; j++)
        if (next[j] == SKS__SRC_MIXED)
            *mixed = (int)sd->kind + 1;
    free(cur);
    *src = next;
    return 0;
}

static int build_steps(const sks_desc *d, sks_model *m, sks_error *err)
{
    int32_t ns = d->n_steps, *widths = NULL, *spans = NULL, *origin = NULL, *sources = NULL;
    int mixed_kind = 0;
    int rc = 0;
    bool fail = false;
    m->est_width = m->prep_width = d->n_features;
    if (ns == 0)
        return 0;
    widths = malloc((size_t)ns * sizeof(int32_t));
    spans = malloc((size_t)ns * sizeof(int32_t));
    m->steps = calloc((size_t)ns, sizeof(sks__step));
    if (widths == NULL || spans == NULL || m->steps == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = sks__steps_check(d, &m->est_width, widths, spans, err)) != 0)
        goto done;
    m->info.n_steps = ns;
    /* origin[j]: the input column that column j of the row still is;
     * sources[j]: the one input column its value comes from (contributions). */
    int32_t w = d->n_features;
    sources = malloc((size_t)w * sizeof(int32_t));
    if (sources == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    for (int32_t c = 0; c < w; c++)
        sources[c] = c;
    origin = malloc((size_t)w * sizeof(int32_t));
    if (origin == NULL) {
        rc = sks__fail(err, SKS_ENOMEM, "out of memory");
        goto done;
    }
    for (int32_t c = 0; c < w; c++)
        origin[c] = c;
    for (int32_t s = 0; s < ns; s++) {
        const sks_step_desc *sd = &d->steps[s];
        sks__step *st = &m->steps[s];
        int32_t w2 = s + 1 < ns ? widths[s + 1] : m->est_width;
        st->kind = sd->kind;
        st->op = sd->op;
        st->cast = sd->cast_values != 0;
        st->round = sd->no_round == 0;
        st->offset = sd->kind == SKS_STEP_SELECT ? 0 : sd->offset;
        st->width = sd->kind == SKS_STEP_SELECT ? w : spans[s];
        st->w_in = w;
        st->w_out = w2;
        st->norm = sd->norm;
        st->missing_set = sd->missing_set != 0;
        st->check = sd->check;
        st->origin = sks__dup_mem(origin, (size_t)w * sizeof(int32_t), &fail);
        st->missing = sd->missing;
        size_t wd = (size_t)st->width;
        if (sd->kind == SKS_STEP_ELEMENTWISE)
            st->values = sks__dup_mem(sd->values, wd * sizeof(double), &fail);
        if (sd->kind == SKS_STEP_SELECT || sd->kind == SKS_STEP_INDICATOR) {
            st->n_index = sd->n_index;
            st->index = sks__dup_mem(sd->index, (size_t)sd->n_index * sizeof(int32_t), &fail);
        }
        if (sd->kind == SKS_STEP_POLY) {
            st->n_terms = sd->n_terms;
            st->term_a = sks__dup_mem(sd->term_a, (size_t)sd->n_terms * sizeof(int32_t), &fail);
            st->term_b = sks__dup_mem(sd->term_b, (size_t)sd->n_terms * sizeof(int32_t), &fail);
        }
        if (sd->kind == SKS_STEP_ENCODE && (st->enc = calloc(wd, sizeof(sks__enc))) != NULL) {
            for (size_t j = 0; j < wd; j++) {
                const sks_encoding *e = &sd->enc[j];
                sks__enc *c = &st->enc[j];
                c->n_cats = e->n_cats;
                c->cats = sks__dup_mem(e->cats, (size_t)e->n_cats * sizeof(double), &fail);
                c->map = sks__dup_mem(e->map, (size_t)(e->n_cats + 1) * sizeof(double), &fail);
                c->onehot = e->onehot != 0;
                c->width = e->onehot ? e->width : 1;
                c->unknown_error = e->unknown_error != 0;
                c->origin = origin[st->offset + (int32_t)j];
                while (c->dense < c->n_cats && c->cats[c->dense] == (double)c->dense)
                    c->dense++;
            }
        } else if (sd->kind == SKS_STEP_ENCODE) {
            fail = true;
        }
        if (fail) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            goto done;
        }
        if (w2 > m->prep_width)
            m->prep_width = w2;
        /* The next row's origins. */
        int32_t *next = malloc((size_t)w2 * sizeof(int32_t));
        if (next == NULL) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            goto done;
        }
        for (int32_t j = 0; j < w2; j++) {
            int32_t src = source_column(sd, spans[s], w, w2, j);
            next[j] = src >= 0 ? origin[src] : -1;
        }
        free(origin);
        origin = next;
        if ((rc = next_sources(sd, spans[s], w, w2, &sources, &mixed_kind)) != 0) {
            rc = sks__fail(err, SKS_ENOMEM, "out of memory");
            goto done;
        }
        w = w2;
    }
    m->est_origin = origin; /* the row the estimator reads */
    origin = NULL;
    m->est_source = sources;
    m->mixed_step = mixed_kind;
    sources = NULL;
done:
    free(widths);
    free(spans);
    free(origin);
    free(sources);
    return rc;
}

static void free_steps(sks_model *m)
{
    if (m->steps == NULL)
        return;
    for (int32_t s = 0; s < m->info.n_steps; s++) {
        sks__step *st = &m->steps[s];
        free(st->values);
        free(st->index);
        free(st->term_a);
        free(st->term_b);
        free(st->origin);
        if (st->enc != NULL)
            for (int32_t j = 0; j < st->width; j++) {
                free(st->enc[j].cats);
                free(st->enc[j].map);
            }
        free(st->enc);
    }
    free(m->steps);
}

static void free_vocab(sks_model *m)
{
    if (m->vocab == NULL)
        return;
    for (int32_t c = 0; c < m->info.n_features; c++) {
        sks__free_strs(m->vocab[c].s, m->vocab[c].n);
        free(m->vocab[c].len);
        free(m->vocab[c].table);
    }
    free(m->vocab);
}

int sks__steps_build(const sks_desc *d, sks_model *m, sks_error *err)
{
    int rc = build_steps(d, m, err);
    return rc != 0 ? rc : build_vocab(d, m, err);
}

void sks__steps_free(sks_model *m)
{
    free_steps(m);
    free(m->est_origin);
    free(m->est_source);
    free_vocab(m);
}

/* ------------------------------------------------------------ running */

/* Code of string s (n bytes) in a vocabulary: its index, -1 when not in
 * it, NaN when missing (s == NULL). */
const char sks_str_none[1] = "";

static double str_code(const sks__vocab *v, const char *s, size_t n)
{
    if (s == NULL)
        return NAN;
    if (s == SKS_STR_NONE)
        return SKS_CODE_NONE;
    for (uint64_t h = sks__hash(s, n) & v->mask;; h = (h + 1) & v->mask) {
        int32_t code = v->table[h] - 1;
        if (code < 0)
            return -1.0;
        if (v->len[code] == n && memcmp(v->s[code], s, n) == 0)
            return code;
    }
}

/* Input column c of row r as the steps see it: numbers as float64,
 * strings as vocabulary codes. */
static double cell(const job *j, int64_t r, int64_t c)
{
    if (j->m->ignored != NULL && j->m->ignored[c])
        return NAN;
    if (j->T == NULL)
        return read_x(j->X, r, c);
    const sks_column *col = &j->T->cols[c];
    if (col->kind == SKS_COL_STR)
        return str_code(&j->m->vocab[c], col->str[r], col->len[r]);
    return read_num((const char *)col->data + r * col->stride, col->kind == SKS_COL_F32);
}

/* Index of x among an encoding's categories, or -1. */
static int32_t find_cat(const sks__enc *e, double x)
{
    if (x >= 0 && x < e->dense && x == (double)(int32_t)x)
        return (int32_t)x; /* string codes: categories 0, 1, 2, ... */
    if (isnan(x))
        return e->n_cats > 0 && isnan(e->cats[e->n_cats - 1]) ? e->n_cats - 1 : -1;
    int32_t lo = 0, hi = e->n_cats;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        double c = e->cats[mid];
        if (c == x)
            return mid;
        if (c < x)
            lo = mid + 1; /* NaN (last) compares false: stays on the low side */
        else
            hi = mid;
    }
    return -1;
}

/* np.einsum("ij,ij->i", X, X) for one row, in NumPy's order: its
 * sum-of-products loop (numpy/_core/src/multiarray/einsum_sumprod.c.src,
 * contig_contig_outstride0_two) runs on the baseline SIMD width, 128 bits
 * on x86-64 (2 float64 or 4 float32 lanes), four vectors per step
 * accumulated last to first, a zero-padded tail, then the lanes summed
 * pairwise; multiply and add are separate (no FMA in the baseline). */
#define DEFINE_EINSUM_SQ(name, T, LANES)                                                \
    static T name(const double *x, int32_t n)                                          \
    {                                                                                   \
        T acc[LANES] = {0};                                                             \
        int32_t i = 0;                                                                  \
        for (; n - i >= 4 * LANES; i += 4 * LANES)                                      \
            for (int l = 0; l < LANES; l++) {                                           \
                T a0 = (T)x[i + l], a1 = (T)x[i + LANES + l];                           \
                T a2 = (T)x[i + 2 * LANES + l], a3 = (T)x[i + 3 * LANES + l];           \
                T ab3 = a3 * a3 + acc[l];                                               \
                T ab2 = a2 * a2 + ab3;                                                  \
                T ab1 = a1 * a1 + ab2;                                                  \
                acc[l] = a0 * a0 + ab1;                                                 \
            }                                                                           \
        for (; i < n; i += LANES)                                                       \
            for (int l = 0; l < LANES; l++) {                                           \
                T a = i + l < n ? (T)x[i + l] : (T)0;                                   \
                acc[l] = a * a + acc[l];                                                \
            }                                                                           \
        return LANES == 2 ? acc[0] + acc[1] : (acc[0] + acc[1]) + (acc[2] + acc[LANES - 1]); \
    }
DEFINE_EINSUM_SQ(einsum_sq, double, 2)
DEFINE_EINSUM_SQ(einsum_sq_f32, float, 4)

/* Normalizer's norm of a row, as sklearn.preprocessing.normalize computes
 * it in X's dtype: l1 is np.abs(X).sum(axis=1) (pairwise; scratch holds n
 * values), l2 is np.sqrt of the einsum above, max is np.max(abs(X)). */
static double row_norm(const double *x, int32_t n, sks_norm norm, bool f32, void *scratch)
{
    double v = 0.0;
    if (norm == SKS_NORM_L1 && f32) {
        float *a = scratch;
        for (int32_t i = 0; i < n; i++)
            a[i] = fabsf((float)x[i]);
        v = sks__np_sum_f32(a, n);
    } else if (norm == SKS_NORM_L1) {
        double *a = scratch;
        for (int32_t i = 0; i < n; i++)
            a[i] = fabs(x[i]);
        v = sks__np_sum(a, n);
    } else if (norm == SKS_NORM_L2) {
        v = f32 ? (double)sqrtf(einsum_sq_f32(x, n)) : sqrt(einsum_sq(x, n));
    } else {
        for (int32_t i = 0; i < n; i++)
            if (fabs(x[i]) > v || isnan(x[i]))
                v = fabs(x[i]);
    }
    /* _handle_zeros_in_scale: norms below 10 eps of X's dtype divide by 1,
     * so all-zero and tiny rows stay as they are. */
    return v < (f32 ? 10.0 * FLT_EPSILON : 10.0 * DBL_EPSILON) ? 1.0 : v;
}

/* One encode step: span columns of x into their encodings in y. */
static bool encode_span(job *j, int64_t r, const sks__step *st, const double *x, double *y)
{
    int32_t o = st->offset;
    for (int32_t k = 0; k < st->width; k++) {
        const sks__enc *e = &st->enc[k];
        double v = x[st->offset + k];
        int32_t i = find_cat(e, v);
        if (i < 0 && e->unknown_error) {
            j->bad_value = v;
            return set_bad_in_row(j, 'u', r, e->origin, st->offset + k);
        }
        double out = e->map[i < 0 ? e->n_cats : i];
        if (!e->onehot) {
            y[o++] = out;
            continue;
        }
        for (int32_t w = 0; w < e->width; w++)
            y[o + w] = 0.0;
        if (out >= 0)
            y[o + (int32_t)out] = 1.0;
        o += e->width;
    }
    return true;
}

/* Models with preprocessing steps (and table input): row r through the
 * steps into j->row, as scikit-learn's transformers compute (float64, and
 * rounded back to float32 after each step that keeps float32 X float32).
 * Each step first checks its span as its transformer's check_array does
 * (sks__step.check); NaN flows on where allowed (imputers fill it; the
 * estimator's check comes after). */
bool sks__steps_row(job *j, int64_t r)
{
    const sks_model *m = j->m;
    const int64_t nc = m->info.n_features;
    const bool f32 = j->f32;
    double *x = j->prep, *y = j->prep2;
    for (int64_t c = 0; c < nc; c++)
        x[c] = cell(j, r, c);
    for (int32_t s = 0; s < m->info.n_steps; s++) {
        const sks__step *st = &m->steps[s];
        if (st->check != SKS_CHECK_NONE) {
            /* The transformer's own check_array on what it is given. */
            bool sel = st->kind == SKS_STEP_SELECT;
            for (int32_t c = sel ? 0 : st->offset; c < (sel ? st->w_in : st->offset + st->width); c++) {
                bool nan = isnan(x[c]);
                if (isinf(x[c]) || (nan && st->check == SKS_CHECK_FINITE))
                    return set_bad_in_row(j, nan ? 'N' : 'I', r, st->origin[c], c);
            }
        }
        const double *v = st->values;
        /* A step kept in float64 (no_round) uses its values as they are. */
        const bool cast = f32 && st->round && st->cast;
        /* NumPy compares a float32 X with the marker in float32. */
        const double missing = f32 && st->round ? (double)(float)st->missing : st->missing;
        double *span = x + st->offset;
        const int32_t wd = st->width, tail = st->offset + wd;
        int32_t round_from = st->offset, round_to = st->offset + wd;
        bool swap = true;
        /* (double)(float)v: the value in X's dtype. With float32 operands,
         * one float64 operation rounded to float32 equals the float32
         * operation (53 >= 2 * 24 + 2 bits), so x OP v below matches
         * NumPy's float32 loop as well as its float64-then-cast one. */
#define V(c) (cast ? (double)(float)v[c] : v[c])
        switch (st->kind) {
        case SKS_STEP_ELEMENTWISE:
            swap = false;
            switch (st->op) {
            case SKS_OP_SUB:
                for (int32_t c = 0; c < wd; c++)
                    span[c] = span[c] - V(c);
                break;
            case SKS_OP_DIV:
                for (int32_t c = 0; c < wd; c++)
                    span[c] = span[c] / V(c);
                break;
            case SKS_OP_MUL:
                for (int32_t c = 0; c < wd; c++)
                    span[c] = span[c] * V(c);
                break;
            case SKS_OP_ADD:
                for (int32_t c = 0; c < wd; c++)
                    span[c] = span[c] + V(c);
                break;
            case SKS_OP_FILL_NAN:
                for (int32_t c = 0; c < wd; c++)
                    if (st->missing_set ? span[c] == missing : isnan(span[c]))
                        span[c] = V(c);
                break;
            }
            break;
        case SKS_STEP_SELECT:
            for (int32_t k = 0; k < st->n_index; k++)
                y[k] = x[st->index[k]];
            round_to = round_from; /* copies: nothing new to round */
            break;
        case SKS_STEP_ENCODE:
            memcpy(y, x, (size_t)st->offset * sizeof(double));
            if (!encode_span(j, r, st, x, y))
                return false;
            round_to = round_from; /* small integers and NaN: exact */
            break;
        case SKS_STEP_INDICATOR:
            memcpy(y, x, (size_t)tail * sizeof(double));
            for (int32_t k = 0; k < st->n_index; k++)
                y[tail + k] = (st->missing_set ? span[st->index[k]] == missing : isnan(span[st->index[k]])) ? 1.0 : 0.0;
            round_to = round_from;
            break;
        case SKS_STEP_NORMALIZE: {
            swap = false;
            double n = row_norm(span, wd, st->norm, f32 && st->round, y);
            for (int32_t c = 0; c < wd; c++)
                span[c] = span[c] / n;
            break;
        }
        case SKS_STEP_POLY: {
            memcpy(y, x, (size_t)st->offset * sizeof(double));
            double *out = y + st->offset;
            for (int32_t t = 0; t < st->n_terms; t++) {
                int32_t a = st->term_a[t], b = st->term_b[t];
                out[t] = a < 0 ? (b < 0 ? 1.0 : span[b]) : out[a] * span[b];
                if (f32 && st->round)
                    out[t] = (float)out[t]; /* each product of float32 terms is float32 */
            }
            round_to = round_from;
            break;
        }
        }
#undef V
        if (swap) {
            /* Columns after the span move behind the step's output. */
            int32_t moved = st->kind == SKS_STEP_SELECT ? 0 : st->w_in - tail;
            if (moved > 0)
                memcpy(y + st->w_out - moved, x + tail, (size_t)moved * sizeof(double));
            double *t = x;
            x = y;
            y = t;
        }
        if (f32 && st->round)
            for (int32_t c = round_from; c < round_to; c++)
                x[c] = (float)x[c];
    }
    j->row = x;
    return true;
}
