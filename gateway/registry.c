/*
 * registry.c -- the models the gateway serves, by name, and their hot reload.
 *
 * Each name points at the current generation of its model (a gw_model:
 * the engine's sks_model plus what answers need, e.g. a feature-name hash
 * table). Requests take a counted reference for as long as they use it; a
 * reload loads and checks the new file off to the side with sks_model_load,
 * then swaps the pointer under the entry's mutex. The old generation is
 * freed by whoever drops its last reference, so in-flight requests finish
 * on the model they started with. A file that fails to load leaves the old
 * model serving; the failure is logged and counted in /metrics, and the file
 * is not retried until its stat (size, mtime, inode) changes again or a
 * SIGHUP forces it. Reloads run in one reload thread (below), asked for by
 * SIGHUP (server.c) or by its own poll of the files' stat.
 *
 * Names are fixed at startup. No h2o here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gw/labels.h"
#include "gw/log.h"
#include "gw/registry.h"

typedef struct entry {
    char *name, *path;
    pthread_mutex_t mu;
    gw_model *cur;
    /* stat of the file as last tried (loaded or failed) */
    struct timespec mtime;
    off_t size;
    ino_t ino;
    dev_t dev;
    uint64_t generation;
    _Atomic uint64_t reloads, reload_failures; /* read by metrics.c */
} entry;

static entry *entries;
static int n_entries;
int gw_default_model = -1;
static pthread_mutex_t reload_mu = PTHREAD_MUTEX_INITIALIZER;

int gw_registry_add(const char *name, const char *path)
{
    for (int i = 0; i < n_entries; i++)
        if (strcmp(entries[i].name, name) == 0)
            return -1;
    entry *n = realloc(entries, (size_t)(n_entries + 1) * sizeof *n);
    if (n == NULL)
        return -1;
    entries = n;
    entry *e = &entries[n_entries];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    e->path = strdup(path);
    pthread_mutex_init(&e->mu, NULL);
    return n_entries++;
}

int gw_registry_count(void) { return n_entries; }
const char *gw_registry_name(int idx) { return entries[idx].name; }
const char *gw_registry_path(int idx) { return entries[idx].path; }

int gw_registry_find(const char *name, size_t len)
{
    for (int i = 0; i < n_entries; i++)
        if (strlen(entries[i].name) == len && memcmp(entries[i].name, name, len) == 0)
            return i;
    return -1;
}

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

_Atomic int gw_draining;

void gw_registry_reload_counts(int idx, uint64_t *ok, uint64_t *failed)
{
    *ok = idx >= 0 && idx < n_entries ? atomic_load(&entries[idx].reloads) : 0;
    *failed = idx >= 0 && idx < n_entries ? atomic_load(&entries[idx].reload_failures) : 0;
}

int32_t gw_model_feature(const gw_model *m, const char *name, size_t len)
{
    if (m->fn_table == NULL)
        return -1;
    for (uint32_t h = hash(name, len) & m->fn_mask;; h = (h + 1) & m->fn_mask) {
        int32_t i = m->fn_table[h];
        if (i < 0)
            return -1;
        const char *fn = sks_model_feature_name(m->m, i);
        if (strlen(fn) == len && memcmp(fn, name, len) == 0)
            return i;
    }
}

/* Names compared loosely: ASCII case folded, ASCII spaces and
 * punctuation dropped ("Sepal Length" ~ "sepal_length" ~ "sepal-length
 * (cm)" without "(cm)"'s parentheses). At most 64 bytes are kept. */
static size_t loose(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < 64; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80 && !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
            continue;
        out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    return o;
}

/* Edit distance of two loose names (<= 64 bytes each). */
static int distance(const char *a, size_t an, const char *b, size_t bn)
{
    int row[65];
    for (size_t j = 0; j <= bn; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= an; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= bn; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bn];
}

static size_t quoted(char *out, size_t size, size_t off, const char *s)
{
    if (off >= size)
        return off;
    size_t n = strlen(s), w = n > 40 ? 40 : n;
    while (w < n && w > 0 && ((unsigned char)s[w] & 0xC0) == 0x80)
        w--; /* cut at a UTF-8 character boundary */
    int k = snprintf(out + off, size - off, "%s\"%.*s%s\"", off ? ", " : "", (int)w, s, w < n ? "..." : "");
    return k < 0 ? off : off + (size_t)k;
}

