/*
 * routes.c -- the HTTP API: one h2o handler that dispatches by method and
 * path, checks bodies (size, content type), decodes them, scores through
 * request.c / v2.c, and answers in the format Accept asks for.
 *
 * Every answer, errors included, is a complete body with a content-length;
 * errors are {"error": "..."} with 400/404/405/413/415/422 (500 only for
 * failures of our own, e.g. out of memory). Scoring runs inline on the
 * loop thread: a request holds a counted reference to its model generation
 * until its answer is built, so a hot reload never pulls a model from
 * under it. Per-request memory is one arena freed before returning.
 * The routes are the table ROUTES below (docs/PROTOCOL.md describes them,
 * gateway/openapi.json documents them, a test keeps the two equal).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <h2o.h>

#include "gw/codec.h"
#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/registry.h"
#include "gw/request.h"
#include "gw/server.h"

extern const char gw_openapi_json[];
extern const size_t gw_openapi_json_len;

static gw_route_opts ro;

void gw_routes_init(const gw_route_opts *o) { ro = *o; }

typedef struct call {
    h2o_req_t *req;
    int route;
    int model;
    gw_arena arena;
} call;

/* Request body formats by Content-Type. FMT_NONE (no Content-Type),
 * FMT_FORM (application/x-www-form-urlencoded: curl -d's default) and
 * FMT_TEXT (text/plain: fetch()'s default for a string body) are read as
 * JSON, as KServe and TF Serving read them; docs/PROTOCOL.md has the rule. */
enum { FMT_NONE = 0, FMT_JSON = 1, FMT_MSGPACK = 2, FMT_OTHER = 3, FMT_FORM = 4, FMT_TEXT = 5 };

static void send_body(call *c, int status, const char *ctype, const char *body, size_t len)
{
    h2o_req_t *req = c->req;
    static const char *const reasons[] = {[200] = "OK", [400] = "Bad Request", [404] = "Not Found",
                                          [405] = "Method Not Allowed", [406] = "Not Acceptable",
                                          [413] = "Payload Too Large", [415] = "Unsupported Media Type",
                                          [422] = "Unprocessable Entity", [500] = "Internal Server Error",
                                          [503] = "Service Unavailable"};
    req->res.status = status;
    req->res.reason = status < 504 && reasons[status] ? reasons[status] : "";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
    if (atomic_load(&gw_draining))
        req->http1_is_persistent = 0;
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
}

static int send_json(call *c, int status, gw_buf *b)
{
    if (b->oom) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        send_body(c, 500, "application/json", oom, sizeof oom - 1);
        return 500;
    }
    send_body(c, status, "application/json", b->p ? b->p : "", b->len);
    return status;
}

