/* test_format.c -- the model file: round trips, and every way a file can be bad. */
#define _POSIX_C_SOURCE 200809L
#include "fixtures.h"
#include "task.h"

#include <openssl/evp.h>
#include <unistd.h>

static void *serialize(const sks_desc *d, size_t *len)
{
    void *buf = NULL;
    sks_error err;
    if (sks_desc_serialize(d, &buf, len, &err) != 0) {
        fprintf(stderr, "serialize: %s\n", err.message);
        exit(1);
    }
    return buf;
}

/* Recomputes the body checksum so a mutation reaches the body parser. */
static void fix_checksum(uint8_t *buf, size_t len)
{
    unsigned n;
    if (len >= 56)
        EVP_Digest(buf + 56, len - 56, buf + 24, &n, EVP_sha256(), NULL);
}

TEST(roundtrip_tree_classifier)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    char path[] = "/tmp/sks-test-XXXXXX";
    int fd = mkstemp(path);
    ASSERT(fd >= 0);
    close(fd);
    sks_error err;
    ASSERT_RC(sks_desc_save(&d, path, &err), 0, &err);
    sks_model *m = NULL;
    ASSERT_RC(sks_model_load(path, &m, &err), 0, &err);
    unlink(path);
    sks_info in = SKS_INFO_INIT;
    sks_model_info(m, &in);
    ASSERT_INT(in.format_major, ==, SKS_FORMAT_MAJOR);
    ASSERT_STR(in.producer, "skscore");
    ASSERT_STR(in.producer_version, SKS_VERSION);
    ASSERT_STR(in.source, "scikit-learn");
    ASSERT_STR(in.estimator, "DecisionTreeClassifier");
    ASSERT_INT(strlen(in.checksum), ==, 64);
    ASSERT_INT(in.task, ==, SKS_TASK_CLASSIFICATION);
    ASSERT_INT(in.n_features, ==, 2);
    ASSERT_INT(in.n_classes, ==, 3);
    ASSERT_INT(in.label_kind, ==, SKS_LABEL_STR);
    ASSERT_STR(in.label_dtype, "<U10");
    ASSERT_INT(in.n_trees, ==, 1);
    ASSERT_INT(in.n_nodes, ==, 5);
    ASSERT_INT(in.max_depth, ==, 2);
    ASSERT_INT(in.allow_nan, ==, 1);
    ASSERT_STR(sks_model_feature_name(m, 1), "petal width");
    ASSERT(sks_model_feature_name(m, 2) == NULL);
    ASSERT_STR(sks_model_label_str(m, 2), "virginica");
    ASSERT(sks_model_label_str(m, 3) == NULL);
    ASSERT_INT(in.n_metadata, ==, 2);
    ASSERT_STR(sks_model_metadata_key(m, 0), "owner");
    ASSERT_STR(sks_model_metadata_value(m, 0), "risk-team");
    ASSERT(sks_model_metadata_key(m, 5) == NULL);

    /* The same bytes load the same model, and from_desc agrees. */
    size_t len;
    void *buf = serialize(&d, &len);
    sks_model *m2 = NULL, *m3 = NULL;
    ASSERT_RC(sks_model_load_buffer(buf, len, &m2, &err), 0, &err);
    ASSERT_RC(sks_model_from_desc(&d, &m3, &err), 0, &err);
    sks_info in2 = SKS_INFO_INIT, in3 = SKS_INFO_INIT;
    sks_model_info(m2, &in2);
    sks_model_info(m3, &in3);
    ASSERT_STR(in2.checksum, in.checksum);
    ASSERT_STR(in3.checksum, in.checksum);
    sks_free(buf);
    sks_model_free(m);
    sks_model_free(m2);
    sks_model_free(m3);
    sks_model_free(NULL);
}

TEST(roundtrip_linear_int_labels)
{
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    sks_error err;
    sks_model *m = NULL;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), 0, &err);
    sks_info in = SKS_INFO_INIT;
    sks_model_info(m, &in);
    ASSERT_INT(in.coef_dtype, ==, SKS_F64);
    sks_model_free(m);
    d.coef_dtype = SKS_F32;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), 0, &err);
    sks_model_info(m, &in);
    ASSERT_INT(in.coef_dtype, ==, SKS_F32);
    ASSERT_INT(in.intercept_dtype, ==, SKS_F64);
    ASSERT_INT(in.kind, ==, SKS_EST_LINEAR);
    ASSERT_INT(in.label_kind, ==, SKS_LABEL_INT);
    ASSERT_INT(sks_model_label_int(m, 0), ==, -1);
    ASSERT_INT(sks_model_label_int(m, 2), ==, 7);
    ASSERT_INT(in.has_feature_names, ==, 0);
    ASSERT_INT(in.n_trees, ==, 0);
    sks_model_free(m);
}

