/*
 * shap.c -- contributions: path-dependent TreeSHAP over a compiled forest.
 *
 * For one row, the Shapley value of each estimator feature to each raw
 * score column, with the "path-dependent" expectation of Lundberg et al.,
 * "From local explanations to global understanding with explainable AI for
 * trees" (Nature Machine Intelligence, 2020), algorithm 2: a feature left
 * out of a coalition sends the row down both sides of its splits, weighed
 * by the training cover that went each way (format 1.3's node covers).
 * The bias of each column is the forest's expected raw score under the
 * same weights, so that bias + the contributions = the raw score.
 *
 * Per tree, one recursive walk of every node keeps the path of features
 * met so far with, per element, the fraction of the coalitions without
 * the feature that reach here (zero), with it (one: 1 on the row's side,
 * 0 on the other), and the permutation weights of the path's subsets;
 * at a leaf each path feature gets its share of the leaf's value. A
 * feature met twice on a path is unwound first and extended again with
 * both splits' fractions. O(nodes x depth^2) per tree and row.
 *
 * The decisions are the kernels' own (tree.c: sks__node_left), on the
 * row the kernels would read; the sums are float64 (also for forests that
 * sum in float32, where bias + contributions then differ from the raw
 * score by the float32 roundings of the sum). Nothing here allocates:
 * the caller gives sks__shap_scratch(f) doubles.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* One element of a path: the feature, its zero and one fractions, and the
 * permutation weight of subsets of that size. */
typedef struct elem {
    int32_t feature;
    double zero, one, w;
} elem;

/* Adds (feature, zero, one) to the path p[0..d) and updates the weights. */
static void extend(elem *p, int32_t d, double zero, double one, int32_t feature)
{
    p[d].feature = feature;
    p[d].zero = zero;
    p[d].one = one;
    p[d].w = d == 0 ? 1.0 : 0.0;
    for (int32_t i = d - 1; i >= 0; i--) {
        p[i + 1].w += one * p[i].w * (double)(i + 1) / (double)(d + 1);
        p[i].w = zero * p[i].w * (double)(d - i) / (double)(d + 1);
    }
}

/* Removes element k of the path p[0..d] (extend's inverse). */
static void unwind(elem *p, int32_t d, int32_t k)
{
    const double one = p[k].one, zero = p[k].zero;
    double next = p[d].w;
    for (int32_t i = d - 1; i >= 0; i--) {
        if (one != 0) {
            double w = p[i].w;
            p[i].w = next * (double)(d + 1) / ((double)(i + 1) * one);
            next = w - p[i].w * zero * (double)(d - i) / (double)(d + 1);
        } else {
            p[i].w = p[i].w * (double)(d + 1) / (zero * (double)(d - i));
        }
    }
    for (int32_t i = k; i < d; i++) {
        p[i].feature = p[i + 1].feature;
        p[i].zero = p[i + 1].zero;
        p[i].one = p[i + 1].one;
    }
}

/* The total weight of the path p[0..d] with element k unwound, without
 * unwinding it. */
static double unwound_sum(const elem *p, int32_t d, int32_t k)
{
    const double one = p[k].one, zero = p[k].zero;
    double next = p[d].w, total = 0;
    if (one != 0) {
        for (int32_t i = d - 1; i >= 0; i--) {
            double t = next / ((double)(i + 1) * one);
            total += t;
            next = p[i].w - t * zero * (double)(d - i);
        }
    } else {
        for (int32_t i = d - 1; i >= 0; i--)
            total += p[i].w / (zero * (double)(d - i));
    }
    return total * (double)(d + 1);
}

typedef struct walk {
    const sks__forest *f;
    const void *row;
    double *phi;     /* the tree's columns: leaf_width runs of stride */
    int32_t stride;  /* n_features + 1 */
} walk;

/* Node i, reached with the parent's path (parent[0..d)) and the fractions
 * of the split that led here (feature pf). */
