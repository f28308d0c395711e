/* test_contract.c -- what a model gives (sks_model_output_spec), the names
 * of the engine's enums, the UTF-8 checker and the CPU count: the rules the
 * extension and the gateway take from the engine instead of keeping their
 * own copies. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "fixtures.h"
#include "task.h"

#include <sched.h>
#include <unistd.h>

static sks_model *build(const sks_desc *d)
{
    sks_model *m = NULL;
    sks_error err;
    if (sks_model_from_desc(d, &m, &err) != 0) {
        fprintf(stderr, "build: %s\n", err.message);
        exit(1);
    }
    return m;
}

/* spec of m's output `what` for input dtype, which must succeed. */
static sks_output_spec spec_of(const sks_model *m, sks_output what, sks_dtype dtype)
{
    sks_output_spec s = SKS_OUTPUT_SPEC_INIT;
    sks_error err;
    int rc = sks_model_output_spec(m, what, dtype, &s, &err);
    if (rc != 0) {
        fprintf(stderr, "spec of %s: %s\n", sks_output_name(what), err.message);
        exit(1);
    }
    return s;
}

#define ASSERT_SPEC(s, c, nd, v)         \
    do {                                 \
        ASSERT_INT((s).cols, ==, (c));   \
        ASSERT_INT((s).ndim, ==, (nd));  \
        ASSERT_INT((s).values, ==, (v)); \
    } while (0)

/* A forest classifier: labels from predict, (n, 3) float64 probabilities
 * whatever the input dtype; no decision_function. */
TEST(tree_classifier_outputs)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    for (int dt = SKS_F32; dt <= SKS_F64; dt++) {
        ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, (sks_dtype)dt), 1, 1, SKS_VALUES_LABEL);
        ASSERT_SPEC(spec_of(m, SKS_OUT_PROBA, (sks_dtype)dt), 3, 2, SKS_VALUES_F64);
    }
    sks_output_spec s = SKS_OUTPUT_SPEC_INIT;
    sks_error err;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_DECISION, SKS_F64, &s, &err), SKS_EUNSUPPORTED, &err);
    ASSERT(strstr(err.message, "decision_function") != NULL);
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_SCORE_SAMPLES, SKS_F64, &s, &err), SKS_EUNSUPPORTED, &err);
    sks_model_free(m);
}

/* scikit-learn's float32 rule: a linear model keeping float32 coefficients
 * and intercept answers float32 X in float32, float64 X in float64; one
 * with float64 coefficients always in float64. */
TEST(linear_float32_rule)
{
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    sks_model *m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F32), 3, 2, SKS_VALUES_F64);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PROBA, SKS_F32), 3, 2, SKS_VALUES_F64);
    sks_model_free(m);

    d.coef_dtype = SKS_F32;
    d.intercept_dtype = SKS_F32;
    m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F32), 3, 2, SKS_VALUES_F32);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PROBA, SKS_F32), 3, 2, SKS_VALUES_F32);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F64), 3, 2, SKS_VALUES_F64);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, SKS_F32), 1, 1, SKS_VALUES_LABEL);
    sks_model_free(m);

    d.intercept_dtype = SKS_F64; /* the result type of all three */
    m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F32), 3, 2, SKS_VALUES_F64);
    sks_model_free(m);
}

/* A binary linear classifier's decision_function is (n,). */
TEST(binary_decision_is_1d)
{
    static const int64_t labels[2] = {0, 1};
    sks_desc d = fx_linear(SKS_LINK_LOGISTIC);
    d.n_classes = 2;
    d.int_labels = labels;
    d.n_targets = 1;
    sks_model *m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F64), 1, 1, SKS_VALUES_F64);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PROBA, SKS_F64), 2, 2, SKS_VALUES_F64);
    sks_model_free(m);
}

/* A regressor's predict is (n,) unless fitted on a 2-D y or with several
 * targets -- several targets are 2-D even if the file says otherwise, so a
 * caller sizing a 1-D result can never be handed more than n doubles. */