static int send_error(call *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int send_error(call *c, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gw_buf b;
    gw_buf_init(&b);
    gw_buf_puts(&b, "{\"error\":");
    gw_buf_json_str(&b, msg, strlen(msg));
    gw_buf_puts(&b, "}");
    int rc = send_json(c, status, &b);
    gw_buf_dispose(&b);
    if (status >= 500) {
        char q[600];
        gw_log(GW_LOG_ERROR, "request failed", "\"status\":%d,\"error\":%s", status, gw_jq(q, sizeof q, msg));
    } else if (gw_log_level <= GW_LOG_DEBUG) {
        char q[600];
        gw_log(GW_LOG_DEBUG, "request rejected", "\"status\":%d,\"error\":%s", status, gw_jq(q, sizeof q, msg));
    }
    return rc;
}

static int send_const(call *c, int status, const char *json)
{
    send_body(c, status, "application/json", json, strlen(json));
    return status;
}

static int method_not_allowed(call *c, const char *allow)
{
    h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
    return send_error(c, 405, "method %.*s is not allowed here; use %s", (int)c->req->method.len,
                      c->req->method.base, allow);
}

static int is_method(h2o_req_t *req, const char *m)
{
    size_t n = strlen(m);
    return req->method.len == n && memcmp(req->method.base, m, n) == 0;
}

static int path_is(h2o_iovec_t p, const char *s)
{
    size_t n = strlen(s);
    return p.len == n && memcmp(p.base, s, n) == 0;
}

/* Media type of a header value, lower-cased compare, parameters ignored. */
static int media_format(const char *v, size_t n)
{
    size_t end = 0;
    while (end < n && v[end] != ';' && v[end] != ',')
        end++;
    while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    size_t b = 0;
    while (b < end && (v[b] == ' ' || v[b] == '\t'))
        b++;
    const char *t = v + b;
    size_t tl = end - b;
#define IS(s) (tl == strlen(s) && strncasecmp(t, s, tl) == 0)
    if (IS("application/json") || (tl > 5 && strncasecmp(t + tl - 5, "+json", 5) == 0 && strncasecmp(t, "application/", 12) == 0))
        return FMT_JSON;
    if (IS("application/msgpack") || IS("application/x-msgpack") || IS("application/vnd.msgpack"))
        return FMT_MSGPACK;
    if (IS("application/x-www-form-urlencoded"))
        return FMT_FORM;
    if (IS("text/plain"))
        return FMT_TEXT;
    if (tl == 0)
        return FMT_NONE; /* "Content-Type:" with an empty value */
#undef IS
    return FMT_OTHER;
}

static int content_format(h2o_req_t *req, h2o_iovec_t *ctype)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return FMT_NONE;
    *ctype = req->headers.entries[i].value;
    return media_format(ctype->base, ctype->len);
}

/* The answer format: msgpack only when Accept names it (before JSON) or the
 * request was msgpack and Accept leaves the choice open. */
static int accept_format(h2o_req_t *req, int req_fmt)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (i < 0)
        return req_fmt == FMT_MSGPACK ? FMT_MSGPACK : FMT_JSON;
    h2o_iovec_t v = req->headers.entries[i].value;
    const char *mp = NULL, *js = NULL;
    for (size_t k = 0; k + 4 <= v.len; k++) {
        if (mp == NULL && k + 7 <= v.len && strncasecmp(v.base + k, "msgpack", 7) == 0)
            mp = v.base + k;
        if (js == NULL && strncasecmp(v.base + k, "json", 4) == 0)
            js = v.base + k;
    }
    if (mp != NULL && (js == NULL || mp < js))
        return FMT_MSGPACK;
    if (js != NULL)
        return FMT_JSON;
    return req_fmt == FMT_MSGPACK ? FMT_MSGPACK : FMT_JSON;
}

static int unknown_model(call *c, const char *name, size_t len)
{
    char list[512] = "";
    size_t off = 0;
    for (int i = 0; i < gw_registry_count() && off < sizeof list - 80; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", gw_registry_name(i));
    return send_error(c, 404, "unknown model \"%.*s\"; this gateway serves: %s", (int)(len > 100 ? 100 : len), name,
                      list);
}

/* The value of ?outputs=..., with %2C read as a comma. */
static const char *query_outputs(call *c, size_t *len)
{
    h2o_req_t *req = c->req;
    if (req->query_at == SIZE_MAX)
        return NULL;
    const char *q = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *e = amp ? amp : end;
        if ((size_t)(e - q) >= 8 && memcmp(q, "outputs=", 8) == 0) {
            const char *v = q + 8;
            size_t n = (size_t)(e - v);
            char *out = gw_arena_alloc(&c->arena, n + 1);
            size_t o = 0;
            if (out == NULL)
                return NULL;
            for (size_t i = 0; i < n; i++) {
                if (v[i] == '%' && i + 2 < n && v[i + 1] == '2' && (v[i + 2] == 'C' || v[i + 2] == 'c')) {
                    out[o++] = ',';
                    i += 2;
                } else {
                    out[o++] = v[i];
                }
            }
            *len = o;
            return out;
        }
        q = e + 1;
    }
    return NULL;
}

/* The 415: the type was sent, and what to send instead. A form upload
 * (curl -F) gets told how to send the JSON itself. */
