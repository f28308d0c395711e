/*
 * format_write.c -- the model file's one writer: a validated description
 * into the file's bytes (msgpack-c's packer), and saving them atomically.
 *
 * Validation is model.c's (sks__desc_validate, sks__steps_check), the same
 * that a loaded file goes through; the format version written is the
 * oldest that holds the description's features, so older engines read
 * what they can. Reads nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "format.h"

#include <errno.h>
#include <msgpack.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void pk_str(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void pk_opt_str(msgpack_packer *pk, const char *s)
{
    if (s == NULL)
        msgpack_pack_nil(pk);
    else
        pk_str(pk, s);
}

/* A typed array: [dtype, bin of little-endian elements]. */
static void pk_array(msgpack_packer *pk, const char *dtype, const void *p, size_t bytes)
{
    msgpack_pack_array(pk, 2);
    pk_str(pk, dtype);
    msgpack_pack_bin(pk, bytes);
    msgpack_pack_bin_body(pk, p, bytes);
}



static void pk_bool(msgpack_packer *pk, int b)
{
    if (b)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

/* Format 1.1 features: string columns, steps other than whole-row
 * elementwise ones. Files without them are written as 1.0, which older
 * engines read. */
/* Format 1.2 features: XGBoost's float32 arithmetic (float32 sums,
 * "f32_lt" comparisons, its categorical rule and float32 links). */
static bool needs_minor_2(const sks_desc *d)
{
    return d->link >= SKS_LINK_LOGISTIC_F32 ||
           (d->kind == SKS_EST_TREES && (d->sum_f32 || d->compare == SKS_CMP_F32_LT || d->cat_rule == SKS_CAT_XGBOOST));
}

static bool needs_minor_1(const sks_desc *d, const int32_t *widths, const int32_t *spans)
{
    if (d->vocab != NULL || d->ignored != NULL || d->n_cat_bitsets > 0)
        return true;
    for (int32_t i = 0; i < d->n_steps; i++)
        if (d->steps[i].kind != SKS_STEP_ELEMENTWISE || d->steps[i].offset != 0 || spans[i] != widths[i] ||
            d->steps[i].no_round || d->steps[i].missing_set || d->steps[i].check != SKS_CHECK_INF)
            return true;
    return false;
}

static void pk_step(msgpack_packer *pk, const sks_step_desc *st, int32_t span, bool v11)
{
    size_t n = 1 + (v11 ? 1 : 0) + (v11 && st->kind != SKS_STEP_SELECT ? 2 : 0) + (st->missing_set ? 1 : 0) +
               (st->check != SKS_CHECK_INF);
    switch (st->kind) {
    case SKS_STEP_ELEMENTWISE: n += 3; break;
    case SKS_STEP_SELECT:
    case SKS_STEP_INDICATOR:
    case SKS_STEP_ENCODE:
    case SKS_STEP_NORMALIZE: n += 1; break;
    case SKS_STEP_POLY: n += 2; break;
    }
    msgpack_pack_map(pk, n);
    pk_str(pk, "kind");
    pk_str(pk, sks__step_names[st->kind]);
    if (st->check != SKS_CHECK_INF) {
        pk_str(pk, "check");
        pk_str(pk, sks__check_names[st->check]);
    }
    if (st->missing_set) {
        pk_str(pk, "missing");
        msgpack_pack_double(pk, st->missing);
    }
    if (v11) {
        pk_str(pk, "no_round");
        pk_bool(pk, st->no_round);
        if (st->kind != SKS_STEP_SELECT) {
            pk_str(pk, "offset");
            msgpack_pack_int64(pk, st->offset);
            pk_str(pk, "width");
            msgpack_pack_int64(pk, span);
        }
    }
    switch (st->kind) {
    case SKS_STEP_ELEMENTWISE:
        pk_str(pk, "cast_values");
        pk_bool(pk, st->cast_values);
        pk_str(pk, "op");
        pk_str(pk, sks__op_names[st->op]);
        pk_str(pk, "values");
        pk_array(pk, "f64", st->values, (size_t)span * 8);
        break;
    case SKS_STEP_SELECT:
    case SKS_STEP_INDICATOR:
        pk_str(pk, "index");
        pk_array(pk, "i32", st->index, (size_t)st->n_index * 4);
        break;
    case SKS_STEP_ENCODE:
        pk_str(pk, "columns");
        msgpack_pack_array(pk, (size_t)span);
        for (int32_t j = 0; j < span; j++) {
            const sks_encoding *e = &st->enc[j];
            msgpack_pack_map(pk, 5);
            pk_str(pk, "cats");
            pk_array(pk, "f64", e->cats, (size_t)e->n_cats * 8);
            pk_str(pk, "onehot");
            pk_bool(pk, e->onehot);
            pk_str(pk, "width");
            msgpack_pack_int64(pk, e->onehot ? e->width : 1);
            pk_str(pk, "map");
            pk_array(pk, "f64", e->map, ((size_t)e->n_cats + 1) * 8);
            pk_str(pk, "unknown_error");
            pk_bool(pk, e->unknown_error);
        }
        break;
    case SKS_STEP_NORMALIZE:
        pk_str(pk, "norm");
        pk_str(pk, sks__norm_names[st->norm]);
        break;
    case SKS_STEP_POLY:
        pk_str(pk, "term_a");
        pk_array(pk, "i32", st->term_a, (size_t)st->n_terms * 4);
        pk_str(pk, "term_b");
        pk_array(pk, "i32", st->term_b, (size_t)st->n_terms * 4);
        break;
    }
}

static void pk_body(msgpack_packer *pk, const sks_desc *d, bool v11, const int32_t *spans, int32_t est_width)
{
    msgpack_pack_map(pk, 9);
    pk_str(pk, "producer");
    pk_str(pk, "skscore");
    pk_str(pk, "producer_version");
    pk_str(pk, SKS_VERSION);
    pk_str(pk, "source");
    pk_opt_str(pk, d->source);
    pk_str(pk, "source_version");
    pk_opt_str(pk, d->source_version);
    pk_str(pk, "estimator");
    pk_opt_str(pk, d->estimator);

    pk_str(pk, "input");
    msgpack_pack_map(pk, 4 + (d->vocab != NULL) + (d->ignored != NULL));
    pk_str(pk, "n_features");
    msgpack_pack_int64(pk, d->n_features);
    pk_str(pk, "feature_names");
    if (d->feature_names == NULL) {
        msgpack_pack_nil(pk);
    } else {
        msgpack_pack_array(pk, (size_t)d->n_features);
        for (int32_t i = 0; i < d->n_features; i++)
            pk_str(pk, d->feature_names[i]);
    }
    pk_str(pk, "allow_nan");
    if (d->allow_nan)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    pk_str(pk, "allow_inf");
    if (d->allow_inf)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    if (d->ignored != NULL) {
        pk_str(pk, "ignored");
        pk_array(pk, "u8", d->ignored, (size_t)d->n_features);
    }
    if (d->vocab != NULL) {
        pk_str(pk, "vocab");
        msgpack_pack_array(pk, (size_t)d->n_features);
        for (int32_t c = 0; c < d->n_features; c++) {
            if (d->vocab[c] == NULL) {
                msgpack_pack_nil(pk);
                continue;
            }
            msgpack_pack_array(pk, (size_t)d->vocab_size[c]);
            for (int32_t i = 0; i < d->vocab_size[c]; i++)
                pk_str(pk, d->vocab[c][i]);
        }
    }

    pk_str(pk, "output");
    msgpack_pack_map(pk, 9);
    pk_str(pk, "task");
    pk_str(pk, sks_task_name(d->task));
    pk_str(pk, "n_outputs");
    msgpack_pack_int64(pk, d->n_outputs);
    pk_str(pk, "output_2d");
    if (d->output_2d)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    pk_str(pk, "n_classes");
    msgpack_pack_int64(pk, d->task == SKS_TASK_CLASSIFICATION ? d->n_classes : 0);
    switch (d->task == SKS_TASK_CLASSIFICATION ? d->label_kind : SKS_LABEL_NONE) {
    case SKS_LABEL_INT:
        pk_str(pk, "labels_int");
        pk_array(pk, "i64", d->int_labels, (size_t)d->n_classes * 8);
        break;
    case SKS_LABEL_FLOAT:
        pk_str(pk, "labels_float");
        pk_array(pk, "f64", d->float_labels, (size_t)d->n_classes * 8);
        break;
    case SKS_LABEL_STR:
        pk_str(pk, "labels_str");
        msgpack_pack_array(pk, (size_t)d->n_classes);
        for (int32_t i = 0; i < d->n_classes; i++)
            pk_str(pk, d->str_labels[i]);
        break;
    default:
        pk_str(pk, "labels_none");
        msgpack_pack_nil(pk);
    }
    pk_str(pk, "label_dtype");
    pk_opt_str(pk, d->label_dtype);
    pk_str(pk, "link");
    pk_str(pk, sks__link_names[d->link]);
    pk_str(pk, "link_params");
    pk_array(pk, "f64", d->link_params, sizeof(d->link_params));
    pk_str(pk, "positive_at_zero");
    if (d->positive_at_zero)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);

    pk_str(pk, "metadata");
    msgpack_pack_map(pk, (size_t)d->n_metadata);
    for (int32_t i = 0; i < d->n_metadata; i++) {
        pk_str(pk, d->metadata_keys[i]);
        pk_str(pk, d->metadata_values[i]);
    }

    pk_str(pk, "steps");
    msgpack_pack_array(pk, (size_t)d->n_steps + 1);
    for (int32_t i = 0; i < d->n_steps; i++)
        pk_step(pk, &d->steps[i], spans[i], v11);
    if (d->kind == SKS_EST_TREES) {
        msgpack_pack_map(pk, 5 + (d->base != NULL) + (d->tree_output != NULL) + 2 * (d->n_cat_bitsets > 0) +
                                 (d->sum_f32 != 0));
        pk_str(pk, "kind");
        pk_str(pk, "trees");
        pk_str(pk, "aggregation");
        pk_str(pk, sks__agg_names[d->aggregation]);
        pk_str(pk, "compare");
        pk_str(pk, sks__cmp_names[d->compare]);
        if (d->sum_f32) {
            pk_str(pk, "sum");
            pk_str(pk, "f32");
        }
        pk_str(pk, "n_values");
        msgpack_pack_int64(pk, d->n_values);
        if (d->base != NULL) {
            pk_str(pk, "base");
            pk_array(pk, "f64", d->base, (size_t)d->n_values * 8);
        }
        if (d->tree_output != NULL) {
            pk_str(pk, "tree_output");
            pk_array(pk, "i32", d->tree_output, (size_t)d->n_trees * 4);
        }
        if (d->n_cat_bitsets > 0) {
            pk_str(pk, "cat_bitsets");
            pk_array(pk, "u32", d->cat_bitsets, (size_t)d->n_cat_bitsets * 64);
            pk_str(pk, "cat_rule");
            pk_str(pk, sks__cat_rule_names[d->cat_rule]);
        }
        pk_str(pk, "trees");
        msgpack_pack_array(pk, (size_t)d->n_trees);
        for (int32_t t = 0; t < d->n_trees; t++) {
            const sks_tree_desc *tr = &d->trees[t];
            size_t n = (size_t)tr->n_nodes;
            bool has_cat = false;
            for (size_t i = 0; tr->cat != NULL && i < n && !has_cat; i++)
                has_cat = tr->cat[i] != -1;
            bool has_cover = d->tree_cover != NULL;
            msgpack_pack_map(pk, (tr->missing_left != NULL ? 6 : 5) + has_cat + has_cover);
            pk_str(pk, "left");
            pk_array(pk, "i32", tr->left, n * 4);
            pk_str(pk, "right");
            pk_array(pk, "i32", tr->right, n * 4);
            pk_str(pk, "feature");
            pk_array(pk, "i32", tr->feature, n * 4);
            pk_str(pk, "threshold");
            pk_array(pk, "f64", tr->threshold, n * 8);
            if (tr->missing_left != NULL) {
                pk_str(pk, "missing_left");
                pk_array(pk, "u8", tr->missing_left, n);
            }
            if (has_cat) {
                pk_str(pk, "cat");
                pk_array(pk, "i32", tr->cat, n * 4);
            }
            pk_str(pk, "value");
            pk_array(pk, "f64", tr->value, n * (size_t)(d->tree_output != NULL ? 1 : d->n_values) * 8);
            if (has_cover) {
                pk_str(pk, "cover");
                pk_array(pk, "f64", d->tree_cover[t], n * 8);
            }
        }
    } else {
        msgpack_pack_map(pk, 6);
        pk_str(pk, "kind");
        pk_str(pk, "linear");
        pk_str(pk, "coef_dtype");
        pk_str(pk, d->coef_dtype == SKS_F32 ? "f32" : "f64");
        pk_str(pk, "intercept_dtype");
        pk_str(pk, d->intercept_dtype == SKS_F32 ? "f32" : "f64");
        pk_str(pk, "n_targets");
        msgpack_pack_int64(pk, d->n_targets);
        pk_str(pk, "coef");
        pk_array(pk, "f64", d->coef, (size_t)d->n_targets * (size_t)est_width * 8);
        pk_str(pk, "intercept");
        pk_array(pk, "f64", d->intercept, (size_t)d->n_targets * 8);
    }
}