TEST(regressor_shapes)
{
    double coef[4] = {1, 2, 3, 4}, icpt[2] = {0.5, -0.5};
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 2;
    d.task = SKS_TASK_REGRESSION;
    d.kind = SKS_EST_LINEAR;
    d.coef = coef;
    d.intercept = icpt;
    d.n_outputs = d.n_targets = 1;
    sks_model *m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, SKS_F64), 1, 1, SKS_VALUES_F64);
    sks_model_free(m);
    d.output_2d = 1;
    m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, SKS_F64), 1, 2, SKS_VALUES_F64);
    sks_model_free(m);
    d.output_2d = 0;
    d.n_outputs = d.n_targets = 2;
    m = build(&d);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, SKS_F64), 2, 2, SKS_VALUES_F64);
    sks_output_spec s = SKS_OUTPUT_SPEC_INIT;
    sks_error err;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_PROBA, SKS_F64, &s, &err), SKS_EUNSUPPORTED, &err);
    sks_model_free(m);
}

/* XGBoost-style float32 outputs: every score output is float32. */
TEST(float32_models)
{
    int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0};
    double th[3] = {0.5, 0, 0}, v[3] = {0, -1.25, 0.75};
    sks_tree_desc tree = {3, l, r, f, th, NULL, v, NULL};
    static const int64_t labels[2] = {0, 1};
    sks_desc d = fx_summed_trees(labels, 2, SKS_CMP_F32_LT);
    d.link = SKS_LINK_LOGISTIC_F32;
    d.n_trees = 1;
    d.trees = &tree;
    d.n_values = 1;
    d.aggregation = SKS_AGG_SUM;
    d.sum_f32 = 1;
    sks_model *m = build(&d);
    sks_info info = SKS_INFO_INIT;
    sks_model_info(m, &info);
    ASSERT_INT(info.output_dtype, ==, SKS_F32);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PROBA, SKS_F64), 2, 2, SKS_VALUES_F32);
    ASSERT_SPEC(spec_of(m, SKS_OUT_DECISION, SKS_F64), 1, 1, SKS_VALUES_F32);
    ASSERT_SPEC(spec_of(m, SKS_OUT_PREDICT, SKS_F64), 1, 1, SKS_VALUES_LABEL);
    sks_model_free(m);
}

/* Bad arguments: no spec, a struct from before struct_size was set, an
 * input dtype that is not one, an output that does not exist. A larger
 * struct (a caller built against a later header) gets what fits. */
TEST(spec_arguments)
{
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    sks_model *m = build(&d);
    sks_error err;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_PREDICT, SKS_F64, NULL, &err), SKS_EARG, &err);
    sks_output_spec s;
    memset(&s, 0, sizeof s);
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_PREDICT, SKS_F64, &s, &err), SKS_EARG, &err);
    ASSERT(strstr(err.message, "struct_size") != NULL);
    s.struct_size = sizeof s;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_PREDICT, (sks_dtype)7, &s, &err), SKS_EARG, &err);
    ASSERT_RC(sks_model_output_spec(m, (sks_output)9, SKS_F64, &s, &err), SKS_EARG, &err);
    struct {
        sks_output_spec spec;
        int later_field;
    } bigger;
    memset(&bigger, 0x5a, sizeof bigger);
    bigger.spec.struct_size = sizeof bigger;
    ASSERT_RC(sks_model_output_spec(m, SKS_OUT_DECISION, SKS_F64, &bigger.spec, &err), 0, &err);
    ASSERT_SPEC(bigger.spec, 3, 2, SKS_VALUES_F64);
    ASSERT_INT(bigger.spec.struct_size, ==, sizeof bigger);
    ASSERT_INT(bigger.later_field, ==, 0x5a5a5a5a);
    sks_model_free(m);
}

