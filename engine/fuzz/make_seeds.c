/* make_seeds.c -- writes valid model files into a directory: the fuzzer's seed corpus. */
#include "../tests/fixtures.h"

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
    sks_desc d[3] = {fx_classifier(trees, 1), fx_classifier(trees, 2), fx_linear(SKS_LINK_SOFTMAX)};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/seed%d.skm", argv[1], i);
        if (sks_desc_save(&d[i], path, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
    }
    return 0;
}
