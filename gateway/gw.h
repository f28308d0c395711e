/*
 * gw.h -- declarations shared by the gateway's files (skscore-gateway).
 *
 * The gateway is split by subsystem: main.c (flags, environment, startup),
 * server.c (h2o wiring, loops, listeners, TLS, drain), routes.c (HTTP
 * handlers), request.c (request shapes -> engine inputs, scoring, answer
 * documents), v2.c (Open Inference Protocol), value.c (the decoded-value
 * tree and its arena), codec_json.c / codec_msgpack.c (bytes <-> values),
 * registry.c (models, hot reload), metrics.c (Prometheus), log.c (JSON log
 * lines).
 *
 * Only server.c, routes.c and h2guard.c include h2o.h: the codecs, the request and
 * answer logic and the registry build and run without it (the fuzz targets
 * link them alone). Nothing here scores or reads model files: that is the
 * engine's job, reached through skscore.h.
 */
#ifndef GW_H
#define GW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "skscore.h"

/* ------------------------------------------------------------------ log */

enum { GW_LOG_DEBUG = 0, GW_LOG_INFO = 1, GW_LOG_WARN = 2, GW_LOG_ERROR = 3 };
extern int gw_log_level;
int gw_log_parse_level(const char *s); /* -1 when unknown */
/* One JSON object per line on stderr: {"ts":..,"level":..,"msg":..,<fields>}.
 * fields_fmt is printf-style and must expand to zero or more JSON members
 * ("\"k\":1,\"s\":\"x\""); quote strings with gw_jq. */