static int unsupported_type(call *c, h2o_iovec_t ctype, const char *what)
{
    static const char mp[] = "multipart/form-data";
    int multipart = ctype.len >= sizeof mp - 1 && strncasecmp(ctype.base, mp, sizeof mp - 1) == 0;
    return send_error(c, 415, "unsupported Content-Type \"%.*s\"%s", (int)(ctype.len > 100 ? 100 : ctype.len),
                      ctype.base,
                      multipart ? "; send the JSON document itself as the body, not a form upload: curl -H "
                                  "'Content-Type: application/json' --data-binary @request.json"
                      : *what   ? what
                                : "; send JSON (Content-Type: application/json) or msgpack (Content-Type: "
                                  "application/msgpack)");
}

/* The 400 for a body that is not what it was read as (msg: the decoder's
 * words, with the byte), with the likely cause: a body in the other format
 * (msgpack sent as JSON, JSON sent as msgpack: the Content-Type is wrong),
 * or a body read as JSON because its Content-Type was none, curl -d's form
 * default or text/plain. The other decoder runs only here, on the error
 * path, over a body already within --max-body-bytes. */
static int syntax_error(call *c, int fmt, const char *msg, int takes_msgpack)
{
    h2o_req_t *req = c->req;
    const char *body = req->entity.base ? req->entity.base : "";
    size_t len = req->entity.len;
    char other[400];
    gw_val *v;
    if (fmt == FMT_MSGPACK) {
        if (len > 0 && gw_json_decode(body, len, &c->arena, &v, other, sizeof other) == 0)
            return send_error(c, 400, "%s; the body is JSON, not msgpack: send it with Content-Type: "
                                      "application/json", msg);
        return send_error(c, 400, "%s", msg);
    }
    if (len > 0 && gw_msgpack_decode(body, len, &c->arena, &v, other, sizeof other) == 0 && v->type == GW_OBJ)
        return send_error(c, 400, "%s; the body is msgpack, not JSON: %s", msg,
                          takes_msgpack ? "send it with Content-Type: application/msgpack"
                                        : "V2 infer takes JSON only (Content-Type: application/json)");
    const char *sent = fmt == FMT_FORM   ? "came as application/x-www-form-urlencoded (curl -d's default), which"
                       : fmt == FMT_TEXT ? "came as text/plain, which"
                       : fmt == FMT_NONE ? "came without a Content-Type, so it"
                                         : NULL;
    if (sent == NULL)
        return send_error(c, 400, "%s", msg);
    return send_error(c, 400, "%s; the body %s is read as JSON: send a JSON document (docs/PROTOCOL.md), with "
                              "Content-Type: application/json%s",
                      msg, sent, takes_msgpack ? ", or msgpack with Content-Type: application/msgpack" : "");
}

static int check_body(call *c)
{
    if (c->req->entity.len > ro.max_body)
        return send_error(c, 413, "the body has %zu bytes; the limit is %zu", c->req->entity.len, ro.max_body);
    return 0;
}

/* POST /predict, /models/{name}/predict, /v1/models/{name}:predict, and
 * with explain /v1/models/{name}:explain (the predictions and the
 * contributions, whatever else the request asks for). */