TEST(names)
{
    static const char *const outs[] = {"predict", "predict_proba", "decision_function", "score_samples", "contributions"};
    for (int i = 0; i < 5; i++) {
        ASSERT_STR(sks_output_name((sks_output)i), outs[i]);
        sks_output w = (sks_output)-1;
        ASSERT_INT(sks_output_from_name(outs[i], strlen(outs[i]), &w), ==, 0);
        ASSERT_INT(w, ==, i);
    }
    sks_output w;
    ASSERT_INT(sks_output_from_name("predict", 6, &w), ==, SKS_EARG); /* a prefix */
    ASSERT_INT(sks_output_from_name("predictx", 8, &w), ==, SKS_EARG);
    ASSERT_INT(sks_output_from_name("", 0, &w), ==, SKS_EARG);
    ASSERT_STR(sks_output_name((sks_output)5), "unknown");
    ASSERT_STR(sks_task_name(SKS_TASK_CLASSIFICATION), "classification");
    ASSERT_STR(sks_task_name(SKS_TASK_REGRESSION), "regression");
    ASSERT_STR(sks_task_name((sks_task)0), "unknown");
    ASSERT_STR(sks_estimator_kind_name(SKS_EST_TREES), "trees");
    ASSERT_STR(sks_estimator_kind_name(SKS_EST_LINEAR), "linear");
    ASSERT_STR(sks_estimator_kind_name((sks_estimator_kind)3), "unknown");
    ASSERT_STR(sks_label_kind_name(SKS_LABEL_NONE), "none");
    ASSERT_STR(sks_label_kind_name(SKS_LABEL_STR), "str");
    ASSERT_STR(sks_label_kind_name((sks_label_kind)4), "unknown");
    ASSERT_STR(sks_dtype_name(SKS_F32), "float32");
    ASSERT_STR(sks_dtype_name(SKS_F64), "float64");
    ASSERT_STR(sks_dtype_name(0), "");
    ASSERT_STR(sks_dtype_name(3), "unknown");
    ASSERT_STR(sks_input_kind_name(SKS_INPUT_NUMBER), "number");
    ASSERT_STR(sks_input_kind_name(SKS_INPUT_STRING), "string");
    ASSERT_STR(sks_input_kind_name(SKS_INPUT_IGNORED), "ignored");
    ASSERT_STR(sks_input_kind_name(SKS_INPUT_NONE), "unknown");
}

/* RFC 3629, with the cases a lax checker lets through. */
TEST(utf8)
{
    static const struct {
        const char *s;
        size_t n, seq; /* bytes given; sks_utf8_seq of them */
        int valid;
    } cases[] = {
        {"a", 1, 1, 1},
        {"\xc3\xa9", 2, 2, 1},                  /* U+00E9 */
        {"\xe2\x82\xac", 3, 3, 1},              /* U+20AC */
        {"\xf0\x9f\x98\x80", 4, 4, 1},          /* U+1F600 */
        {"\xf4\x8f\xbf\xbf", 4, 4, 1},          /* U+10FFFF */
        {"\xc0\x80", 2, 0, 0},                  /* overlong NUL */
        {"\xc1\xbf", 2, 0, 0},                  /* overlong */
        {"\xe0\x80\x80", 3, 0, 0},              /* overlong */
        {"\xf0\x80\x80\x80", 4, 0, 0},          /* overlong */
        {"\xed\xa0\x80", 3, 0, 0},              /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 4, 0, 0},          /* U+110000 */
        {"\xf5\x80\x80\x80", 4, 0, 0},          /* no such lead byte */
        {"\x80", 1, 0, 0},                      /* a lone continuation */
        {"\xe2\x82", 2, 0, 0},                  /* truncated */
        {"\xe2\x28\xac", 3, 0, 0},              /* bad continuation */
        {"", 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ASSERT_INT(sks_utf8_seq(cases[i].s, cases[i].n), ==, cases[i].seq);
        ASSERT_INT(sks_utf8_valid(cases[i].s, cases[i].n), ==, cases[i].valid);
    }
    /* Only the n bytes given are read: a sequence cut by n is invalid. */
    ASSERT_INT(sks_utf8_seq("\xc3\xa9", 1), ==, 0);
    ASSERT_INT(sks_utf8_valid("ok \xc3\xa9 ok", 9), ==, 1);
    ASSERT_INT(sks_utf8_valid("ok \xc3\xa9 ok", 4), ==, 0);
    ASSERT_INT(sks_utf8_valid("a\0b", 3), ==, 1); /* NUL is a character */
}

TEST(cpu_count)
{
    cpu_set_t set;
    int n = sks_cpu_count();
    ASSERT(n >= 1);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        ASSERT(n <= CPU_COUNT(&set));
}