TEST(header_errors)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    uint8_t *copy = malloc(len + 8);
    sks_model *m = NULL;
    sks_error err;

    memcpy(copy, buf, len);
    copy[1] = 'X';
    ASSERT_RC(sks_model_load_buffer(copy, len, &m, &err), SKS_EMAGIC, &err);
    ASSERT_RC(sks_model_load_buffer("PK\3\4", 4, &m, &err), SKS_EMAGIC, &err);
    ASSERT_RC(sks_model_load_buffer("", 0, &m, &err), SKS_ETRUNCATED, &err);

    memcpy(copy, buf, len);
    copy[8] = 2; /* major 2 */
    ASSERT_RC(sks_model_load_buffer(copy, len, &m, &err), SKS_EVERSION, &err);
    ASSERT(strstr(err.message, "2.0") != NULL);
    memcpy(copy, buf, len);
    copy[10] = SKS_FORMAT_MINOR + 1;
    ASSERT_RC(sks_model_load_buffer(copy, len, &m, &err), SKS_EVERSION, &err);
    ASSERT(strstr(err.message, "upgrade") != NULL);

    memcpy(copy, buf, len);
    copy[12] = 1;
    ASSERT_RC(sks_model_load_buffer(copy, len, &m, &err), SKS_EFORMAT, &err);

    memcpy(copy, buf, len);
    copy[len - 1] ^= 0x40;
    ASSERT_RC(sks_model_load_buffer(copy, len, &m, &err), SKS_ECHECKSUM, &err);

    memcpy(copy, buf, len);
    memcpy(copy + len, "trailing", 8);
    ASSERT_RC(sks_model_load_buffer(copy, len + 8, &m, &err), SKS_EFORMAT, &err);
    ASSERT(strstr(err.message, "after its body") != NULL);

    ASSERT_RC(sks_model_load_buffer(NULL, 3, &m, &err), SKS_EARG, &err);
    ASSERT_RC(sks_model_load("/nonexistent/model.skm", &m, &err), SKS_EIO, &err);
    ASSERT(strstr(err.message, "/nonexistent/model.skm") != NULL);
    ASSERT_RC(sks_model_load("/tmp", &m, &err), SKS_EIO, &err);
    ASSERT(m == NULL);
    free(copy);
    sks_free(buf);
}

TEST(every_truncation_fails_cleanly)
{
    fx_tree t[3];
    sks_tree_desc trees[3];
    for (int i = 0; i < 3; i++) {
        fx_tree_init(&t[i], 1.0);
        trees[i] = t[i].tree;
    }
    sks_desc d = fx_classifier(trees, 3);
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    uint8_t *copy = malloc(len);
    for (size_t n = 0; n < len; n++) {
        sks_model *m = NULL;
        sks_error err;
        /* As cut: a short file. */
        ASSERT(sks_model_load_buffer(buf, n, &m, &err) != 0 && m == NULL);
        /* With the header patched to agree: the body parser sees the cut. */
        if (n >= 56) {
            memcpy(copy, buf, n);
            uint64_t body = n - 56;
            for (int i = 0; i < 8; i++)
                copy[16 + i] = (uint8_t)(body >> (8 * i));
            fix_checksum(copy, n);
            int rc = sks_model_load_buffer(copy, n, &m, &err);
            ASSERT(rc != 0 && m == NULL);
            ASSERT(err.message[0] != '\0');
        }
    }
    free(copy);
    sks_free(buf);
}

TEST(every_flipped_byte_is_caught_or_harmless)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    uint8_t *copy = malloc(len);
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x10};
    double x[2] = {0.5, 3.0}, out[3];
    sks_matrix X = fx_rows(x, 1, 2);
    for (size_t i = 56; i < len; i++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            memcpy(copy, buf, len);
            copy[i] ^= flips[f];
            sks_model *m = NULL;
            sks_error err;
            ASSERT_INT(sks_model_load_buffer(copy, len, &m, &err), ==, SKS_ECHECKSUM);
            fix_checksum(copy, len);
            if (sks_model_load_buffer(copy, len, &m, &err) == 0) {
                /* A flip that still describes a valid model must score. */
                sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 3, 1, &err);
                sks_model_free(m);
            } else {
                ASSERT(m == NULL && err.message[0] != '\0');
            }
        }
    }
    free(copy);
    sks_free(buf);
}