static int predict(call *c, int model_idx, int v1, int explain)
{
    h2o_req_t *req = c->req;
    int rc;
    if ((rc = check_body(c)) != 0)
        return rc;
    h2o_iovec_t ctype = {NULL, 0};
    int fmt = content_format(req, &ctype);
    if (fmt == FMT_OTHER)
        return unsupported_type(c, ctype, "");
    int out_fmt = accept_format(req, fmt);
    char msg[400];
    gw_val *root;
    const char *body = req->entity.base ? req->entity.base : "";
    int drc = fmt == FMT_MSGPACK ? gw_msgpack_decode(body, req->entity.len, &c->arena, &root, msg, sizeof msg)
                                 : gw_json_decode_rows(body, req->entity.len, &c->arena, &root, msg, sizeof msg);
    if (drc != 0)
        return syntax_error(c, fmt, msg, 1);
    gw_model *m = gw_model_acquire(model_idx);
    if (m == NULL)
        return send_error(c, 503, "model is not loaded");
    gw_limits lim = {ro.max_rows};
    gw_batch b;
    gw_scores s;
    gw_err e = {0};
    size_t qn = 0;
    const char *q = query_outputs(c, &qn);
    int parsed = gw_parse_predict(root, m, v1, q, qn, &lim, &c->arena, &b, &e);
    if (explain)
        b.outputs |= GW_OUT_PREDICT | GW_OUT_CONTRIB;
    if (parsed != 0 || gw_score(m, &b, &c->arena, &s, &e) != 0) {
        gw_model_release(m);
        return send_error(c, e.status, "%s", e.msg);
    }
    gw_writer w;
    gw_w_init(&w, out_fmt == FMT_MSGPACK);
    gw_answer_predict(&w, m, &b, &s, v1);
    gw_metrics_rows(model_idx, s.n_rows);
    gw_model_release(m);
    if (w.buf.oom) {
        gw_w_dispose(&w);
        return send_error(c, 500, "out of memory");
    }
    send_body(c, 200, out_fmt == FMT_MSGPACK ? "application/msgpack" : "application/json", w.buf.p, w.buf.len);
    gw_w_dispose(&w);
    return 200;
}

static int v2_infer(call *c, int model_idx)
{
    h2o_req_t *req = c->req;
    int rc;
    if ((rc = check_body(c)) != 0)
        return rc;
    const char *body = req->entity.base ? req->entity.base : "";
    size_t len = req->entity.len, json_len = len;
    h2o_iovec_t ctype = {NULL, 0};
    int fmt = FMT_JSON; /* the binary extension's header is JSON whatever the Content-Type */
    ssize_t hi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("inference-header-content-length"), -1);
    if (hi >= 0) {
        h2o_iovec_t v = req->headers.entries[hi].value;
        char tmp[24];
        char *end;
        if (v.len == 0 || v.len >= sizeof tmp)
            return send_error(c, 400, "bad Inference-Header-Content-Length");
        memcpy(tmp, v.base, v.len);
        tmp[v.len] = 0;
        unsigned long long n = strtoull(tmp, &end, 10);
        if (*end != 0 || tmp[0] < '0' || tmp[0] > '9' || n > len)
            return send_error(c, 400, "Inference-Header-Content-Length %s is not a length within the %zu-byte body",
                              tmp, len);
        if (n == 0)
            return send_error(c, 400, "Inference-Header-Content-Length 0 (a raw tensor without a header) is not "
                                      "supported; send a JSON header");
        json_len = (size_t)n;
    } else {
        fmt = content_format(req, &ctype);
        if (fmt == FMT_MSGPACK || fmt == FMT_OTHER)
            return unsupported_type(c, ctype, " for V2 infer; send JSON (Content-Type: application/json), or "
                                              "use the binary extension (Inference-Header-Content-Length)");
    }
    gw_model *m = gw_model_acquire(model_idx);
    if (m == NULL)
        return send_error(c, 503, "model is not loaded");
    gw_limits lim = {ro.max_rows};
    gw_v2_answer ans;
    memset(&ans, 0, sizeof ans);
    gw_buf_init(&ans.json);
    gw_buf_init(&ans.bin);
    gw_err e = {0};
    rc = gw_v2_infer(m, body, json_len, body + json_len, len - json_len, &lim, &c->arena, &ans, &e);
    if (rc == 0)
        gw_metrics_rows(model_idx, ans.rows);
    gw_model_release(m);
    if (rc != 0) {
        gw_buf_dispose(&ans.json);
        gw_buf_dispose(&ans.bin);
        if (e.syntax)
            return syntax_error(c, fmt, e.msg, 0);
        return send_error(c, e.status, "%s", e.msg);
    }
    if (ans.has_bin) {
        char hl[24];
        int n = snprintf(hl, sizeof hl, "%zu", ans.json.len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("inference-header-content-length"), 0, NULL,
                              h2o_strdup(&req->pool, hl, (size_t)n).base, (size_t)n);
        gw_buf_put(&ans.json, ans.bin.p, ans.bin.len);
        if (ans.json.oom)
            rc = send_error(c, 500, "out of memory");
        else
            send_body(c, 200, "application/octet-stream", ans.json.p, ans.json.len);
    } else {
        rc = send_json(c, 200, &ans.json);
        rc = rc == 200 ? 0 : rc;
    }
    gw_buf_dispose(&ans.json);
    gw_buf_dispose(&ans.bin);
    return rc ? rc : 200;
}

