/*
 * gw_server.h -- the seam between the h2o-free parts and server.c/routes.c.
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct gw_server_opts {
    const char *host;
    int port;
    int threads;
    const char *tls_cert, *tls_key;
    size_t max_body;
    int drain_ms;          /* deadline for in-flight work after listeners close */
    int idle_drain_ms;     /* idle HTTP/1 keep-alive timeout while draining */
    int shutdown_delay_ms; /* keep serving, not ready, before closing listeners */
    int max_conns;         /* open connections at most; more are reset at once */
} gw_server_opts;

typedef struct gw_route_opts {
    size_t max_body;
    int64_t max_rows;
} gw_route_opts;

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and ignores
 * SIGPIPE). main calls it before any thread exists, so every thread
 * inherits the mask and only gw_server_run's sigwait takes them. */
void gw_server_block_signals(void);
/* Blocks until drained; returns the process exit code. */
int gw_server_run(const gw_server_opts *o);
void gw_routes_init(const gw_route_opts *o);
/* Appends the server's own gauges (connections per event loop). */
struct gw_buf;
void gw_server_render_metrics(struct gw_buf *out);

struct st_h2o_handler_t;
struct st_h2o_req_t;
int gw_on_req(struct st_h2o_handler_t *self, struct st_h2o_req_t *req);

#endif
