/*
 * metrics.c -- Prometheus counters and histograms, and their text exposition.
 *
 * Every series has a fixed slot decided at startup (routes x models x a
 * small set of status codes), so recording is one relaxed atomic add and
 * never allocates or locks. Counters are named *_total so a Prometheus
 * Adapter rule can turn them into per-second rates for an HPA. Model info
 * (checksum, estimator, ...) is read from the registry when scraped.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw/metrics.h"
#include "gw/registry.h"

static const char *const route_labels[GW_R_COUNT] = {
#define GW_R_NAME(id, label) label,
    GW_ROUTE_LABELS(GW_R_NAME)
#undef GW_R_NAME
};

const char *gw_route_name(int r) { return r >= 0 && r < GW_R_COUNT ? route_labels[r] : "other"; }

static const int codes[] = {200, 400, 404, 405, 406, 413, 415, 422, 500, 503, 0 /* other */};
#define N_CODES (int)(sizeof codes / sizeof codes[0])

static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
#define N_BOUNDS (int)(sizeof bounds / sizeof bounds[0])

static int n_models;
static _Atomic uint64_t *requests; /* [route][model+1][code] */
static _Atomic uint64_t *hist;     /* [route][model+1][N_BOUNDS+1] cumulative at render */
static _Atomic uint64_t *hist_sum_ns; /* [route][model+1] */
static _Atomic uint64_t *rows; /* [model] */
static double started_at;

int gw_metrics_init(int nm)
{
    n_models = nm;
    size_t rm = (size_t)GW_R_COUNT * (size_t)(nm + 1);
    requests = calloc(rm * N_CODES, sizeof *requests);
    hist = calloc(rm * (N_BOUNDS + 1), sizeof *hist);
    hist_sum_ns = calloc(rm, sizeof *hist_sum_ns);
    rows = calloc((size_t)nm + 1, sizeof *rows);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    started_at = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    return requests && hist && hist_sum_ns && rows ? 0 : -1;
}

void gw_metrics_request(int route, int model, int status, double seconds)
{
    if (route < 0 || route >= GW_R_COUNT)
        route = GW_R_OTHER;
    if (model < -1 || model >= n_models)
        model = -1;
    int ci = N_CODES - 1;
    for (int i = 0; i < N_CODES - 1; i++)
        if (codes[i] == status) {
            ci = i;
            break;
        }
    size_t rm = (size_t)route * (size_t)(n_models + 1) + (size_t)(model + 1);
    atomic_fetch_add_explicit(&requests[rm * N_CODES + (size_t)ci], 1, memory_order_relaxed);
    int b = 0;
    while (b < N_BOUNDS && seconds > bounds[b])
        b++;
    atomic_fetch_add_explicit(&hist[rm * (N_BOUNDS + 1) + (size_t)b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_sum_ns[rm], (uint64_t)(seconds * 1e9), memory_order_relaxed);
}

void gw_metrics_rows(int model, int64_t n)
{
    if (model >= 0 && model < n_models && n > 0)
        atomic_fetch_add_explicit(&rows[model], (uint64_t)n, memory_order_relaxed);
}

static void label_str(gw_buf *out, const char *s)
{
    /* Prometheus label values escape \, " and newline. */
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            gw_buf_put(out, "\\", 1);
        if (*s == '\n') {
            gw_buf_puts(out, "\\n");
            continue;
        }
        gw_buf_put(out, s, 1);
    }
}

static const char *model_label(int m) { return m < 0 ? "" : gw_registry_name(m); }