static int ready_json(call *c, const char *key)
{
    int ready = !atomic_load(&gw_draining);
    char buf[64];
    snprintf(buf, sizeof buf, "{\"%s\":%s}", key, ready ? "true" : "false");
    return send_const(c, ready ? 200 : 503, buf);
}

static int model_status(call *c, int idx, int v2)
{
    gw_model *m = gw_model_acquire(idx);
    gw_writer w;
    gw_w_init(&w, 0);
    if (v2) {
        gw_v2_model_metadata(&w, m);
    } else {
        /* KServe V1 model status, plus what a client needs to call it. */
        gw_w_map(&w, 0);
        gw_w_key(&w, "name");
        gw_w_cstr(&w, m->name);
        gw_w_key(&w, "ready");
        gw_w_bool(&w, 1);
        gw_w_key(&w, "estimator");
        gw_w_cstr(&w, m->info.estimator ? m->info.estimator : "");
        gw_w_key(&w, "task");
        gw_w_cstr(&w, sks_task_name(m->info.task));
        gw_w_key(&w, "n_features");
        gw_w_int(&w, m->info.n_features);
        if (m->info.has_feature_names) {
            gw_w_key(&w, "feature_names");
            gw_w_arr(&w, 0);
            for (int32_t i = 0; i < m->info.n_features; i++)
                gw_w_cstr(&w, sks_model_feature_name(m->m, i));
            gw_w_end(&w);
        }
        /* What each feature takes in a row: ignored ones take anything. */
        gw_w_key(&w, "feature_types");
        gw_w_arr(&w, 0);
        for (int32_t i = 0; i < m->info.n_features; i++)
            gw_w_cstr(&w, sks_input_kind_name(gw_col_kind(m, i)));
        gw_w_end(&w);
        if (m->info.task == SKS_TASK_CLASSIFICATION) {
            gw_w_key(&w, "classes");
            gw_w_arr(&w, 0);
            for (int32_t i = 0; i < m->info.n_classes; i++)
                gw_write_label(&w, m, i);
            gw_w_end(&w);
        }
        gw_w_key(&w, "outputs");
        gw_w_arr(&w, 0);
        int64_t cols[GW_N_OUTPUTS] = {m->cols_predict, m->cols_proba, m->cols_decision, m->cols_scores,
                                      m->cols_contrib};
        for (int i = 0; i < GW_N_OUTPUTS; i++)
            if (cols[i] > 0)
                gw_w_cstr(&w, sks_output_name((sks_output)i));
        gw_w_end(&w);
        gw_w_key(&w, "checksum");
        gw_w_cstr(&w, m->info.checksum);
        gw_w_key(&w, "source");
        gw_w_cstr(&w, m->info.source ? m->info.source : "");
        gw_w_key(&w, "source_version");
        gw_w_cstr(&w, m->info.source_version ? m->info.source_version : "");
        gw_w_key(&w, "generation");
        gw_w_int(&w, (int64_t)m->generation);
        gw_w_end(&w);
    }
    gw_model_release(m);
    int rc = send_json(c, 200, &w.buf);
    gw_w_dispose(&w);
    return rc;
}

static int list_models(call *c)
{
    gw_writer w;
    gw_w_init(&w, 0);
    gw_w_map(&w, 2);
    gw_w_key(&w, "models");
    gw_w_arr(&w, 0);
    for (int i = 0; i < gw_registry_count(); i++)
        gw_w_cstr(&w, gw_registry_name(i));
    gw_w_end(&w);
    gw_w_key(&w, "default");
    if (gw_default_model >= 0)
        gw_w_cstr(&w, gw_registry_name(gw_default_model));
    else
        gw_w_null(&w);
    gw_w_end(&w);
    int rc = send_json(c, 200, &w.buf);
    gw_w_dispose(&w);
    return rc;
}

