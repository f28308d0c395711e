/* test_steps.c -- preprocessing steps that change the row (format 1.1):
 * string columns and tables, select, encode, indicator, normalize, poly,
 * float32 rounding, and descriptions the engine must refuse. */
#include "fixtures.h"
#include "task.h"

/* A string column of n rows (NULL: missing). */
static sks_column str_col(const char *const *s, size_t *len, int n)
{
    for (int i = 0; i < n; i++)
        len[i] = s[i] != NULL ? strlen(s[i]) : 0;
    return (sks_column){.kind = SKS_COL_STR, .str = s, .len = len};
}

static sks_model *built(const sks_desc *d, sks_error *err)
{
    sks_model *m = NULL;
    if (sks_model_from_desc(d, &m, err) != 0)
        fprintf(stderr, "  %s\n", err->message);
    return m;
}

TEST(table_with_strings)
{
    fx_strings f;
    fx_strings_init(&f);
    sks_error err;
    sks_model *m = built(&f.d, &err);
    ASSERT(m != NULL);
    sks_info info = SKS_INFO_INIT;
    sks_model_info(m, &info);
    ASSERT_INT(info.format_minor, ==, 1);
    ASSERT_INT(info.n_string_columns, ==, 1);
    ASSERT_INT(info.n_ignored_columns, ==, 1);
    ASSERT_INT(info.n_estimator_features, ==, 4);
    ASSERT_INT(sks_model_input_kind(m, 0), ==, SKS_INPUT_STRING);
    ASSERT_INT(sks_model_input_kind(m, 1), ==, SKS_INPUT_NUMBER);
    ASSERT_INT(sks_model_input_kind(m, 2), ==, SKS_INPUT_IGNORED);
    ASSERT_INT(sks_model_input_kind(m, 3), ==, SKS_INPUT_NONE);
    ASSERT_INT(sks_model_input_kind(m, -1), ==, SKS_INPUT_NONE);
    /* the string column's vocabulary, in code order; none elsewhere */
    ASSERT_INT(sks_model_input_vocab_size(m, 0), ==, 4);
    size_t vlen = 0;
    ASSERT(strcmp(sks_model_input_vocab(m, 0, 2, &vlen), "oslo") == 0 && vlen == 4);
    ASSERT(strcmp(sks_model_input_vocab(m, 0, 3, NULL), "missing") == 0);
    ASSERT(sks_model_input_vocab(m, 0, 4, NULL) == NULL && sks_model_input_vocab(m, 0, -1, NULL) == NULL);
    for (int32_t c = 1; c <= 3; c++) {
        ASSERT_INT(sks_model_input_vocab_size(m, c), ==, 0);
        ASSERT(sks_model_input_vocab(m, c, 0, NULL) == NULL);
    }

    /* "rome"; missing -> "missing" -> not encoded; unknown "berlin"; a
     * prefix of a known string; the fill string given as such. */
    const char *city[6] = {"rome", NULL, "berlin", "par", "paris", "missing"};
    size_t len[6];
    double x[6] = {2.0, 1.0, 0.5, 0.25, 0.0, 3.0};
    const char *ids[6] = {"a", "b", "c", "d", "e", "f"};
    size_t id_len[6];
    sks_column cols[3] = {str_col(city, len, 6), {.kind = SKS_COL_F64, .data = x, .stride = 8},
                          str_col(ids, id_len, 6)};
    sks_table T = {6, 3, cols};
    double out[6];
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T, out, 6, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 10 + 2000 + 0.5);
    ASSERT_BITS(out[1], 1000 + 0.5);
    ASSERT_BITS(out[2], 500 + 0.5);
    ASSERT_BITS(out[3], 250 + 0.5);
    ASSERT_BITS(out[4], 1 + 0.5);
    ASSERT_BITS(out[5], 3000 + 0.5);

    /* A NaN the linear model refuses is named by its input column (x is
     * column 1 of the input, column 3 of the row the model reads). */
    double nan_x[1] = {NAN};
    sks_column with_nan[3] = {str_col(city, len, 1), {.kind = SKS_COL_F64, .data = nan_x, .stride = 8},
                              str_col(ids, id_len, 1)};
    sks_table TN = {1, 3, with_nan};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &TN, out, 1, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.column, ==, 1);
    ASSERT(strstr(err.message, "column 1") != NULL);

    /* The ignored column may hold numbers; a length, not a NUL, ends a string. */
    const char *padded[1] = {"oslo!!"};
    size_t plen[1] = {4};
    double one[1] = {1.0};
    sks_column cols2[3] = {{.kind = SKS_COL_STR, .str = padded, .len = plen},
                           {.kind = SKS_COL_F32, .data = (float[]){1.0f}, .stride = 4},
                           {.kind = SKS_COL_F64, .data = one, .stride = 8}};
    sks_table T2 = {1, 3, cols2};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T2, out, 1, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 100 + 1000 + 0.5);

    /* Numbers where strings go, and the other way round: shape errors. */
    sks_column bad[3] = {cols[1], cols[1], cols[1]};
    sks_table TB = {6, 3, bad};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &TB, out, 6, 1, &err), SKS_ESHAPE, &err);
    ASSERT(strstr(err.message, "city") != NULL);
    ASSERT_INT(err.column, ==, 0);
    sks_column bad2[3] = {cols[0], cols[0], cols[1]};
    sks_table TB2 = {6, 3, bad2};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &TB2, out, 6, 1, &err), SKS_ESHAPE, &err);
    sks_table TW = {6, 2, cols};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &TW, out, 6, 1, &err), SKS_ESHAPE, &err);
    /* A numeric matrix cannot hold the strings. */
    double rows[3] = {0, 1, 2};
    sks_matrix X = fx_rows(rows, 1, 3);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), SKS_ESHAPE, &err);
    ASSERT(strstr(err.message, "strings") != NULL);
    sks_model_free(m);
}