void gw_log(int level, const char *msg, const char *fields_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes s as a JSON string literal (quotes included) into buf; returns buf.
 * Truncates long strings (keeping the result valid JSON). */
char *gw_jq(char *buf, size_t size, const char *s);

/* ----------------------------------------------------------- byte buffer */

typedef struct gw_buf {
    char *p;
    size_t len, cap;
    int oom;
} gw_buf;
void gw_buf_init(gw_buf *b);
void gw_buf_dispose(gw_buf *b);
void gw_buf_put(gw_buf *b, const void *p, size_t n);
void gw_buf_puts(gw_buf *b, const char *s);
void gw_buf_printf(gw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON string literal of s[0..n) (quotes included). */
void gw_buf_json_str(gw_buf *b, const char *s, size_t n);
/* A float64 the way Python's repr() writes it (shortest round-trip digits,
 * "1.0", "1e-05", "1e+16"); NaN/inf as "NaN"/"Infinity"/"-Infinity" like
 * Python's json.dumps (callers decide whether to allow them). */
void gw_buf_double(gw_buf *b, double x);
/* Same into a char array of at least 32 bytes; returns the length. */
int gw_format_double(char *out, double x);

/* ------------------------------------------------- decoded request values */

typedef struct gw_arena_blk gw_arena_blk;
typedef struct gw_arena {
    gw_arena_blk *head;
    size_t total; /* bytes handed out, for limits */
} gw_arena;
void gw_arena_init(gw_arena *a);
void gw_arena_dispose(gw_arena *a);
/* 16-byte aligned; NULL when out of memory. */
void *gw_arena_alloc(gw_arena *a, size_t n);

typedef enum gw_type {
    GW_NULL = 0,
    GW_BOOL,
    GW_NUM,
    GW_STR,
    GW_ARR,
    GW_OBJ,
    GW_BIN /* msgpack bin: raw bytes */
} gw_type;

enum { GW_F_INT = 1 /* the number was written as an integer */ };

typedef struct gw_member gw_member;
typedef struct gw_val {
    uint8_t type;
    uint8_t flags;
    uint32_t n; /* string/bin bytes, array items, object members */
    union {
        double num;
        int b;
        const char *s; /* not NUL-terminated */
        const uint8_t *bin;
        struct gw_val *items;
        gw_member *mem;
    } u;
} gw_val;

struct gw_member {
    const char *key; /* not NUL-terminated */
    uint32_t klen;
    gw_val val;
};

/* The last member named key (as Python's json keeps the last duplicate). */
const gw_val *gw_obj_get(const gw_val *obj, const char *key);
int gw_str_eq(const gw_val *v, const char *s);
const char *gw_type_name(int type);

/* Limits every decoder applies. */
#define GW_MAX_DEPTH 64
#define GW_MAX_NUMBER_CHARS 1100

/* Decoders: the whole of data[0..len) must be one value (trailing bytes
 * other than JSON whitespace are an error). Values live in the arena; strings
 * and bins may point into data, which must outlive them. On error returns -1
 * and writes a message into err. Neither needs h2o. */
int gw_json_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen);
int gw_msgpack_decode(const char *data, size_t len, gw_arena *a, gw_val **out, char *err, size_t errlen);

/* Strict number parse for V2 BYTES elements ("5.1"): 0 on success. */
int gw_parse_number(const char *s, size_t n, double *out);

/* --------------------------------------------------------- answer writer */

/* Writes JSON or msgpack through one API, so answers are built once.
 * Containers take their element count up front (msgpack needs it). */
typedef struct gw_writer {
    int msgpack;
    gw_buf buf;
    int depth;
    uint8_t first[GW_MAX_DEPTH];
    int after_key;
} gw_writer;
void gw_w_init(gw_writer *w, int msgpack);
void gw_w_dispose(gw_writer *w);
void gw_w_map(gw_writer *w, uint32_t n);
void gw_w_arr(gw_writer *w, uint32_t n);
void gw_w_end(gw_writer *w); /* closes the innermost map/array */
void gw_w_key(gw_writer *w, const char *k);
void gw_w_str(gw_writer *w, const char *s, size_t n);
void gw_w_cstr(gw_writer *w, const char *s);
void gw_w_double(gw_writer *w, double x); /* non-finite -> null in JSON */
void gw_w_int(gw_writer *w, int64_t x);
void gw_w_bool(gw_writer *w, int b);
void gw_w_null(gw_writer *w);
void gw_w_bin(gw_writer *w, const void *p, size_t n); /* JSON: not allowed */
void gw_w_encoded(gw_writer *w, const void *p, size_t n); /* one value, already in w's encoding */
/* codec_msgpack.c provides the msgpack half of these. */
void gw_mp_map(gw_buf *b, uint32_t n);
void gw_mp_arr(gw_buf *b, uint32_t n);
void gw_mp_str(gw_buf *b, const char *s, size_t n);
void gw_mp_double(gw_buf *b, double x);
void gw_mp_int(gw_buf *b, int64_t x);
void gw_mp_bool(gw_buf *b, int v);
void gw_mp_nil(gw_buf *b);
void gw_mp_bin(gw_buf *b, const void *p, size_t n);

/* --------------------------------------------------------------- models */

typedef struct gw_model {
    /* One loaded generation of a model file; immutable, refcounted. */
    _Atomic int refs;
    int idx;  /* registry index */
    const char *name;
    sks_model *m;
    sks_info info;
    int is_bool;       /* integer labels of dtype bool -> true/false */
    int64_t cols_predict, cols_proba, cols_decision, cols_scores; /* -1: unsupported */
    /* Class labels pre-encoded, [0] JSON and [1] msgpack: label i is
     * bytes label_off[i] .. label_off[i + 1] of label_enc[e]. */
    gw_buf label_enc[2];
    uint32_t *label_off[2];
    uint32_t fn_mask;  /* feature-name hash table (open addressing) */
    int32_t *fn_table; /* -1 = empty slot */
    /* NULL when every input column is numeric; else per input column its
     * sks_input_kind (models with string or ignored columns are scored from
     * an sks_table). */
    uint8_t *col_kind;
    uint64_t generation;
    double loaded_at; /* unix seconds */
} gw_model;

int gw_registry_add(const char *name, const char *path); /* before start */
int gw_registry_load_all(void); /* startup: every model must load */
int gw_registry_count(void);
const char *gw_registry_name(int idx);
const char *gw_registry_path(int idx);
/* Hot reloads of model idx so far: succeeded and failed (the previous
 * model kept serving). */
void gw_registry_reload_counts(int idx, uint64_t *ok, uint64_t *failed);
int gw_registry_find(const char *name, size_t len); /* -1 if unknown */
extern int gw_default_model;                      /* index, or -1 */
/* A counted reference to the current generation; never NULL for a valid
 * index after gw_registry_load_all. */
gw_model *gw_model_acquire(int idx);
void gw_model_release(gw_model *m);
/* Re-reads files whose stat changed (force: all). Returns failures. */
int gw_registry_reload(int force, const char *why);
/* Starts the reload thread: it polls the files every interval_ms (0: no
 * polling) and runs the reloads gw_registry_request_reload asks for. */
int gw_registry_watch_start(int interval_ms);
/* Asks the reload thread for a forced reload and returns at once; -1 if
 * the thread is not running (the caller reloads itself). */
int gw_registry_request_reload(void);
void gw_registry_watch_stop(void);
/* Feature index for a name, -1 if none. */
int32_t gw_model_feature(const gw_model *m, const char *name, size_t len);
/* What to say after "unknown feature NAME": the feature it matches up to
 * ASCII case, spaces and punctuation ("; did you mean ..."), else all the
 * model's names when they are few, else the three closest by edit
 * distance. out is always NUL-terminated ("" for a model without names). */
void gw_feature_hint(const gw_model *m, const char *name, size_t len, char *out, size_t size);
/* What input column c takes (the engine's sks_model_input_kind, cached). */
static inline sks_input_kind gw_col_kind(const gw_model *m, int64_t c)
{
    return m->col_kind != NULL && c < m->info.n_features ? (sks_input_kind)m->col_kind[c] : SKS_INPUT_NUMBER;
}

/* ------------------------------------------------ requests and answers */

enum { GW_OUT_PREDICT = 1, GW_OUT_PROBA = 2, GW_OUT_DECISION = 4, GW_OUT_SCORES = 8 };
#define GW_OUTPUT_NAMES "predict, predict_proba, decision_function or score_samples"
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
    double *predict, *proba, *decision, *scores; /* scores: score_samples */
    int64_t n_rows;
    /* Per output, in GW_OUT_* bit order: how to answer it (the engine's
     * rule: columns, 1-D or 2-D, float64/float32/labels). Float32 outputs
     * are already rounded to float32 in the arrays above. */
    sks_output_spec spec[4];
} gw_scores;
int gw_score(const gw_model *m, const gw_batch *b, gw_arena *a, gw_scores *s, gw_err *e);
/* Event loops in the process (server.c sets it; 1 elsewhere). A request
 * may score with as many engine threads as there are loops not scoring at
 * that moment; the engine itself splits only batches worth splitting. */