/* ------------------------------------------------------------ handlers
 *
 * Each runs once its route matched, its model (c->model) was resolved and
 * the method checked. */

static int seed_predict(call *c) { return predict(c, c->model, 0, 0); }
static int v1_predict(call *c) { return predict(c, c->model, 1, 0); }
static int v1_explain(call *c) { return predict(c, c->model, 1, 1); }
static int v1_model(call *c) { return model_status(c, c->model, 0); }
static int v2_model(call *c) { return model_status(c, c->model, 1); }
static int v2_infer_route(call *c) { return v2_infer(c, c->model); }
static int healthz(call *c) { return send_const(c, 200, "{\"status\":\"ok\"}"); }
static int readyz(call *c) { return ready_json(c, "ready"); }
static int v2_live(call *c) { return send_const(c, 200, "{\"live\":true}"); }

static int v2_server(call *c)
{
    return send_const(c, 200, "{\"name\":\"skscore\",\"version\":\"" SKS_VERSION
                              "\",\"extensions\":[\"binary_tensor_data\"]}");
}

static int metrics(call *c)
{
    gw_buf b;
    gw_buf_init(&b);
    gw_metrics_render(&b);
    gw_server_render_metrics(&b);
    send_body(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.p ? b.p : "", b.len);
    gw_buf_dispose(&b);
    return 200;
}

static int openapi(call *c)
{
    send_body(c, 200, "application/json", gw_openapi_json, gw_openapi_json_len);
    return 200;
}

static int v2_model_ready(call *c)
{
    gw_buf b;
    gw_buf_init(&b);
    gw_buf_puts(&b, "{\"name\":");
    gw_buf_json_str(&b, gw_registry_name(c->model), strlen(gw_registry_name(c->model)));
    gw_buf_puts(&b, ",\"ready\":true}");
    int rc = send_json(c, 200, &b);
    gw_buf_dispose(&b);
    return rc;
}

/* ---------------------------------------------------------- route table
 *
 * Every route the gateway answers, once: dispatch walks it, the metrics
 * take their route label from it, --list-routes prints it and
 * tests/gateway/test_gateway_routes.py checks openapi.json against that.
 * A path holds at most one {name}, a model's name: a run of bytes up to the
 * pattern's next character, never holding '/' (nor ':' with
 * R_NAME_NO_COLON), and not empty unless R_NAME_MAY_BE_EMPTY. The model is
 * resolved (404 for an unknown one) before the method is checked (405). */

enum {
    R_DEFAULT_MODEL = 1,     /* the default model: 404 when there is none */
    R_NAME_NO_COLON = 2,     /* KServe V1's {name}:predict */
    R_NAME_MAY_BE_EMPTY = 4, /* the seed's /models//predict: an unknown model, "" */
};

typedef struct route {
    const char *method; /* the one method it answers; others get 405 */
    const char *path;
    int label;          /* GW_R_*: the metric's route label */
    unsigned flags;
    int (*fn)(call *c);
} route;