TEST(many_rows_many_threads_agree)
{
    fx_strings f;
    fx_strings_init(&f);
    sks_error err;
    sks_model *m = built(&f.d, &err);
    ASSERT(m != NULL);
    enum { N = 50000 };
    static const char *words[7] = {"paris", "rome", "oslo", "missing", "x", "", NULL};
    const char **city = malloc(N * sizeof *city);
    size_t *len = malloc(N * sizeof *len);
    double *x = malloc(N * sizeof *x), *one = malloc(N * sizeof *one), *many = malloc(N * sizeof *many);
    ASSERT(city != NULL && len != NULL && x != NULL && one != NULL && many != NULL);
    for (int i = 0; i < N; i++) {
        city[i] = words[i % 7];
        x[i] = i * 0.5;
    }
    sks_column cols[3] = {str_col(city, len, N), {.kind = SKS_COL_F64, .data = x, .stride = 8},
                          {.kind = SKS_COL_F64, .data = x, .stride = 8}};
    sks_table T = {N, 3, cols};
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T, one, N, 1, &err), 0, &err);
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T, many, N, 4, &err), 0, &err);
    for (int i = 0; i < N; i++) {
        double want = x[i] * 1000 + (i % 7 == 0 ? 1 : i % 7 == 1 ? 10 : i % 7 == 2 ? 100 : 0) + 0.5;
        ASSERT_BITS(one[i], want);
        ASSERT_BITS(many[i], want);
    }
    free(city);
    free(len);
    free(x);
    free(one);
    free(many);
    sks_model_free(m);
}

TEST(unknown_category_error_names_row_and_column)
{
    fx_strings f;
    fx_strings_init(&f);
    f.enc[0].unknown_error = 1;
    f.enc[0].onehot = 0; /* ordinal: one output, so the linear model reads 2 */
    f.d.n_targets = 1;
    f.coef[1] = 1000;
    sks_error err;
    sks_model *m = built(&f.d, &err);
    ASSERT(m != NULL);
    const char *city[3] = {"oslo", "paris", "lima"};
    size_t len[3];
    double x[3] = {1, 2, 3};
    sks_column cols[3] = {str_col(city, len, 3), {.kind = SKS_COL_F64, .data = x, .stride = 8},
                          {.kind = SKS_COL_F64, .data = x, .stride = 8}};
    sks_table T = {3, 3, cols};
    double out[3];
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T, out, 3, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.row, ==, 2);
    ASSERT_INT(err.column, ==, 0);
    ASSERT(strstr(err.message, "unknown categories ['lima'] in column 0 (\"city\")") != NULL);
    /* Without the bad row: ordinal codes 2 and 0. */
    T.n_rows = 2;
    ASSERT_RC(sks_model_predict_table(m, SKS_OUT_PREDICT, &T, out, 2, 1, &err), 0, &err);
    ASSERT_BITS(out[0], 2 * 1.0 + 1000 + 0.5);
    ASSERT_BITS(out[1], 0 * 1.0 + 2000 + 0.5);
    sks_model_free(m);
}

/* A regressor whose n outputs are the n columns the steps leave: predict
 * returns the preprocessed row itself. */
