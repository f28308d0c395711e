/*
 * main.c -- skscore-gateway's command line: flags, their environment
 * variables, defaults, and the startup order (models, metrics, watcher,
 * server). Everything it decides is logged in one "starting" line.
 *
 * Models: --model NAME=PATH (repeatable; a bare PATH is named after the
 * file's stem), SKS_MODELS="a=/m/a.skm,b=/m/b.skm", and the seed's
 * MODEL_PATH (one model named after its stem, which becomes the default for
 * POST /predict). Without MODEL_PATH the first model is the default, unless
 * --default-model names another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/registry.h"
#include "gw/request.h"
#include "gw/server.h"

/* Sized for the manifests' pods (512Mi limit in base, 1Gi in production): see
 * docs/SECURITY.md, "Process limits". */
#define GW_DEFAULT_MAX_CONNS 4096
#define GW_STR2(x) #x
#define GW_STR(x) GW_STR2(x)
#define GW_DEFAULT_MAX_CONNS_STR GW_STR(GW_DEFAULT_MAX_CONNS)

typedef struct flag {
    const char *name, *env, *arg, *help;
} flag;

static const flag flags[] = {
    {"model", "SKS_MODELS", "NAME=PATH",
     "serve the model file PATH as NAME (repeatable; a bare PATH is named after its file stem). SKS_MODELS takes a "
     "comma-separated list"},
    {"model-path", "MODEL_PATH", "PATH", "the seed's single model: named after the file stem, the default for /predict"},
    {"default-model", "SKS_DEFAULT_MODEL", "NAME", "model answering POST /predict (default: MODEL_PATH's, else the first)"},
    {"host", "SKS_HOST", "ADDR", "address to listen on (default 0.0.0.0; :: for IPv6 and IPv4)"},
    {"port", "PORT", "N", "TCP port (default 8080; 0 picks a free port, logged in the \"listening\" line)"},
    {"threads", "SKS_THREADS", "N", "event loops, one thread each (default: the CPUs this process may use, affinity and CPU quota)"},
    {"max-body-bytes", "SKS_MAX_BODY_BYTES", "N", "larger request bodies get 413 (default 16777216)"},
    {"max-rows", "SKS_MAX_ROWS", "N", "larger batches get 413 (default 100000)"},
    {"tls-cert", "SKS_TLS_CERT", "FILE", "PEM certificate chain: serve HTTPS (HTTP/2 by ALPN, and HTTP/1.1)"},
    {"tls-key", "SKS_TLS_KEY", "FILE", "PEM private key for --tls-cert"},
    {"log-level", "SKS_LOG_LEVEL", "LEVEL", "debug, info, warn or error (default info)"},
    {"reload-interval", "SKS_RELOAD_INTERVAL", "SECONDS",
     "poll model files for changes this often and hot-reload them (default 2; 0: only on SIGHUP)"},
    {"drain-timeout", "SKS_DRAIN_TIMEOUT", "SECONDS",
     "on SIGTERM, wait at most this long for open connections (default 20)"},
    {"shutdown-delay", "SKS_SHUTDOWN_DELAY", "SECONDS",
     "on SIGTERM, keep serving (readiness false) this long before closing listeners (default 0)"},
    {"max-connections", "SKS_MAX_CONNECTIONS", "N",
     "open client connections at most, all loops together; one more is accepted and reset at once (default "
     GW_DEFAULT_MAX_CONNS_STR "; lowered to fit the fd limit)"},
    /* What one HTTP/2 connection may cost (docs/SECURITY.md). */
    {"h2-max-concurrent-streams", "SKS_H2_MAX_CONCURRENT_STREAMS", "N",
     "HTTP/2 requests one connection may have answered at once; more wait (default 100)"},
    {"h2-max-header-list-bytes", "SKS_H2_MAX_HEADER_LIST_BYTES", "N",
     "largest HTTP/2 header list, decoded (name + value + 32 per field), and header block; more closes the connection "
     "(default 65536)"},
    {"h2-max-continuations", "SKS_H2_MAX_CONTINUATIONS", "N",
     "CONTINUATION frames allowed in one header block; more closes the connection (default 32)"},
    {"h2-reset-budget", "SKS_H2_RESET_BUDGET", "N",
     "RST_STREAM frames a connection may send, refilled at N per 10 s; more closes it (Rapid Reset; default 200)"},
    {"h2-header-timeout", "SKS_H2_HEADER_TIMEOUT", "SECONDS",
     "an HTTP/2 header block (or any frame but DATA) left incomplete this long closes the connection (default 10)"},
    {"h2-stall-timeout", "SKS_H2_STALL_TIMEOUT", "SECONDS",
     "an HTTP/2 answer that cannot send a byte this long (window 0, socket full) closes the connection (default 10)"},
    {"h2-max-unsent-bytes", "SKS_H2_MAX_UNSENT_BYTES", "N",
     "answer bytes queued on one HTTP/2 connection above which its next requests wait (default 8388608)"},
    {"h2-max-conn-body-bytes", "SKS_H2_MAX_CONN_BODY_BYTES", "N",
     "request body bytes one HTTP/2 connection may hold; a stream going over is reset (default and minimum: "
     "2 x --max-body-bytes + 1 MiB, the most one request may send before its 413: 34603008)"},
    {"list-routes", NULL, NULL, "print every route (method, path, metric label), one JSON object per line, and exit"},
    {"help", NULL, NULL, "print this help and exit"},
    {"version", NULL, NULL, "print the version and exit"},
};
#define N_FLAGS (int)(sizeof flags / sizeof flags[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: skscore-gateway [--model NAME=PATH ...] [options]\n\n"
               "Serves skscore model files (.skm) over HTTP/1.1 and HTTP/2: POST /predict (seed JSON),\n"
               "KServe V1 and Open Inference Protocol V2, JSON or msgpack. See docs/PROTOCOL.md.\n\n"
               "options (environment variable in brackets; a flag wins over its variable):\n");
    for (int i = 0; i < N_FLAGS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", flags[i].name, flags[i].arg ? " " : "", flags[i].arg ? flags[i].arg : "");
        fprintf(f, "  %-30s %s", left, flags[i].help);
        if (flags[i].env)
            fprintf(f, " [%s]", flags[i].env);
        fputc('\n', f);
    }
    fprintf(f, "\nsignals: SIGHUP reloads every model file; SIGTERM/SIGINT drain and exit 0.\n");
}

