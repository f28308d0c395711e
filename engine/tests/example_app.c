/*
 * example_app.c -- a user's program: only the public header, the installed
 * library, and the documented calls. Saves a one-split regressor, loads it
 * back, scores two rows.
 */
#include <skscore.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "example.skm";
    /* The library linked at run time may be newer than this header. */
    if (strcmp(sks_version(), SKS_VERSION) != 0)
        fprintf(stderr, "note: built against skscore %s, running with %s\n", SKS_VERSION, sks_version());
    int32_t left[3] = {1, -1, -1}, right[3] = {2, -1, -1}, feature[3] = {0, 0, 0};
    double threshold[3] = {0.5, 0, 0}, value[3] = {0, -1.5, 2.5};
    sks_tree_desc tree = {3, left, right, feature, threshold, NULL, value, NULL};
    sks_desc d;
    sks_desc_init(&d);
    d.n_features = 1;
    d.task = SKS_TASK_REGRESSION;
    d.n_outputs = 1;
    d.kind = SKS_EST_TREES;
    d.n_trees = 1;
    d.trees = &tree;
    d.n_values = 1;
    d.aggregation = SKS_AGG_SINGLE;
    d.compare = SKS_CMP_F32_LE;

    sks_error err;
    sks_model *m = NULL;
    if (sks_desc_save(&d, path, &err) != 0 || sks_model_load(path, &m, &err) != 0) {
        fprintf(stderr, "%s: %s\n", sks_errname(err.code), err.message);
        return 1;
    }
    double x[2] = {0.25, 0.75}, y[2];
    sks_matrix X = {x, SKS_F64, 2, 1, sizeof(double), sizeof(double)};
    int rc = sks_model_predict(m, SKS_OUT_PREDICT, &X, y, 2, 1, &err);
    sks_model_free(m);
    remove(path);
    if (rc != 0 || y[0] != -1.5 || y[1] != 2.5) {
        fprintf(stderr, "unexpected: rc %d, %g %g\n", rc, y[0], y[1]);
        return 1;
    }
    printf("1 passed, 0 failed\n");
    return 0;
}
