/*
 * fuzz_load.c -- libFuzzer target for the model file loader.
 *
 * Any bytes: loading must fail cleanly or give a model that scores. Built
 * with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, the loader reports a bad
 * checksum but goes on parsing, so mutations reach the body parser.
 */
#include "skscore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sks_model *m = NULL;
    sks_error err;
    if (sks_model_load_buffer(data, size, &m, &err) != 0) {
        if (err.message[0] == '\0' || m != NULL)
            abort();
        return 0;
    }
    sks_info in;
    sks_model_info(m, &in);
    double *x = calloc((size_t)in.n_features * 3, sizeof(double));
    if (x != NULL) {
        x[0] = 0.5;
        x[in.n_features] = -1e30;
        sks_matrix X = {x, SKS_F64, 3, in.n_features, (int64_t)in.n_features * 8, 8};
        for (int what = 0; what <= SKS_OUT_SCORE_SAMPLES; what++) {
            int64_t cols;
            if (sks_model_output_cols(m, (sks_output)what, &cols, &err) != 0)
                continue;
            double *out = malloc((size_t)cols * 3 * sizeof(double));
            if (out != NULL)
                sks_model_predict(m, (sks_output)what, &X, out, (size_t)cols * 3, 1, &err);
            free(out);
        }
        free(x);
    }
    sks_model_free(m);
    return 0;
}
