/*
 * gw/request.h -- request shapes into engine inputs, scoring, and the
 * answers (request.c, v2.c), with class labels as answers write them
 * (labels.c).
 */
#ifndef GW_REQUEST_H
#define GW_REQUEST_H

#include "gw/codec.h"
#include "gw/labels.h"
#include "gw/registry.h"

/* ------------------------------------------------ requests and answers */

enum { GW_OUT_PREDICT = 1, GW_OUT_PROBA = 2, GW_OUT_DECISION = 4, GW_OUT_SCORES = 8, GW_OUT_CONTRIB = 16 };
enum { GW_N_OUTPUTS = 5 }; /* bit i is the engine's sks_output i */
/* "predict, predict_proba, decision_function, score_samples or
 * contributions": the engine's output names, for messages. */
const char *gw_output_names(void);
/* An output's bit from its name (sks_output_from_name), 0 if unknown;
 * and back. */
unsigned gw_output_bit(const char *s, size_t n);
const char *gw_output_name(unsigned bit);

typedef struct gw_limits {
    int64_t max_rows;
} gw_limits;

/* A parsed scoring request: the input and what to answer. The input is
 * the matrix X, or the table T when T.cols is set (rows for a model with
 * string or ignored columns). */
typedef struct gw_batch {
    sks_matrix X;
    sks_table T;
    int single;       /* {"features": ..}: answer {"prediction": ..} */
    unsigned outputs; /* GW_OUT_* bits */
} gw_batch;

/* Errors carry the HTTP status to answer with. */
typedef struct gw_err {
    int status;
    int syntax; /* 1: the body is not valid JSON (msg has the decoder's words) */
    char msg[400];
} gw_err;
int gw_errf(gw_err *e, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The seed / V1 / msgpack-block request shapes (see docs/PROTOCOL.md).
 * v1: only "instances"/"inputs" batches. query_outputs: the ?outputs= value
 * or NULL. Returns 0 or -1 with e filled. */
int gw_parse_predict(const gw_val *root, const gw_model *m, int v1, const char *query_outputs,
                     size_t query_outputs_len, const gw_limits *lim, gw_arena *a, gw_batch *b, gw_err *e);

/* Scores b into per-output arrays and writes the answer document. */
typedef struct gw_scores {
    double *predict, *proba, *decision, *scores, *contrib; /* scores: score_samples */
    int64_t n_rows;
    /* Per output, in GW_OUT_* bit order: how to answer it (the engine's
     * rule: columns, 1-D or 2-D, float64/float32/labels). Float32 outputs
     * are already rounded to float32 in the arrays above. */
    sks_output_spec spec[GW_N_OUTPUTS];
} gw_scores;
int gw_score(const gw_model *m, const gw_batch *b, gw_arena *a, gw_scores *s, gw_err *e);
/* Event loops in the process (server.c sets it; 1 elsewhere). A request
 * may score with as many engine threads as there are loops not scoring at
 * that moment; the engine itself splits only batches worth splitting. */
extern int gw_loop_count;
void gw_answer_predict(gw_writer *w, const gw_model *m, const gw_batch *b, const gw_scores *s, int v1);

/* Open Inference Protocol (V2) infer: json is the JSON header, bin the
 * binary-extension bytes that follow it (may be empty). The answer is the
 * JSON header into w and raw output bytes into binout; *json_len is set
 * when binary outputs were written. */
typedef struct gw_v2_answer {
    gw_buf json;
    gw_buf bin;
    int has_bin;
    int64_t rows;
} gw_v2_answer;
int gw_v2_infer(const gw_model *m, const char *json, size_t json_len, const char *bin, size_t bin_len,
                const gw_limits *lim, gw_arena *a, gw_v2_answer *ans, gw_err *e);
void gw_v2_model_metadata(gw_writer *w, const gw_model *m);

#endif