typedef struct spec {
    char *name, *path;
} spec;

static spec *specs;
static int n_specs;

static char *stem(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = strdup(b);
    char *dot = strrchr(s, '.');
    if (dot != NULL && dot != s)
        *dot = 0;
    return s;
}

static int add_spec(const char *arg)
{
    const char *eq = strchr(arg, '=');
    spec s;
    if (eq != NULL) {
        s.name = strndup(arg, (size_t)(eq - arg));
        s.path = strdup(eq + 1);
    } else {
        s.name = stem(arg);
        s.path = strdup(arg);
    }
    if (s.name[0] == 0 || s.path[0] == 0 || strpbrk(s.name, "/:?#% ") != NULL) {
        fprintf(stderr, "skscore-gateway: bad --model \"%s\": expected NAME=PATH, NAME without / : ? # %% or spaces\n",
                arg);
        return -1;
    }
    specs = realloc(specs, (size_t)(n_specs + 1) * sizeof *specs);
    specs[n_specs++] = s;
    return 0;
}

static int parse_int(const char *what, const char *v, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != 0 || x < min || x > max) {
        fprintf(stderr, "skscore-gateway: --%s: \"%s\" is not an integer in [%lld, %lld]\n", what, v, min, max);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_seconds(const char *what, const char *v, int *ms)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end != 0 || !(x >= 0 && x <= 86400)) {
        fprintf(stderr, "skscore-gateway: --%s: \"%s\" is not a number of seconds\n", what, v);
        return -1;
    }
    *ms = (int)(x * 1000 + 0.5);
    return 0;
}