void gw_metrics_render(gw_buf *out)
{
    gw_buf_puts(out, "# HELP skscore_http_requests_total HTTP requests answered, by route, model and status code.\n"
                     "# TYPE skscore_http_requests_total counter\n");
    for (int r = 0; r < GW_R_COUNT; r++)
        for (int m = -1; m < n_models; m++)
            for (int c = 0; c < N_CODES; c++) {
                size_t rm = (size_t)r * (size_t)(n_models + 1) + (size_t)(m + 1);
                uint64_t v = atomic_load_explicit(&requests[rm * N_CODES + (size_t)c], memory_order_relaxed);
                if (v == 0)
                    continue;
                gw_buf_printf(out, "skscore_http_requests_total{route=\"%s\",model=\"", gw_route_name(r));
                label_str(out, model_label(m));
                if (codes[c])
                    gw_buf_printf(out, "\",code=\"%d\"} %llu\n", codes[c], (unsigned long long)v);
                else
                    gw_buf_printf(out, "\",code=\"other\"} %llu\n", (unsigned long long)v);
            }
    gw_buf_puts(out, "# HELP skscore_http_request_duration_seconds Time from the complete request to the answer, by "
                     "route and model.\n# TYPE skscore_http_request_duration_seconds histogram\n");
    for (int r = 0; r < GW_R_COUNT; r++)
        for (int m = -1; m < n_models; m++) {
            size_t rm = (size_t)r * (size_t)(n_models + 1) + (size_t)(m + 1);
            uint64_t cum = 0, counts[N_BOUNDS + 1];
            for (int b = 0; b <= N_BOUNDS; b++) {
                counts[b] = atomic_load_explicit(&hist[rm * (N_BOUNDS + 1) + (size_t)b], memory_order_relaxed);
                cum += counts[b];
            }
            if (cum == 0)
                continue;
            cum = 0;
            for (int b = 0; b <= N_BOUNDS; b++) {
                cum += counts[b];
                gw_buf_printf(out, "skscore_http_request_duration_seconds_bucket{route=\"%s\",model=\"", gw_route_name(r));
                label_str(out, model_label(m));
                if (b < N_BOUNDS)
                    gw_buf_printf(out, "\",le=\"%g\"} %llu\n", bounds[b], (unsigned long long)cum);
                else
                    gw_buf_printf(out, "\",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
            }
            gw_buf_printf(out, "skscore_http_request_duration_seconds_sum{route=\"%s\",model=\"", gw_route_name(r));
            label_str(out, model_label(m));
            gw_buf_printf(out, "\"} %.9f\n",
                          (double)atomic_load_explicit(&hist_sum_ns[rm], memory_order_relaxed) / 1e9);
            gw_buf_printf(out, "skscore_http_request_duration_seconds_count{route=\"%s\",model=\"", gw_route_name(r));
            label_str(out, model_label(m));
            gw_buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
        }
    /* The per-model counters: one family each, samples contiguous. */
    static const struct {
        const char *name, *help;
    } counters[] = {
        {"skscore_rows_scored_total", "Input rows scored, by model."},
        {"skscore_model_reloads_total", "Successful hot reloads, by model."},
        {"skscore_model_reload_failures_total",
         "Model files that failed to load on reload (the previous model kept serving), by model."},
    };
    for (int k = 0; k < 3; k++) {
        gw_buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", counters[k].name, counters[k].help, counters[k].name);
        for (int m = 0; m < n_models; m++) {
            uint64_t ok, failed;
            gw_registry_reload_counts(m, &ok, &failed);
            uint64_t v = k == 0 ? atomic_load(&rows[m]) : k == 1 ? ok : failed;
            gw_buf_printf(out, "%s{model=\"", counters[k].name);
            label_str(out, model_label(m));
            gw_buf_printf(out, "\"} %llu\n", (unsigned long long)v);
        }
    }
    gw_buf_puts(out, "# HELP skscore_model_info The model serving under each name (value 1).\n"
                     "# TYPE skscore_model_info gauge\n");
    for (int m = 0; m < n_models; m++) {
        gw_model *gm = gw_model_acquire(m);
        if (gm == NULL)
            continue;
        gw_buf_puts(out, "skscore_model_info{model=\"");
        label_str(out, gm->name);
        gw_buf_puts(out, "\",checksum=\"");
        label_str(out, gm->info.checksum);
        gw_buf_puts(out, "\",estimator=\"");
        label_str(out, gm->info.estimator ? gm->info.estimator : "");
        gw_buf_puts(out, "\",source=\"");
        label_str(out, gm->info.source ? gm->info.source : "");
        gw_buf_puts(out, "\",source_version=\"");
        label_str(out, gm->info.source_version ? gm->info.source_version : "");
        gw_buf_printf(out, "\",format=\"%d.%d\",path=\"", gm->info.format_major, gm->info.format_minor);
        label_str(out, gw_registry_path(m));
        gw_buf_puts(out, "\"} 1\n");
        gw_model_release(gm);
    }
    /* A family's samples must be contiguous, with its own HELP/TYPE. */
    gw_buf_puts(out, "# HELP skscore_model_loaded_timestamp_seconds When the serving model file was loaded, unix "
                     "time.\n# TYPE skscore_model_loaded_timestamp_seconds gauge\n");
    for (int m = 0; m < n_models; m++) {
        gw_model *gm = gw_model_acquire(m);
        if (gm == NULL)
            continue;
        gw_buf_puts(out, "skscore_model_loaded_timestamp_seconds{model=\"");
        label_str(out, gm->name);
        gw_buf_printf(out, "\"} %.3f\n", gm->loaded_at);
        gw_model_release(gm);
    }
    gw_buf_printf(out, "# HELP skscore_ready 1 when the gateway is ready for traffic (0 while draining).\n"
                       "# TYPE skscore_ready gauge\nskscore_ready %d\n",
                  atomic_load(&gw_draining) ? 0 : 1);
    gw_buf_printf(out, "# HELP skscore_start_time_seconds Process start, unix time.\n"
                       "# TYPE skscore_start_time_seconds gauge\nskscore_start_time_seconds %.3f\n",
                  started_at);
    gw_buf_printf(out, "# HELP skscore_build_info skscore version (value 1).\n# TYPE skscore_build_info gauge\n"
                       "skscore_build_info{version=\"%s\"} 1\n",
                  SKS_VERSION);
}