TEST(contribution_names)
{
    fx_tree t;
    fx_tree_init(&t, 1.0);
    sks_desc d = fx_classifier(&t.tree, 1);
    sks_model *m = build(&d);
    char buf[16];
    ASSERT_STR(sks_model_contribution_name(m, 0, buf, sizeof buf), "sepal length");
    ASSERT(sks_model_contribution_name(m, 1, buf, sizeof buf) == sks_model_feature_name(m, 1));
    ASSERT_STR(sks_model_contribution_name(m, 2, buf, sizeof buf), "bias");
    ASSERT(sks_model_contribution_name(m, 3, buf, sizeof buf) == NULL);
    ASSERT(sks_model_contribution_name(m, -1, buf, sizeof buf) == NULL);
    ASSERT(sks_model_contribution_name(m, 0, buf, 8) == NULL); /* too small for "x<j>" */
    sks_model_free(m);
    d.feature_names = NULL; /* without names: x<j> in buf */
    m = build(&d);
    ASSERT(sks_model_contribution_name(m, 1, buf, sizeof buf) == buf);
    ASSERT_STR(buf, "x1");
    ASSERT_STR(sks_model_contribution_name(m, 2, buf, sizeof buf), "bias");
    sks_model_free(m);
}

TEST(versions)
{
    ASSERT_STR(sks_version(), SKS_VERSION);
    int major = -1, minor = -1;
    sks_format_version(&major, &minor);
    ASSERT_INT(major, ==, SKS_FORMAT_MAJOR);
    ASSERT_INT(minor, ==, SKS_FORMAT_MINOR);
    sks_format_version(NULL, NULL);
}

/* struct_size: unset is refused; a larger struct (a caller built against a
 * newer header) gets what fits, the rest untouched. (A smaller one, from an
 * older header, is read with the rest as zero; this is the first release,
 * so no older header exists yet.) */
TEST(growable_structs)
{
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    sks_model *m = NULL;
    sks_error err;
    void *buf;
    size_t len;
    d.struct_size = 0;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), SKS_EARG, &err);
    ASSERT(strstr(err.message, "sks_desc_init") != NULL);
    ASSERT_RC(sks_desc_serialize(&d, &buf, &len, &err), SKS_EARG, &err);
    int32_t w;
    ASSERT_RC(sks_desc_estimator_features(&d, &w, &err), SKS_EARG, &err);
    ASSERT_RC(sks_desc_estimator_features(NULL, &w, &err), SKS_EARG, &err);
    d.struct_size = sizeof d;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), 0, &err);

    sks_info info;
    memset(&info, 0, sizeof info);
    ASSERT_INT(sks_model_info(m, &info), ==, SKS_EARG);
    ASSERT_INT(sks_model_info(m, NULL), ==, SKS_EARG);
    struct {
        sks_info info;
        int later_field;
    } bigger;
    memset(&bigger, 0x5a, sizeof bigger);
    bigger.info.struct_size = sizeof bigger;
    ASSERT_INT(sks_model_info(m, &bigger.info), ==, 0);
    ASSERT_INT(bigger.info.n_features, ==, 2);
    ASSERT_INT(bigger.info.coef_dtype, ==, SKS_F64);
    ASSERT_INT(bigger.info.struct_size, ==, sizeof bigger);
    ASSERT_INT(bigger.later_field, ==, 0x5a5a5a5a);
    sks_info twice = SKS_INFO_INIT;
    ASSERT_INT(sks_model_info(m, &twice), ==, 0);
    ASSERT_INT(sks_model_info(m, &twice), ==, 0); /* struct_size survives the copy */
    ASSERT_INT(twice.struct_size, ==, sizeof twice);
    sks_model_free(m);
}

static const task_entry TESTS[] = {TASK(tree_classifier_outputs), TASK(linear_float32_rule),
                                   TASK(binary_decision_is_1d),   TASK(regressor_shapes),
                                   TASK(float32_models),          TASK(spec_arguments),
                                   TASK(names),                   TASK(utf8),
                                   TASK(cpu_count),               TASK(contribution_names),
                                   TASK(versions),
                                   TASK(growable_structs)};
TASK_MAIN(TESTS)