int main(int argc, char **argv)
{
    /* Before any thread exists (the reload thread, the loops, the engine's
     * scoring threads), so all inherit it: a SIGHUP or SIGTERM can then
     * only reach the main thread's sigwait, whatever runs when it comes. */
    gw_server_block_signals();
    const char *val[N_FLAGS] = {0};
    const char *models_env = getenv("SKS_MODELS");
    for (int i = 0; i < N_FLAGS; i++)
        if (flags[i].env != NULL && i != 0)
            val[i] = getenv(flags[i].env);
    int cli_models = 0;
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (strncmp(arg, "--", 2) != 0) {
            fprintf(stderr, "skscore-gateway: unexpected argument \"%s\" (see --help)\n", arg);
            return 2;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        int f = -1;
        for (int i = 0; i < N_FLAGS; i++)
            if (strlen(flags[i].name) == nl && strncmp(flags[i].name, name, nl) == 0)
                f = i;
        if (f < 0) {
            fprintf(stderr, "skscore-gateway: unknown option \"%s\" (see --help)\n", arg);
            return 2;
        }
        if (strcmp(flags[f].name, "help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(flags[f].name, "list-routes") == 0) {
            gw_routes_list(stdout);
            return 0;
        }
        if (strcmp(flags[f].name, "version") == 0) {
            printf("skscore-gateway %s\n", SKS_VERSION);
            return 0;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (v == NULL) {
            if (a + 1 >= argc) {
                fprintf(stderr, "skscore-gateway: --%s needs a value\n", flags[f].name);
                return 2;
            }
            v = argv[++a];
        }
        if (f == 0) {
            if (add_spec(v) != 0)
                return 2;
            cli_models++;
        } else {
            val[f] = v;
        }
    }
#define V(n) val[n]
    /* Indexes follow flags[]. */
    enum { F_MODEL, F_MODEL_PATH, F_DEFAULT, F_HOST, F_PORT, F_THREADS, F_MAX_BODY, F_MAX_ROWS, F_CERT, F_KEY,
           F_LOG, F_RELOAD, F_DRAIN, F_DELAY, F_MAX_CONNS, F_H2_STREAMS, F_H2_HEADER_LIST, F_H2_CONT, F_H2_RESETS,
           F_H2_HEADER_TIMEOUT, F_H2_STALL, F_H2_UNSENT, F_H2_CONN_BODY };
    if (V(F_LOG) != NULL) {
        int l = gw_log_parse_level(V(F_LOG));
        if (l < 0) {
            fprintf(stderr, "skscore-gateway: --log-level: \"%s\" is not debug, info, warn or error\n", V(F_LOG));
            return 2;
        }
        gw_log_level = l;
    }
    int default_spec = -1;
    if (V(F_MODEL_PATH) != NULL && V(F_MODEL_PATH)[0] != 0) {
        /* MODEL_PATH's model first: it is the default. */
        int before = n_specs;
        if (add_spec(V(F_MODEL_PATH)) != 0)
            return 2;
        spec s = specs[before];
        memmove(specs + 1, specs, (size_t)before * sizeof *specs);
        specs[0] = s;
        default_spec = 0;
    }
    if (models_env != NULL && cli_models == 0) {
        char *dup = strdup(models_env), *save = NULL;
        for (char *t = strtok_r(dup, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
            if (*t && add_spec(t) != 0)
                return 2;
        free(dup);
    }
    if (n_specs == 0) {
        fprintf(stderr, "skscore-gateway: no model to serve: give --model NAME=PATH or set MODEL_PATH (see --help)\n");
        return 2;
    }
    long long port = 8080, threads = sks_cpu_count(), max_body = 16 << 20, max_rows = 100000,
              max_conns = GW_DEFAULT_MAX_CONNS;
    if (threads < 1)
        threads = 1;
    int reload_ms = 2000, drain_ms = 20000, delay_ms = 0;
    long long h2_streams = 100, h2_header_list = 65536, h2_cont = 32, h2_resets = 200, h2_unsent = 8 << 20,
              h2_conn_body = -1;
    int h2_header_ms = 10000, h2_stall_ms = 10000;
    if ((V(F_PORT) && parse_int("port", V(F_PORT), 0, 65535, &port)) ||
        (V(F_THREADS) && parse_int("threads", V(F_THREADS), 1, 1024, &threads)) ||
        (V(F_MAX_BODY) && parse_int("max-body-bytes", V(F_MAX_BODY), 1, 1ll << 30, &max_body)) ||
        (V(F_MAX_ROWS) && parse_int("max-rows", V(F_MAX_ROWS), 1, 1ll << 40, &max_rows)) ||
        (V(F_RELOAD) && parse_seconds("reload-interval", V(F_RELOAD), &reload_ms)) ||
        (V(F_DRAIN) && parse_seconds("drain-timeout", V(F_DRAIN), &drain_ms)) ||
        (V(F_DELAY) && parse_seconds("shutdown-delay", V(F_DELAY), &delay_ms)) ||
        (V(F_MAX_CONNS) && parse_int("max-connections", V(F_MAX_CONNS), 1, 1 << 24, &max_conns)) ||
        (V(F_H2_STREAMS) && parse_int("h2-max-concurrent-streams", V(F_H2_STREAMS), 1, 256, &h2_streams)) ||
        (V(F_H2_HEADER_LIST) &&
         parse_int("h2-max-header-list-bytes", V(F_H2_HEADER_LIST), 1024, 1 << 20, &h2_header_list)) ||
        (V(F_H2_CONT) && parse_int("h2-max-continuations", V(F_H2_CONT), 0, 1 << 20, &h2_cont)) ||
        (V(F_H2_RESETS) && parse_int("h2-reset-budget", V(F_H2_RESETS), 0, 1 << 30, &h2_resets)) ||
        (V(F_H2_HEADER_TIMEOUT) && parse_seconds("h2-header-timeout", V(F_H2_HEADER_TIMEOUT), &h2_header_ms)) ||
        (V(F_H2_STALL) && parse_seconds("h2-stall-timeout", V(F_H2_STALL), &h2_stall_ms)) ||
        (V(F_H2_UNSENT) && parse_int("h2-max-unsent-bytes", V(F_H2_UNSENT), 0, 1ll << 40, &h2_unsent)) ||
        (V(F_H2_CONN_BODY) && parse_int("h2-max-conn-body-bytes", V(F_H2_CONN_BODY), 0, 1ll << 40, &h2_conn_body)))
        return 2;
    /* One request may send up to h2o's own backstop (server.c: 2 x
     * max-body + 1 MiB) and get its 413; below that it would be reset. */
    if (h2_conn_body < 0 || (h2_conn_body != 0 && h2_conn_body < 2 * max_body + (1ll << 20)))
        h2_conn_body = 2 * max_body + (1ll << 20);
    if ((V(F_CERT) == NULL) != (V(F_KEY) == NULL)) {
        fprintf(stderr, "skscore-gateway: --tls-cert and --tls-key go together\n");
        return 2;
    }
    for (int i = 0; i < n_specs; i++) {
        if (gw_registry_add(specs[i].name, specs[i].path) < 0) {
            fprintf(stderr, "skscore-gateway: model name \"%s\" is used twice\n", specs[i].name);
            return 2;
        }
    }
    gw_default_model = 0; /* MODEL_PATH's model was put first */
    (void)default_spec;
    if (V(F_DEFAULT) != NULL) {
        gw_default_model = gw_registry_find(V(F_DEFAULT), strlen(V(F_DEFAULT)));
        if (gw_default_model < 0) {
            fprintf(stderr, "skscore-gateway: --default-model \"%s\" is not one of the models\n", V(F_DEFAULT));
            return 2;
        }
    }
    const char *host = V(F_HOST) ? V(F_HOST) : "0.0.0.0";
    char qh[300], qd[300];
    gw_log(GW_LOG_INFO, "starting",
           "\"version\":\"%s\",\"host\":%s,\"port\":%lld,\"threads\":%lld,\"models\":%d,\"default_model\":%s,"
           "\"max_body_bytes\":%lld,\"max_rows\":%lld,\"tls\":%s,\"reload_interval_ms\":%d,\"drain_timeout_ms\":%d,"
           "\"shutdown_delay_ms\":%d,\"max_connections\":%lld,\"h2\":{\"max_concurrent_streams\":%lld,"
           "\"max_header_list_bytes\":%lld,\"max_continuations\":%lld,\"reset_budget\":%lld,\"header_timeout_ms\":%d,"
           "\"stall_timeout_ms\":%d,\"max_unsent_bytes\":%lld,\"max_conn_body_bytes\":%lld}",
           SKS_VERSION, gw_jq(qh, sizeof qh, host), port, threads, n_specs,
           gw_jq(qd, sizeof qd, gw_registry_name(gw_default_model)), max_body, max_rows, V(F_CERT) ? "true" : "false",
           reload_ms, drain_ms, delay_ms, max_conns, h2_streams, h2_header_list, h2_cont, h2_resets, h2_header_ms,
           h2_stall_ms, h2_unsent, h2_conn_body);
    if (gw_metrics_init(n_specs) != 0)
        return 1;
    if (gw_registry_load_all() != 0) {
        gw_log(GW_LOG_ERROR, "exiting: a model failed to load", NULL);
        return 1;
    }
    gw_route_opts ro = {(size_t)max_body, max_rows};
    gw_routes_init(&ro);
    gw_server_opts so = {host, (int)port, (int)threads, V(F_CERT), V(F_KEY), (size_t)max_body, drain_ms, 200, delay_ms,
                         (int)max_conns,
                         {(size_t)h2_streams, (size_t)h2_header_list, (size_t)h2_cont, (size_t)h2_resets, h2_header_ms,
                          h2_stall_ms, (size_t)h2_unsent, (size_t)h2_conn_body}};
    if (gw_registry_watch_start(reload_ms) != 0)
        gw_log(GW_LOG_WARN, "cannot start the reload thread; SIGHUP reloads in the signal thread", NULL);
    int rc = gw_server_run(&so);
    gw_registry_watch_stop(); /* waits for a reload under way */
    if (rc == 0)
        gw_log(GW_LOG_INFO, "stopped", NULL);
    return rc;
#undef V
}
