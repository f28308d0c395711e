/* make_seeds.c -- writes valid model files into a directory: the fuzzer's seed corpus. */
#include "fixtures.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    char path[4096];
    sks_error err;
    fx_tree t[2];
    sks_tree_desc trees[2];
    for (int i = 0; i < 2; i++) {
        fx_tree_init(&t[i], 1.0);
        trees[i] = t[i].tree;
    }
    /* A boosted binary classifier: base score, one column, per-tree outputs. */
    static const int64_t two[2] = {0, 1};
    static const double base[1] = {0.25};
    static const int32_t out[2] = {0, 0};
    static double v1[5];
    int32_t l[5] = {1, -1, 3, -1, -1}, r[5] = {2, -1, 4, -1, -1}, f[5] = {0, 0, 1, 0, 0};
    double th[5] = {0.1, 0, 2.5, 0, 0};
    for (int i = 0; i < 5; i++)
        v1[i] = 0.1 * i - 0.2;
    sks_tree_desc boosted[2] = {{5, l, r, f, th, NULL, v1, NULL}, {5, l, r, f, th, NULL, v1, NULL}};
    sks_desc gb = fx_classifier(boosted, 2);
    gb.label_kind = SKS_LABEL_INT;
    gb.int_labels = two;
    gb.n_classes = 2;
    gb.n_values = 1;
    gb.aggregation = SKS_AGG_SUM;
    gb.link = SKS_LINK_LOGISTIC;
    gb.positive_at_zero = 1;
    gb.base = base;
    gb.tree_output = out;
    /* float64 comparisons and infinities, behind two preprocessing steps. */
    static const double mean[2] = {0.5, -1.0}, scale[2] = {2.0, 0.25};
    sks_step_desc steps[2] = {{.op = SKS_OP_FILL_NAN, .values = mean, .cast_values = 1}, {.op = SKS_OP_DIV, .values = scale}};
    sks_desc hgb = gb;
    hgb.compare = SKS_CMP_F64_LE;
    hgb.allow_inf = 1;
    hgb.n_steps = 2;
    hgb.steps = steps;
    /* Format 1.1: string columns, an ignored column, select and encode. */
    fx_strings strings;
    fx_strings_init(&strings);
    /* Format 1.2: XGBoost's float32 sums, "<" splits, a categorical split
     * by its rule, the float32 sigmoid. */
    static double v2[5];
    static int32_t cat[5] = {-1, -1, 0, -1, -1};
    static uint32_t bits[16] = {0x5};
    static uint8_t ml[5] = {1, 0, 0, 0, 0};
    for (int i = 0; i < 5; i++)
        v2[i] = 0.25 * i - 0.5;
    sks_tree_desc xgb_trees[2] = {{5, l, r, f, th, ml, v2, cat}, {5, l, r, f, th, ml, v2, NULL}};
    sks_desc xgb = gb;
    xgb.trees = xgb_trees;
    xgb.compare = SKS_CMP_F32_LT;
    xgb.sum_f32 = 1;
    xgb.allow_inf = 1;
    xgb.link = SKS_LINK_LOGISTIC_F32;
    xgb.positive_at_zero = 0;
    xgb.n_cat_bitsets = 1;
    xgb.cat_bitsets = bits;
    xgb.cat_rule = SKS_CAT_XGBOOST;
    sks_desc d[7] = {fx_classifier(trees, 1), fx_classifier(trees, 2), fx_linear(SKS_LINK_SOFTMAX), gb, hgb, strings.d,
                     xgb};
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "%s/seed%d.skm", argv[1], i);
        if (sks_desc_save(&d[i], path, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    }
    return 0;
}