extern int gw_loop_count;
void gw_write_label(gw_writer *w, const gw_model *m, double v);
/* Fills m->label_enc/label_off (classifiers); 0, or -1 out of memory. */
int gw_encode_labels(gw_model *m);
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

/* ----------------------------------------------------------- metrics */

/* The metrics' route labels: one per kind of request (several paths of
 * routes.c's table may share one), in this order. */
#define GW_ROUTE_LABELS(X)                                                                              \
    X(PREDICT, "predict") X(V1_PREDICT, "v1_predict") X(V1_MODEL, "v1_model") X(V2_INFER, "v2_infer")  \
    X(V2_MODEL, "v2_model") X(V2_MODEL_READY, "v2_model_ready") X(V2_SERVER, "v2_server")              \
    X(V2_LIVE, "v2_live") X(V2_READY, "v2_ready") X(HEALTHZ, "healthz") X(READYZ, "readyz")            \
    X(METRICS, "metrics") X(OPENAPI, "openapi") X(MODELS, "models") X(OTHER, "other")
enum gw_route {
#define GW_R_ENUM(id, label) GW_R_##id,
    GW_ROUTE_LABELS(GW_R_ENUM)
#undef GW_R_ENUM
    GW_R_COUNT
};
/* A label's name (routes.c); "other" out of range. */
const char *gw_route_name(int r);
int gw_metrics_init(int n_models);
/* model: registry index or -1 when none applies. */
void gw_metrics_request(int route, int model, int status, double seconds);
void gw_metrics_rows(int model, int64_t rows);
void gw_metrics_render(gw_buf *out);

/* ---------------------------------------------------------- server state */

/* registry.c: set by server.c when the drain begins; then no reloads
 * start, and readiness (/readyz, skscore_ready) is false. */
extern _Atomic int gw_draining;

#endif
