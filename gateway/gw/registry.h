/*
 * gw/registry.h -- the models served, by name: counted generations, hot
 * reload and its counts, the draining flag (registry.c); the feature-name
 * lookups answers use. Depends on nothing above it.
 */
#ifndef GW_REGISTRY_H
#define GW_REGISTRY_H

#include "gw/value.h"
#include "skscore.h"

/* --------------------------------------------------------------- models */

typedef struct gw_model {
    /* One loaded generation of a model file; immutable, refcounted. */
    _Atomic int refs;
    int idx;  /* registry index */
    const char *name;
    sks_model *m;
    sks_info info;
    int is_bool;       /* integer labels of dtype bool -> true/false */
    int64_t cols_predict, cols_proba, cols_decision, cols_scores, cols_contrib; /* -1: unsupported */
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

/* ---------------------------------------------------------- server state */

/* registry.c: set by server.c when the drain begins; then no reloads
 * start, and readiness (/readyz, skscore_ready) is false. */
extern _Atomic int gw_draining;

#endif