static void identity(sks_desc *d, double *coef, double *icpt, int32_t n)
{
    for (int32_t i = 0; i < n * n; i++)
        coef[i] = i % (n + 1) == 0 ? 1.0 : 0.0;
    for (int32_t i = 0; i < n; i++)
        icpt[i] = 0.0;
    d->task = SKS_TASK_REGRESSION;
    d->n_outputs = n;
    d->output_2d = 1;
    d->link = SKS_LINK_NONE;
    d->kind = SKS_EST_LINEAR;
    d->n_targets = n;
    d->coef = coef;
    d->intercept = icpt;
}

TEST(numeric_categories_indicator_normalize_poly)
{
    /* Input [c, a, b]. encode c (ordinal over 1, 2.5, NaN; unknown -> -1);
     * indicator of b after [a, b]; fill b; normalize [a, b] (l1); poly on
     * [a, b]: 1, a, b, a*a, a*b, b*b. Row: [code, 1, a, b, a^2, ab, b^2, isnan(b)]. */
    static const double cats[3] = {1.0, 2.5, NAN}, map[4] = {10, 20, 30, -1}, fill[1] = {3.0};
    static const int32_t flag[1] = {1}, ta[6] = {-1, -1, -1, 1, 1, 2}, tb[6] = {-1, 0, 1, 0, 1, 1};
    sks_encoding enc = {.n_cats = 3, .cats = cats, .map = map};
    sks_step_desc steps[5] = {
        {.kind = SKS_STEP_ENCODE, .offset = 0, .width = 1, .enc = &enc},
        {.kind = SKS_STEP_INDICATOR, .offset = 1, .width = 2, .n_index = 1, .index = flag},
        {.op = SKS_OP_FILL_NAN, .values = fill, .offset = 2, .width = 1},
        {.kind = SKS_STEP_NORMALIZE, .offset = 1, .width = 2, .norm = SKS_NORM_L1},
        {.kind = SKS_STEP_POLY, .offset = 1, .width = 2, .n_terms = 6, .term_a = ta, .term_b = tb},
    };
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 3;
    d.n_steps = 5;
    d.steps = steps;
    double coef[64], icpt[8];
    identity(&d, coef, icpt, 8);
    sks_error err;
    sks_model *m = built(&d, &err);
    ASSERT(m != NULL);
    double x[4 * 3] = {2.5, 1.0, NAN, NAN, -2.0, 2.0, 7.0, 0.0, 0.0, 1.0, 3.0, 1.0};
    sks_matrix X = fx_rows(x, 4, 3);
    double out[4 * 8];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 32, 1, &err), 0, &err);
    double a = 1.0 / 4.0, b = 3.0 / 4.0; /* row 0: b filled with 3, |1| + |3| = 4 */
    double want0[8] = {20, 1, a, b, a * a, a * b, b * b, 1};
    for (int i = 0; i < 8; i++)
        ASSERT_BITS(out[i], want0[i]);
    ASSERT_BITS(out[8], 30);       /* NaN is a category here */
    ASSERT_BITS(out[8 + 2], -0.5); /* -2 / (2 + 2) */
    ASSERT_BITS(out[8 + 7], 0);
    ASSERT_BITS(out[16], -1);      /* 7: unknown */
    ASSERT_BITS(out[16 + 2], 0);   /* an all-zero row keeps its zeros */
    ASSERT_BITS(out[24], 10);
    sks_model_free(m);
}

TEST(float32_rounding_per_step)
{
    /* x / 3 in float64, rounded to float32 unless the step says no_round. */
    static const double three[1] = {3.0};
    sks_step_desc steps[1] = {{.op = SKS_OP_DIV, .values = three, .width = 1}};
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 1;
    d.n_steps = 1;
    d.steps = steps;
    double coef[1], icpt[1];
    identity(&d, coef, icpt, 1);
    sks_error err;
    for (int no_round = 0; no_round < 2; no_round++) {
        steps[0].no_round = no_round;
        sks_model *m = built(&d, &err);
        ASSERT(m != NULL);
        float x[1] = {1.0f};
        sks_matrix X = {x, SKS_F32, 1, 1, 4, 4};
        double out[1];
        ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 1, 1, &err), 0, &err);
        ASSERT_BITS(out[0], no_round ? 1.0 / 3.0 : (double)(float)(1.0 / 3.0));
        sks_model_free(m);
    }
}