/* Names beyond this many are not ranked by distance: an unknown name costs
 * at most ~2000 x 64 x 64 steps on the error path. */
#define HINT_RANK_MAX 2000

void gw_feature_hint(const gw_model *m, const char *name, size_t len, char *out, size_t size)
{
    int32_t nf = m->info.n_features;
    char key[64], cand[64];
    size_t kn = loose(name, len, key);
    out[0] = 0;
    if (m->fn_table == NULL || nf <= 0 || size < 8)
        return;
    for (int32_t i = 0; i < nf; i++) {
        const char *fn = sks_model_feature_name(m->m, i);
        size_t cn = loose(fn, strlen(fn), cand);
        if (cn == kn && memcmp(cand, key, kn) == 0 && kn > 0) {
            char q[64];
            quoted(q, sizeof q, 0, fn);
            snprintf(out, size, "; did you mean %s?", q);
            return;
        }
    }
    /* All the names when they fit, else the closest few. */
    char all[160];
    size_t off = 0;
    for (int32_t i = 0; i < nf && off < sizeof all; i++)
        off = quoted(all, sizeof all, off, sks_model_feature_name(m->m, i));
    if (off < sizeof all - 1) {
        snprintf(out, size, "; the model's features are %s", all);
        return;
    }
    if (nf > HINT_RANK_MAX) {
        snprintf(out, size, "; the model has %d features (GET /v1/models/%s lists them)", nf, m->name);
        return;
    }
    int32_t best[3] = {-1, -1, -1};
    int bd[3] = {1 << 30, 1 << 30, 1 << 30};
    for (int32_t i = 0; i < nf; i++) {
        const char *fn = sks_model_feature_name(m->m, i);
        size_t cn = loose(fn, strlen(fn), cand);
        int d = distance(key, kn, cand, cn);
        for (int k = 0; k < 3; k++)
            if (d < bd[k]) {
                for (int j = 2; j > k; j--) {
                    bd[j] = bd[j - 1];
                    best[j] = best[j - 1];
                }
                bd[k] = d;
                best[k] = i;
                break;
            }
    }
    off = 0;
    for (int k = 0; k < 3 && best[k] >= 0; k++)
        off = quoted(all, sizeof all, off, sks_model_feature_name(m->m, best[k]));
    snprintf(out, size, "; the closest of the model's %d features: %s (GET /v1/models/%s lists them all)", nf,
             all, m->name);
}

static void model_free(gw_model *m)
{
    if (m == NULL)
        return;
    sks_model_free(m->m);
    free(m->fn_table);
    free(m->col_kind);
    for (int e = 0; e < 2; e++) {
        gw_buf_dispose(&m->label_enc[e]);
        free(m->label_off[e]);
    }
    free(m);
}

void gw_model_release(gw_model *m)
{
    if (m != NULL && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1)
        model_free(m);
}

gw_model *gw_model_acquire(int idx)
{
    if (idx < 0 || idx >= n_entries)
        return NULL;
    entry *e = &entries[idx];
    pthread_mutex_lock(&e->mu);
    gw_model *m = e->cur;
    if (m != NULL)
        atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&e->mu);
    return m;
}

static double now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t out_cols(const sks_model *m, sks_output what)
{
    int64_t cols;
    return sks_model_output_cols(m, what, &cols, NULL) == 0 ? cols : -1;
}