/* Descriptions that must be refused, each for its own reason. */
TEST(invalid_descriptions)
{
    sks_error err;
    void *buf;
    size_t len;
    fx_tree t;
    sks_desc d;

#define REFUSE(mutation, needle)                                                       \
    do {                                                                               \
        fx_tree_init(&t, 1.0);                                                         \
        d = fx_classifier(&t.tree, 1);                                                 \
        mutation;                                                                      \
        ASSERT_RC(sks_desc_serialize(&d, &buf, &len, &err), SKS_EINVALID, &err);       \
        if (strstr(err.message, needle) == NULL)                                       \
            FAIL_("message \"%s\" lacks \"%s\"", err.message, needle);                 \
    } while (0)

    REFUSE(t.left[2] = 0, "outside");                 /* child back to the root */
    REFUSE((t.left[2] = 1, t.right[2] = 1), "twice"); /* shared leaf */
    REFUSE(t.right[0] = 5, "outside");
    REFUSE(t.left[3] = 4, "leaf marker");
    REFUSE(t.feature[2] = 2, "feature 2");
    REFUSE(t.feature[0] = -1, "feature -1");
    REFUSE(t.threshold[2] = NAN, "NaN");
    REFUSE(t.missing_left[0] = 2, "missing_left");
    REFUSE(d.n_values = 2, "values per leaf");
    REFUSE(d.n_features = 0, "n_features");
    REFUSE(d.n_classes = 0, "n_classes");
    REFUSE(d.link = SKS_LINK_LOGISTIC_OVR, "link");
    REFUSE(d.link = SKS_LINK_SOFTMAX, "aggregation \"sum\"");
    static const double base3[3] = {0, 0, 0};
    REFUSE(d.base = base3, "aggregation \"sum\"");
    static const int32_t bad_out[1] = {3};
    REFUSE((d.aggregation = SKS_AGG_SUM, d.tree_output = bad_out), "tree_output[0] is 3");
    REFUSE(d.aggregation = (sks_aggregation)9, "aggregation");
    REFUSE(d.n_trees = 0, "n_trees");
    REFUSE(d.kind = (sks_estimator_kind)7, "estimator kind");
    REFUSE(d.label_kind = SKS_LABEL_NONE, "labels");
    static const char *const dup_names[2] = {"a", "a"};
    REFUSE(d.feature_names = dup_names, "twice");
    static const char *const bad_utf8[3] = {"ok", "\xc3\x28", "x"};
    REFUSE(d.str_labels = bad_utf8, "UTF-8");
    static const char *const overlong[3] = {"ok", "\xc0\xaf", "x"};
    REFUSE(d.str_labels = overlong, "UTF-8");
    REFUSE(d.n_outputs = 2, "multi-output");
#undef REFUSE

    /* A cycle through a child pointing at its ancestor. */
    int32_t l[3] = {1, 2, -1}, r[3] = {2, 1, -1}, f[3] = {0, 0, 0};
    double th[3] = {0, 0, 0}, v[9] = {0};
    sks_tree_desc cyc = {3, l, r, f, th, NULL, v, NULL};
    d = fx_classifier(&cyc, 1);
    ASSERT_RC(sks_desc_serialize(&d, &buf, &len, &err), SKS_EINVALID, &err);

    sks_desc lin = fx_linear(SKS_LINK_LOGISTIC); /* binary link, 3 classes */
    ASSERT_RC(sks_desc_serialize(&lin, &buf, &len, &err), SKS_EINVALID, &err);
    lin = fx_linear(SKS_LINK_SOFTMAX);
    lin.n_targets = 2;
    ASSERT_RC(sks_desc_serialize(&lin, &buf, &len, &err), SKS_EINVALID, &err);
    ASSERT_RC(sks_desc_serialize(NULL, &buf, &len, &err), SKS_EARG, &err);
    ASSERT_RC(sks_desc_save(&lin, "/nonexistent-dir/x.skm", &err), SKS_EINVALID, &err);
    lin = fx_linear(SKS_LINK_SOFTMAX);
    ASSERT_RC(sks_desc_save(&lin, "/nonexistent-dir/x.skm", &err), SKS_EIO, &err);
    /* the target and its missing folder, not the temporary file */
    ASSERT_STR(err.message, "cannot write /nonexistent-dir/x.skm: the folder /nonexistent-dir does not exist");
    ASSERT_RC(sks_desc_save(&lin, "/nonexistent-dir/sub/x.skm", &err), SKS_EIO, &err);
    ASSERT_STR(err.message, "cannot write /nonexistent-dir/sub/x.skm: the folder /nonexistent-dir/sub does not "
                            "exist");
}