int sks_desc_serialize(const sks_desc *caller, void **out, size_t *out_len, sks_error *err)
{
    sks__error_clear(err);
    if (out == NULL || out_len == NULL)
        return sks__fail(err, SKS_EARG, "sks_desc_serialize: NULL argument");
    sks_desc desc;
    int rc = sks__desc_accept(caller, &desc, err);
    if (rc != 0)
        return rc;
    const sks_desc *d = &desc;
    rc = sks__desc_validate(d, err);
    if (rc != 0)
        return rc;
    int32_t est_width, *spans = malloc(((size_t)d->n_steps + 1) * 2 * sizeof(int32_t));
    if (spans == NULL)
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    int32_t *widths = spans + d->n_steps + 1;
    if ((rc = sks__steps_check(d, &est_width, widths, spans, err)) != 0) {
        free(spans);
        return rc;
    }
    bool v11 = needs_minor_1(d, widths, spans);

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    /* Reserve the preamble so the body lands after it without a copy. */
    static const uint8_t zeros[SKS__PREAMBLE];
    msgpack_sbuffer_write(&sb, (const char *)zeros, SKS__PREAMBLE);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pk_body(&pk, d, v11, spans, est_width);
    free(spans);
    if (sb.data == NULL || sb.size < SKS__PREAMBLE) {
        msgpack_sbuffer_destroy(&sb);
        return sks__fail(err, SKS_ENOMEM, "out of memory while serializing the model");
    }
    uint8_t *p = (uint8_t *)sb.data;
    size_t body = sb.size - SKS__PREAMBLE;
    if (body > SKS__MAX_BODY) {
        msgpack_sbuffer_destroy(&sb);
        return sks__fail(err, SKS_EINVALID, "model body of %zu bytes exceeds the 1 GiB limit", body);
    }
    memcpy(p, sks__magic, 8);
    sks__put_le(p + 8, SKS_FORMAT_MAJOR, 2);
    /* 1.3: node covers (what contributions need). */
    bool v13 = d->kind == SKS_EST_TREES && d->tree_cover != NULL;
    sks__put_le(p + 10, v13 ? 3 : needs_minor_2(d) ? 2 : (v11 ? 1 : 0), 2);
    sks__put_le(p + 12, 0, 4);
    sks__put_le(p + 16, body, 8);
    unsigned int n = 0;
    EVP_Digest(p + SKS__PREAMBLE, body, p + 24, &n, EVP_sha256(), NULL);
    *out_len = sb.size;
    *out = msgpack_sbuffer_release(&sb);
    return 0;
}

void sks_free(void *p) { free(p); }

int sks_desc_save(const sks_desc *d, const char *path, sks_error *err)
{
    void *buf = NULL;
    size_t len = 0;
    if (path == NULL)
        return sks__fail(err, SKS_EARG, "sks_desc_save: NULL path");
    int rc = sks_desc_serialize(d, &buf, &len, err);
    if (rc != 0)
        return rc;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (tmp == NULL) {
        free(buf);
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        /* Name the file asked for, not the temporary one beside it. */
        const char *slash = strrchr(path, '/');
        if (errno == ENOENT && slash != NULL)
            rc = sks__fail(err, SKS_EIO, "cannot write %s: the folder %.*s does not exist", path,
                           slash == path ? 1 : (int)(slash - path), path);
        else
            rc = sks__fail(err, SKS_EIO, "cannot write %s (through the temporary file %s): %s", path, tmp,
                           strerror(errno));
        goto done;
    }
    size_t wrote = fwrite(buf, 1, len, f);
    int bad = wrote != len || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = errno;
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        rc = sks__fail(err, SKS_EIO, "cannot write %s: %s", tmp, strerror(bad ? saved : errno));
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = sks__fail(err, SKS_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
    }
done:
    free(tmp);
    free(buf);
    return rc;
}