TEST(format_version_is_the_lowest_that_holds_the_model)
{
    static const double mean[2] = {0.5, -1.0};
    sks_step_desc whole[1] = {{.op = SKS_OP_SUB, .values = mean, .cast_values = 1}};
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    d.n_steps = 1;
    d.steps = whole;
    sks_error err;
    void *buf;
    size_t len;
    ASSERT_RC(sks_desc_serialize(&d, &buf, &len, &err), 0, &err);
    ASSERT_INT(((uint8_t *)buf)[10], ==, 0); /* readable by format 1.0 engines */
    sks_free(buf);
    fx_strings f;
    fx_strings_init(&f);
    ASSERT_RC(sks_desc_serialize(&f.d, &buf, &len, &err), 0, &err);
    ASSERT_INT(((uint8_t *)buf)[10], ==, 1);
    /* And it loads back to the same model. */
    sks_model *m;
    ASSERT_RC(sks_model_load_buffer(buf, len, &m, &err), 0, &err);
    sks_info info = SKS_INFO_INIT;
    sks_model_info(m, &info);
    ASSERT_INT(info.n_steps, ==, 3);
    ASSERT_INT(info.n_estimator_features, ==, 4);
    sks_model_free(m);
    sks_free(buf);
}

TEST(invalid_descriptions_are_refused)
{
    sks_error err;
    int32_t width;
    for (int c = 0; c < 12; c++) {
        fx_strings f;
        fx_strings_init(&f);
        static const int32_t far[2] = {0, 3}, fwd[2] = {1, -1}, fwdb[2] = {0, 0};
        static const double unsorted[3] = {2, 1, 0}, nanfirst[3] = {NAN, 1, 2}, bigslot[4] = {0, 1, 3, -1};
        static const char *const dup[4] = {"paris", "rome", "paris", "x"};
        static const double one[1] = {1.0};
        sks_step_desc poly = {.kind = SKS_STEP_POLY, .offset = 1, .width = 1, .n_terms = 2, .term_a = fwd, .term_b = fwdb};
        sks_step_desc sub = {.op = SKS_OP_SUB, .values = one, .width = 1};
        const char *what = "";
        switch (c) {
        case 0: f.d.n_steps = 2; what = "a string column reaches the estimator"; break;
        case 1: f.steps[0].index = far; what = "select out of range"; break;
        case 2: f.enc[0].cats = unsorted; what = "categories not ascending"; break;
        case 3: f.enc[0].cats = nanfirst; what = "NaN category not last"; break;
        case 4: f.enc[0].map = bigslot; what = "one-hot slot out of range"; break;
        case 5: f.steps[1] = sub; what = "arithmetic on string codes"; break;
        case 6: f.steps[2].offset = 2; what = "encode span past the row"; break;
        case 7: f.vocab_city[2] = "paris"; f.vocab[0] = dup; what = "duplicate vocabulary"; break;
        case 8: f.vocab_size[0] = 0; what = "empty vocabulary"; break;
        case 9: f.steps[2] = poly; what = "poly term from a later term"; break;
        case 10: f.steps[1].kind = 99; what = "unknown step kind"; break;
        case 11: f.ignored[2] = 2; what = "ignored flag not 0/1"; break;
        }
        sks_model *m = NULL;
        int rc = sks_model_from_desc(&f.d, &m, &err);
        if (rc != SKS_EINVALID)
            FAIL_("case %d (%s): rc %d, %s", c, what, rc, err.message);
        ASSERT(m == NULL);
        if (c != 11 && c != 7 && c != 8)
            ASSERT_RC(sks_desc_estimator_features(&f.d, &width, &err), SKS_EINVALID, &err);
    }
    /* Ignoring columns needs steps. */
    sks_desc d = fx_linear(SKS_LINK_SOFTMAX);
    static const uint8_t ign[2] = {0, 1};
    d.ignored = ign;
    sks_model *m = NULL;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), SKS_EINVALID, &err);
}