static const route ROUTES[] = {
    {"POST", "/predict", GW_R_PREDICT, R_DEFAULT_MODEL, seed_predict},
    {"POST", "/models/{name}/predict", GW_R_PREDICT, R_NAME_MAY_BE_EMPTY, seed_predict},
    {"GET", "/models", GW_R_MODELS, 0, list_models},
    {"GET", "/v1/models", GW_R_MODELS, 0, list_models},
    {"GET", "/v1/models/{name}", GW_R_V1_MODEL, R_NAME_NO_COLON, v1_model},
    {"POST", "/v1/models/{name}:predict", GW_R_V1_PREDICT, R_NAME_NO_COLON, v1_predict},
    {"POST", "/v1/models/{name}:explain", GW_R_V1_EXPLAIN, R_NAME_NO_COLON, v1_explain},
    {"GET", "/v2", GW_R_V2_SERVER, 0, v2_server},
    {"GET", "/v2/health/live", GW_R_V2_LIVE, 0, v2_live},
    {"GET", "/v2/health/ready", GW_R_V2_READY, 0, readyz},
    {"GET", "/v2/models/{name}", GW_R_V2_MODEL, 0, v2_model},
    {"GET", "/v2/models/{name}/versions/1", GW_R_V2_MODEL, 0, v2_model},
    {"GET", "/v2/models/{name}/ready", GW_R_V2_MODEL_READY, 0, v2_model_ready},
    {"GET", "/v2/models/{name}/versions/1/ready", GW_R_V2_MODEL_READY, 0, v2_model_ready},
    {"POST", "/v2/models/{name}/infer", GW_R_V2_INFER, 0, v2_infer_route},
    {"POST", "/v2/models/{name}/versions/1/infer", GW_R_V2_INFER, 0, v2_infer_route},
    {"GET", "/healthz", GW_R_HEALTHZ, 0, healthz},
    {"GET", "/livez", GW_R_HEALTHZ, 0, healthz},
    {"GET", "/readyz", GW_R_READYZ, 0, readyz},
    {"GET", "/metrics", GW_R_METRICS, 0, metrics},
    {"GET", "/openapi.json", GW_R_OPENAPI, 0, openapi},
};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])

/* 1 when path p matches r's pattern; then *name and *len give its {name}, or
 * NULL when the pattern has none. */
static int match(const route *r, h2o_iovec_t p, const char **name, size_t *len)
{
    const char *pat = r->path, *brace = strstr(pat, "{name}");
    *name = NULL;
    *len = 0;
    if (brace == NULL)
        return path_is(p, pat);
    size_t pre = (size_t)(brace - pat);
    const char *post = brace + 6, *s = p.base + pre, *end = p.base + p.len;
    if (p.len < pre || memcmp(p.base, pat, pre) != 0)
        return 0;
    const char *e = s;
    while (e < end && *e != '/' && !(*e == ':' && (r->flags & R_NAME_NO_COLON)) && (*post == '\0' || *e != *post))
        e++;
    if (e == s && !(r->flags & R_NAME_MAY_BE_EMPTY))
        return 0;
    size_t rest = strlen(post);
    if ((size_t)(end - e) != rest || memcmp(e, post, rest) != 0)
        return 0;
    *name = s;
    *len = (size_t)(e - s);
    return 1;
}

static int dispatch(call *c)
{
    h2o_req_t *req = c->req;
    h2o_iovec_t p = req->path_normalized;
    for (size_t i = 0; i < N_ROUTES; i++) {
        const route *r = &ROUTES[i];
        const char *name;
        size_t n;
        if (!match(r, p, &name, &n))
            continue;
        c->route = r->label;
        if (r->flags & R_DEFAULT_MODEL) {
            if (gw_default_model < 0)
                return send_error(c, 404, "no default model: use /models/{name}/predict or start with --model "
                                          "NAME=PATH as the first model");
            c->model = gw_default_model;
        } else if (name != NULL) {
            int idx = gw_registry_find(name, n);
            if (idx < 0)
                return unknown_model(c, name, n);
            c->model = idx;
        }
        if (!is_method(req, r->method))
            return method_not_allowed(c, r->method);
        return r->fn(c);
    }
    c->route = GW_R_OTHER;
    return send_error(c, 404, "no route for %.*s %.*s", (int)(req->method.len > 16 ? 16 : req->method.len),
                      req->method.base, (int)(p.len > 200 ? 200 : p.len), p.base);
}

void gw_routes_list(FILE *out)
{
    for (size_t i = 0; i < N_ROUTES; i++)
        fprintf(out, "{\"method\":\"%s\",\"path\":\"%s\",\"route\":\"%s\"}\n", ROUTES[i].method, ROUTES[i].path,
                gw_route_name(ROUTES[i].label));
}

int gw_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    call c = {req, GW_R_OTHER, -1, {0}};
    gw_arena_init(&c.arena);
    int status = dispatch(&c);
    gw_arena_dispose(&c.arena);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    gw_metrics_request(c.route, c.model, status,
                       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