/* Loads e->path into a new generation; NULL with err filled on failure. */
static gw_model *load(int idx, sks_error *err)
{
    entry *e = &entries[idx];
    gw_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        err->code = SKS_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    int rc = sks_model_load(e->path, &m->m, err);
    if (rc != 0) {
        free(m);
        return NULL;
    }
    atomic_init(&m->refs, 1);
    m->idx = idx;
    m->name = e->name;
    m->info = (sks_info)SKS_INFO_INIT;
    sks_model_info(m->m, &m->info);
    m->is_bool = m->info.label_kind == SKS_LABEL_INT && m->info.label_dtype != NULL &&
                 strcmp(m->info.label_dtype, "bool") == 0;
    m->cols_predict = out_cols(m->m, SKS_OUT_PREDICT);
    m->cols_proba = out_cols(m->m, SKS_OUT_PROBA);
    m->cols_decision = out_cols(m->m, SKS_OUT_DECISION);
    m->cols_scores = out_cols(m->m, SKS_OUT_SCORE_SAMPLES);
    m->cols_contrib = out_cols(m->m, SKS_OUT_CONTRIBUTIONS);
    int oom = gw_encode_labels(m) != 0;
    if (!oom && (m->info.n_string_columns > 0 || m->info.n_ignored_columns > 0)) {
        m->col_kind = malloc((size_t)m->info.n_features);
        oom = m->col_kind == NULL;
        for (int32_t c = 0; !oom && c < m->info.n_features; c++)
            m->col_kind[c] = (uint8_t)sks_model_input_kind(m->m, c);
    }
    if (!oom && m->info.has_feature_names && m->info.n_features > 0) {
        uint32_t size = 8;
        while (size < (uint32_t)m->info.n_features * 2)
            size *= 2;
        m->fn_table = malloc(size * sizeof(int32_t));
        m->fn_mask = size - 1;
        oom = m->fn_table == NULL;
    }
    if (oom) {
        model_free(m);
        err->code = SKS_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    if (m->fn_table != NULL) {
        for (uint32_t i = 0; i <= m->fn_mask; i++)
            m->fn_table[i] = -1;
        for (int32_t i = 0; i < m->info.n_features; i++) {
            const char *fn = sks_model_feature_name(m->m, i);
            uint32_t h = hash(fn, strlen(fn)) & m->fn_mask;
            while (m->fn_table[h] >= 0)
                h = (h + 1) & m->fn_mask;
            m->fn_table[h] = i;
        }
    }
    m->loaded_at = now_unix();
    return m;
}

static int stat_changed(entry *e, const struct stat *st)
{
    return st->st_size != e->size || st->st_ino != e->ino || st->st_dev != e->dev ||
           st->st_mtim.tv_sec != e->mtime.tv_sec || st->st_mtim.tv_nsec != e->mtime.tv_nsec;
}

static void remember(entry *e, const struct stat *st)
{
    e->size = st->st_size;
    e->ino = st->st_ino;
    e->dev = st->st_dev;
    e->mtime = st->st_mtim;
}

static void log_loaded(const char *what, int idx, const gw_model *m)
{
    char qn[256], qp[1024], qe[256], qs[256];
    gw_log(GW_LOG_INFO, what,
           "\"model\":%s,\"path\":%s,\"checksum\":\"%s\",\"estimator\":%s,\"source_version\":%s,"
           "\"n_features\":%d,\"n_classes\":%d,\"generation\":%llu",
           gw_jq(qn, sizeof qn, entries[idx].name), gw_jq(qp, sizeof qp, entries[idx].path), m->info.checksum,
           gw_jq(qe, sizeof qe, m->info.estimator), gw_jq(qs, sizeof qs, m->info.source_version),
           m->info.n_features, m->info.n_classes, (unsigned long long)m->generation);
}

int gw_registry_load_all(void)
{
    int failures = 0;
    for (int i = 0; i < n_entries; i++) {
        entry *e = &entries[i];
        struct stat st;
        sks_error err = {0};
        gw_model *m = NULL;
        if (stat(e->path, &st) == 0)
            remember(e, &st);
        m = load(i, &err);
        if (m == NULL) {
            char qn[256], qp[1024], qm[800];
            gw_log(GW_LOG_ERROR, "model failed to load", "\"model\":%s,\"path\":%s,\"code\":\"%s\",\"error\":%s",
                   gw_jq(qn, sizeof qn, e->name), gw_jq(qp, sizeof qp, e->path), sks_errname(err.code),
                   gw_jq(qm, sizeof qm, err.message));
            failures++;
            continue;
        }
        m->generation = ++e->generation;
        e->cur = m;
        log_loaded("model loaded", i, m);
    }
    return failures;
}

int gw_registry_reload(int force, const char *why)
{
    int failures = 0;
    pthread_mutex_lock(&reload_mu);
    for (int i = 0; i < n_entries; i++) {
        entry *e = &entries[i];
        struct stat st;
        if (stat(e->path, &st) != 0) {
            if (force) {
                char qn[256], qp[1024];
                gw_log(GW_LOG_ERROR, "model reload failed", "\"model\":%s,\"path\":%s,\"reason\":%s,\"error\":\"%s\"",
                       gw_jq(qn, sizeof qn, e->name), gw_jq(qp, sizeof qp, e->path), why, strerror(errno));
                atomic_fetch_add(&e->reload_failures, 1);
                failures++;
            }
            continue; /* a file being replaced may be briefly absent */
        }
        if (!force && !stat_changed(e, &st))
            continue;
        remember(e, &st);
        sks_error err = {0};
        gw_model *m = load(i, &err);
        if (m == NULL) {
            char qn[256], qp[1024], qm[800];
            gw_log(GW_LOG_ERROR, "model reload failed; the previous model keeps serving",
                   "\"model\":%s,\"path\":%s,\"reason\":%s,\"code\":\"%s\",\"error\":%s", gw_jq(qn, sizeof qn, e->name),
                   gw_jq(qp, sizeof qp, e->path), why, sks_errname(err.code), gw_jq(qm, sizeof qm, err.message));
            atomic_fetch_add(&e->reload_failures, 1);
            failures++;
            continue;
        }
        m->generation = e->generation + 1;
        pthread_mutex_lock(&e->mu);
        gw_model *old = e->cur;
        e->cur = m;
        e->generation++;
        pthread_mutex_unlock(&e->mu);
        log_loaded("model reloaded", i, m);
        atomic_fetch_add(&e->reloads, 1);
        gw_model_release(old);
    }
    pthread_mutex_unlock(&reload_mu);
    return failures;
}

/* ---------------------------------------------------------------- watcher */

/* One reload thread does every reload after startup: the polls (every
 * interval_ms, when > 0) and the forced reloads SIGHUP asks for. The
 * signal thread only posts a request, so it is back in sigwait at once and
 * a SIGTERM arriving during a slow reload starts the drain without waiting
 * for it. SIGHUPs arriving during a reload fold into one more forced
 * reload after it, which sees the newest files. */
static pthread_t watcher;
static int watcher_running;
static int watcher_stop;
static int watcher_interval_ms;
static int force_pending;
static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cv;

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&watch_mu);
    while (!watcher_stop) {
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += watcher_interval_ms / 1000;
        dl.tv_nsec += (long)(watcher_interval_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        while (!watcher_stop && !force_pending) {
            int rc = watcher_interval_ms > 0 ? pthread_cond_timedwait(&watch_cv, &watch_mu, &dl)
                                             : pthread_cond_wait(&watch_cv, &watch_mu);
            if (rc == ETIMEDOUT)
                break;
        }
        if (watcher_stop)
            break;
        int force = force_pending;
        force_pending = 0;
        if (atomic_load(&gw_draining))
            continue; /* no new reload once the drain has begun */
        pthread_mutex_unlock(&watch_mu);
        gw_registry_reload(force, force ? "\"SIGHUP\"" : "\"file changed\"");
        pthread_mutex_lock(&watch_mu);
    }
    pthread_mutex_unlock(&watch_mu);
    return NULL;
}

int gw_registry_watch_start(int interval_ms)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_cv, &ca);
    watcher_interval_ms = interval_ms > 0 ? interval_ms : 0;
    if (pthread_create(&watcher, NULL, watch_main, NULL) != 0)
        return -1;
    watcher_running = 1;
    return 0;
}

int gw_registry_request_reload(void)
{
    if (!watcher_running)
        return -1;
    pthread_mutex_lock(&watch_mu);
    force_pending = 1;
    pthread_cond_signal(&watch_cv);
    pthread_mutex_unlock(&watch_mu);
    return 0;
}

void gw_registry_watch_stop(void)
{
    if (!watcher_running)
        return;
    pthread_mutex_lock(&watch_mu);
    watcher_stop = 1;
    pthread_cond_signal(&watch_cv);
    pthread_mutex_unlock(&watch_mu);
    pthread_join(watcher, NULL);
    watcher_running = 0;
}
