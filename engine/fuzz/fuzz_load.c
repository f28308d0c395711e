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
    sks_info in = SKS_INFO_INIT;
    sks_model_info(m, &in);
    double *x = calloc((size_t)in.n_features * 3, sizeof(double));
    if (x != NULL) {
        x[0] = 0.5;
        x[in.n_features] = -1e30;
        sks_matrix X = {x, SKS_F64, 3, in.n_features, (int64_t)in.n_features * 8, 8};
        /* The same rows as a table: string columns get a known-looking, an
         * empty and a missing string. */
        static const char *const strs[3] = {"a", "", NULL};
        static const size_t lens[3] = {1, 0, 0};
        sks_column *cols = calloc((size_t)in.n_features, sizeof(sks_column));
        for (int32_t c = 0; cols != NULL && c < in.n_features; c++)
            cols[c] = sks_model_input_kind(m, c) == SKS_INPUT_STRING
                          ? (sks_column){.kind = SKS_COL_STR, .str = strs, .len = lens}
                          : (sks_column){.kind = SKS_COL_F64, .data = x + c, .stride = (int64_t)in.n_features * 8};
        sks_table T = {3, in.n_features, cols};
        for (int what = 0; what <= SKS_OUT_SCORE_SAMPLES; what++) {
            int64_t n_out;
            if (sks_model_output_cols(m, (sks_output)what, &n_out, &err) != 0)
                continue;
            double *out = malloc((size_t)n_out * 3 * sizeof(double));
            if (out != NULL) {
                sks_model_predict(m, (sks_output)what, &X, out, (size_t)n_out * 3, 1, &err);
                if (cols != NULL)
                    sks_model_predict_table(m, (sks_output)what, &T, out, (size_t)n_out * 3, 1, &err);
            }
            free(out);
        }
        free(cols);
        free(x);
    }
    sks_model_free(m);
    return 0;
}
