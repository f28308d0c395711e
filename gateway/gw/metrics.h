/*
 * gw/metrics.h -- Prometheus counters and histograms (metrics.c), and the
 * route labels they are kept by.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdint.h>
#include "gw/value.h"

/* ----------------------------------------------------------- metrics */

/* The metrics' route labels: one per kind of request (several paths of
 * routes.c's table may share one), in this order. */
#define GW_ROUTE_LABELS(X)                                                                              \
    X(PREDICT, "predict") X(V1_PREDICT, "v1_predict") X(V1_EXPLAIN, "v1_explain") X(V1_MODEL, "v1_model") X(V2_INFER, "v2_infer")  \
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

#endif