TEST(categorical_splits)
{
    /* Root: categorical on feature 0, left set {1, 3}, known {0, 1, 2, 3},
     * missing (NaN, negative, unknown) left. A second tree adds 0.5. */
    static const int32_t l[3] = {1, -1, -1}, r[3] = {2, -1, -1}, f[3] = {0, 0, 0}, cat[3] = {0, -1, -1};
    static const double th[3] = {0, 0, 0}, v[3] = {0, 10, 20}, half[1] = {0.5};
    static const uint8_t ml[3] = {1, 0, 0};
    static const int32_t l1[1] = {-1}, r1[1] = {-1}, f1[1] = {0};
    static const uint32_t bits[16] = {(1u << 1) | (1u << 3), 0, 0, 0, 0, 0, 0, 0, 0xf, 0, 0, 0, 0, 0, 0, 0};
    sks_tree_desc trees[2] = {{3, l, r, f, th, ml, v, cat}, {1, l1, r1, f1, th, NULL, half, NULL}};
    static const int64_t labels[2] = {0, 1};
    sks_desc d = fx_summed_trees(labels, 2, SKS_CMP_F64_LE);
    d.task = SKS_TASK_REGRESSION;
    d.label_kind = SKS_LABEL_NONE;
    d.n_classes = 0;
    d.n_values = 1;
    d.n_trees = 2;
    d.trees = trees;
    d.allow_nan = 1;
    d.allow_inf = 1;
    d.n_cat_bitsets = 1;
    d.cat_bitsets = bits;
    sks_error err;
    sks_model *m = built(&d, &err);
    ASSERT(m != NULL);
    double x[10] = {1, 2, 5, NAN, -1, 3.7, 258, 1e12, 0, INFINITY};
    double want[10] = {10, 20, 10, 10, 10, 10, 20, 20, 20, 20};
    sks_matrix X = fx_rows(x, 10, 1);
    double out[10];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 10, 1, &err), 0, &err);
    for (int i = 0; i < 10; i++)
        ASSERT_BITS(out[i], want[i] + 0.5);
    sks_model_free(m);
    /* Categorical splits need float64 comparisons, and bitsets in range. */
    d.compare = SKS_CMP_F32_LE;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), SKS_EINVALID, &err);
    d.compare = SKS_CMP_F64_LE;
    d.n_cat_bitsets = 0;
    ASSERT_RC(sks_model_from_desc(&d, &m, &err), SKS_EINVALID, &err);
}

TEST(each_step_checks_its_own_input)
{
    /* [a, b]: a / 0 -> inf (a step's own arithmetic: not refused by the
     * next step, which checks nothing); then l2-normalize [b] refuses NaN. */
    static const double zero[1] = {0.0};
    sks_step_desc steps[3] = {
        {.op = SKS_OP_DIV, .values = zero, .width = 1},
        {.op = SKS_OP_ADD, .values = zero, .width = 1, .check = SKS_CHECK_NONE},
        {.kind = SKS_STEP_NORMALIZE, .offset = 1, .width = 1, .norm = SKS_NORM_L2, .check = SKS_CHECK_FINITE},
    };
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 2;
    d.n_steps = 3;
    d.steps = steps;
    double coef[4], icpt[2];
    identity(&d, coef, icpt, 2);
    d.kind = SKS_EST_TREES; /* a regressor that takes infinities: sum of one stump */
    static const int32_t l[1] = {-1}, r[1] = {-1}, f[1] = {0};
    static const double th[1] = {0}, v[2] = {1, 2};
    sks_tree_desc tree = {1, l, r, f, th, NULL, v, NULL};
    d.n_trees = 1;
    d.trees = &tree;
    d.n_values = 2;
    d.aggregation = SKS_AGG_SUM;
    d.compare = SKS_CMP_F64_LE;
    d.allow_inf = 1;
    d.allow_nan = 1;
    sks_error err;
    sks_model *m = built(&d, &err);
    ASSERT(m != NULL);
    double x[4] = {1.0, 2.0, 1.0, NAN};
    sks_matrix X = fx_rows(x, 1, 2);
    double out[2];
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), 0, &err);
    X = fx_rows(x + 2, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.column, ==, 1);
    ASSERT(strstr(err.message, "NaN") != NULL);
    /* An infinite input: the first step refuses it. */
    double inf[2] = {INFINITY, 1.0};
    X = fx_rows(inf, 1, 2);
    ASSERT_RC(sks_model_predict(m, SKS_OUT_PREDICT, &X, out, 2, 1, &err), SKS_EVALUE, &err);
    ASSERT_INT(err.column, ==, 0);
    sks_model_free(m);
}

static const task_entry TESTS[] = {
    TASK(categorical_splits),
    TASK(each_step_checks_its_own_input),
    TASK(table_with_strings),
    TASK(many_rows_many_threads_agree),
    TASK(unknown_category_error_names_row_and_column),
    TASK(numeric_categories_indicator_normalize_poly),
    TASK(float32_rounding_per_step),
    TASK(format_version_is_the_lowest_that_holds_the_model),
    TASK(invalid_descriptions_are_refused),
};
TASK_MAIN(TESTS)