static void recurse(const walk *wk, int32_t i, elem *parent, int32_t d, double pzero, double pone, int32_t pf)
{
    const sks__forest *f = wk->f;
    elem *p = parent + d;
    memcpy(p, parent, (size_t)d * sizeof(elem));
    extend(p, d, pzero, pone, pf);
    int32_t skip = sks__node_skip(f, i);
    if (skip < 0) {
        const double *v = sks__leaf_values(f, i);
        for (int32_t k = 1; k <= d; k++) {
            double scale = unwound_sum(p, d, k) * (p[k].one - p[k].zero);
            for (int32_t c = 0; c < f->leaf_width; c++)
                wk->phi[(size_t)c * (size_t)wk->stride + (size_t)p[k].feature] += scale * v[c];
        }
        return;
    }
    int32_t left = i + 1, right = i + 1 + skip, feature = sks__node_feature(f, i);
    bool go_left = sks__node_left(f, i, wk->row);
    int32_t hot = go_left ? left : right, cold = go_left ? right : left;
    double zero = 1, one = 1;
    for (int32_t k = 0; k <= d; k++) {
        if (p[k].feature == feature) {
            zero = p[k].zero;
            one = p[k].one;
            unwind(p, d, k);
            d--;
            break;
        }
    }
    double c = f->cover[i];
    recurse(wk, hot, p, d + 1, f->cover[hot] / c * zero, one, feature);
    recurse(wk, cold, p, d + 1, f->cover[cold] / c * zero, 0, feature);
}

size_t sks__shap_scratch(const sks__forest *f)
{
    /* Paths of 1 .. max_depth + 2 elements, one per level of the walk. */
    size_t levels = (size_t)f->max_depth + 2;
    return (levels * (levels + 1) / 2) * (sizeof(elem) / sizeof(double) + 1) + (size_t)f->leaf_width;
}

void sks__shap_row(const sks__forest *f, const void *row, int32_t n_features, double *scratch, double *out)
{
    const int32_t stride = n_features + 1, nv = f->n_values;
    memset(out, 0, (size_t)nv * (size_t)stride * sizeof(double));
    elem *path = (elem *)scratch;
    for (int32_t t = 0; t < f->n_trees; t++) {
        int32_t col = f->tree_col != NULL ? f->tree_col[t] : 0;
        walk wk = {.f = f, .row = row, .phi = out + (size_t)col * (size_t)stride, .stride = stride};
        recurse(&wk, f->roots[t], path, 0, 1, 1, -1);
    }
    for (int32_t c = 0; c < nv; c++) {
        double *phi = out + (size_t)c * (size_t)stride;
        if (f->aggregation == SKS_AGG_MEAN)
            for (int32_t j = 0; j < n_features; j++)
                phi[j] /= (double)f->n_trees;
        phi[n_features] = f->expected[c];
    }
}

/* The expected raw score of tree t's column(s) under its covers: a leaf's
 * values, a split's children weighed by their share of its cover (the
 * walk's zero fractions, so that local accuracy holds). */
static void tree_expected(const sks__forest *f, int32_t i, double *acc, double weight)
{
    for (;;) {
        int32_t skip = sks__node_skip(f, i);
        if (skip < 0) {
            const double *v = sks__leaf_values(f, i);
            for (int32_t c = 0; c < f->leaf_width; c++)
                acc[c] += weight * v[c];
            return;
        }
        int32_t left = i + 1, right = i + 1 + skip;
        tree_expected(f, left, acc, weight * (f->cover[left] / f->cover[i]));
        weight *= f->cover[right] / f->cover[i];
        i = right;
    }
}

int sks__forest_expected(sks__forest *f, sks_error *err)
{
    f->expected = calloc((size_t)f->n_values, sizeof(double));
    double *acc = calloc((size_t)f->leaf_width, sizeof(double));
    if (f->expected == NULL || acc == NULL) {
        free(acc);
        return sks__fail(err, SKS_ENOMEM, "out of memory");
    }
    if (f->base != NULL)
        memcpy(f->expected, f->base, (size_t)f->n_values * sizeof(double));
    for (int32_t t = 0; t < f->n_trees; t++) {
        memset(acc, 0, (size_t)f->leaf_width * sizeof(double));
        tree_expected(f, f->roots[t], acc, 1.0);
        double *dst = f->tree_col != NULL ? f->expected + f->tree_col[t] : f->expected;
        for (int32_t c = 0; c < f->leaf_width; c++)
            dst[c] += acc[c];
    }
    if (f->aggregation == SKS_AGG_MEAN)
        for (int32_t c = 0; c < f->n_values; c++)
            f->expected[c] /= (double)f->n_trees;
    free(acc);
    return 0;
}