/* XGBoost's float32 arithmetic is format 1.2: written as 1.2 only when
 * used, read back to the same scores, its constraints checked. */
/* Format 1.3: node covers, and the contributions they give (worked by
 * hand: two features, v(S) the expected leaf over the covers when only
 * S's splits are known, phi the Shapley average of v's steps). */
TEST(covers_format_1_3_and_contributions)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    double cover[5] = {10, 4, 6, 3, 3};
    const double *covers[1] = {cover};
    sks_desc d = fx_classifier(&t.tree, 1);
    d.tree_cover = covers;
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    ASSERT_INT(buf[10] | buf[11] << 8, ==, 3);
    sks_model *m = NULL;
    sks_error err;
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), 0, &err);
    sks_free(buf);
    sks_output_spec spec = SKS_OUTPUT_SPEC_INIT;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_CONTRIBUTIONS, SKS_F64, &spec, &err), 0, &err);
    ASSERT_INT(spec.cols, ==, 9);
    ASSERT_INT(spec.groups, ==, 3);
    ASSERT_INT(spec.ndim, ==, 3);
    double x[2] = {0.5, 1.0}, out[9];
    sks_matrix X = fx_rows(x, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_CONTRIBUTIONS, &X, out, 9, 1, &err), 0, &err);
    /* per class: phi(x0), phi(x1), bias */
    const double want[9] = {-0.4, 0, 0.4, 0.2375, 0.25, 0.2625, 0.1625, -0.25, 0.3375};
    for (int i = 0; i < 9; i++)
        ASSERT_NEAR(out[i], want[i], 1e-15);
    sks_model_free(m);

    /* Without covers the model scores, and says why it cannot explain. */
    d.tree_cover = NULL;
    buf = serialize(&d, &len);
    ASSERT_INT(buf[10] | buf[11] << 8, ==, 0);
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), 0, &err);
    sks_free(buf);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_CONTRIBUTIONS, &X, out, 9, 1, &err), SKS_EUNSUPPORTED, &err);
    ASSERT(strstr(err.message, "export") != NULL && strstr(err.message, "covers") != NULL);
    sks_model_free(m);

    /* A split's cover must be > 0, every cover finite and >= 0, and every
     * tree or none has them. */
    const double bad[3][5] = {{0, 4, 6, 3, 3}, {10, -1, 6, 3, 3}, {10, 4, 6, NAN, 3}};
    for (int k = 0; k < 3; k++) {
        covers[0] = bad[k];
        d.tree_cover = covers;
        void *p = NULL;
        ASSERT_RC(sks_desc_serialize(&d, &p, &len, &err), SKS_EINVALID, &err);
        ASSERT(strstr(err.message, "cover") != NULL);
    }
    fx_tree t2;
    fx_tree_init(&t2, 1.0);
    sks_tree_desc two[2] = {t.tree, t2.tree};
    const double *half[2] = {cover, NULL};
    d = fx_classifier(two, 2);
    d.tree_cover = half;
    void *p = NULL;
    ASSERT_RC(sks_desc_serialize(&d, &p, &len, &err), SKS_EINVALID, &err);
}

TEST(xgboost_format_1_2)
{
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0}, cat[3] = {0, -1, -1};
    double th[3] = {0.5, 0, 0}, v[3] = {0, -0.25, 0.75}, base[1] = {0.5};
    uint8_t ml[3] = {1, 0, 0};
    uint32_t bits[16] = {4};
    sks_tree_desc tr = {3, l, r, f, th, ml, v, NULL};
    sks_desc d = fx_xgb_regressor(&tr, 1);
    d.link = SKS_LINK_EXP_F32;
    d.base = base;
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    ASSERT_INT(buf[10] | buf[11] << 8, ==, 2);
    sks_model *m = NULL;
    sks_error err;
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), 0, &err);
    sks_free(buf);
    sks_info in = SKS_INFO_INIT;
    sks_model_info(m, &in);
    ASSERT_INT(in.format_minor, ==, 2);
    ASSERT_INT(in.output_dtype, ==, SKS_F32);
    ASSERT_STR(sks_link_name(in.link), "exp_f32");
    double x[2] = {0.5, 0.25}, out[2];
    sks_matrix X = {.data = x, .n_rows = 2, .n_cols = 1, .row_stride = 8, .col_stride = 8, .dtype = SKS_F64};
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), 0, &err);
    ASSERT_BITS(out[0], (double)expf(1.25f));
    ASSERT_BITS(out[1], (double)expf(0.25f));
    sks_model_free(m);
    /* With categorical splits too (the float64 layout on float32 rows). */
    tr.cat = cat;
    d.n_cat_bitsets = 1;
    d.cat_bitsets = bits;
    d.cat_rule = SKS_CAT_XGBOOST;
    buf = serialize(&d, &len);
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), 0, &err);
    sks_free(buf);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), 0, &err);
    ASSERT_BITS(out[0], (double)expf(0.25f)); /* 0.5 truncates to 0: not in {2}, left */
    sks_model_free(m);
    tr.cat = NULL;
    d.n_cat_bitsets = 0;
    d.cat_bitsets = NULL;
    d.cat_rule = SKS_CAT_SKLEARN;
    /* A scikit-learn tree is still written as 1.0. */
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc sk = fx_classifier(&t.tree, 1);
    buf = serialize(&sk, &len);
    ASSERT_INT(buf[10] | buf[11] << 8, ==, 0);
    sks_free(buf);

    void *out_buf = NULL;
#define REFUSE(mutation, undo, needle)                                                  \
    do {                                                                                \
        mutation;                                                                       \
        ASSERT_RC(sks_desc_serialize(&d, &out_buf, &len, &err), SKS_EINVALID, &err);    \
        if (strstr(err.message, needle) == NULL)                                        \
            FAIL_("message \"%s\" lacks \"%s\"", err.message, needle);                  \
        undo;                                                                           \
    } while (0)
    REFUSE(v[1] = 0.1, v[1] = -0.25, "not a float32 number");
    REFUSE(base[0] = 0.1, base[0] = 0.5, "not a float32 number");
    REFUSE(th[0] = -INFINITY, th[0] = 0.5, "-inf");
    REFUSE(d.sum_f32 = 2, d.sum_f32 = 1, "float32 sums");
    REFUSE((d.aggregation = SKS_AGG_MEAN, d.base = NULL), (d.aggregation = SKS_AGG_SUM, d.base = base),
           "float32 sums");
    REFUSE(d.compare = (sks_compare)4, d.compare = SKS_CMP_F32_LT, "comparison");
    REFUSE((tr.cat = cat, d.n_cat_bitsets = 1, d.cat_bitsets = bits, d.cat_rule = SKS_CAT_XGBOOST,
            d.compare = SKS_CMP_F64_LE),
           (tr.cat = NULL, d.n_cat_bitsets = 0, d.cat_bitsets = NULL, d.compare = SKS_CMP_F32_LT), "\"f32_lt\"");
    REFUSE((tr.cat = cat, d.n_cat_bitsets = 1, d.cat_bitsets = bits, d.cat_rule = SKS_CAT_LIGHTGBM),
           (tr.cat = NULL, d.n_cat_bitsets = 0, d.cat_bitsets = NULL), "\"f64_le\"");
    REFUSE(d.cat_rule = (sks_cat_rule)3, d.cat_rule = SKS_CAT_SKLEARN, "categorical rule");
    REFUSE(d.link = SKS_LINK_SOFTMAX_F32, d.link = SKS_LINK_EXP_F32, "link");
    REFUSE(d.link = (sks_link)14, d.link = SKS_LINK_EXP_F32, "unknown link");
#undef REFUSE
    ASSERT_STR(sks_link_name((sks_link)14), "unknown");
    ASSERT_STR(sks_link_name(SKS_LINK_SOFTMAX_F32), "softmax_f32");
}

TEST(repeated_keys_are_refused)
{
    /* input's "allow_inf" renamed "allow_nan": the same key twice in a map. */
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    size_t len;
    uint8_t *buf = serialize(&d, &len);
    ASSERT(buf != NULL);
    uint8_t *hit = NULL;
    for (size_t i = 56; i + 10 <= len && hit == NULL; i++)
        if (buf[i] == 0xa9 && memcmp(buf + i + 1, "allow_inf", 9) == 0)
            hit = buf + i + 1;
    ASSERT(hit != NULL);
    memcpy(hit, "allow_nan", 9);
    fix_checksum(buf, len);
    sks_model *m = NULL;
    sks_error err;
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), SKS_EFORMAT, &err);
    ASSERT(strstr(err.message, "twice") != NULL);
    ASSERT(m == NULL);
    sks_free(buf);
}

static const task_entry TESTS[] = {
    TASK(repeated_keys_are_refused),
    TASK(xgboost_format_1_2),
    TASK(covers_format_1_3_and_contributions),
    TASK(roundtrip_tree_classifier),
    TASK(roundtrip_linear_int_labels),
    TASK(header_errors),
    TASK(every_truncation_fails_cleanly),
    TASK(every_flipped_byte_is_caught_or_harmless),
    TASK(invalid_descriptions),
};
TASK_MAIN(TESTS)
