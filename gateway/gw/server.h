/*
 * gw/server.h -- the seam between the h2o-free parts and the h2o side
 * (main.c, server.c, routes.c, h2guard.c).
 */
#ifndef GW_SERVER_H
#define GW_SERVER_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/* What one HTTP/2 connection may cost (h2guard.c; docs/SECURITY.md). */
typedef struct gw_h2_limits {
    size_t max_concurrent_streams; /* requests handled at once per connection */
    size_t max_header_list;        /* decoded header list and encoded header block, bytes */
    size_t max_continuations;      /* CONTINUATION frames per header block */
    size_t reset_budget;           /* RST_STREAM frames per 10 s (token bucket) */
    int header_timeout_ms;         /* a header block or non-DATA frame left incomplete */
    int stall_timeout_ms;          /* a stream with an answer to send sending nothing */
    size_t max_unsent;             /* response bytes queued per connection before no new request starts */
    size_t max_conn_body;          /* request body bytes buffered per connection */
} gw_h2_limits;

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
    gw_h2_limits h2;
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
/* Prints every route of the table, one JSON object per line:
 * {"method":..,"path":..,"route":<metric label>} (--list-routes). */
void gw_routes_list(FILE *out);
/* Appends the server's own gauges (connections per event loop). */
struct gw_buf;
void gw_server_render_metrics(struct gw_buf *out);

/* h2guard.c: the limits into h2o's configuration; malloc trimming after a
 * connection closes (call from the loop's thread); a loop's cleanup. */
struct st_h2o_globalconf_t;
struct st_h2o_evloop_t;
void gw_h2guard_apply(struct st_h2o_globalconf_t *c, const gw_h2_limits *l);
void gw_h2guard_conn_closed(struct st_h2o_evloop_t *loop);
void gw_h2guard_loop_done(void);

struct st_h2o_handler_t;
struct st_h2o_req_t;
int gw_on_req(struct st_h2o_handler_t *self, struct st_h2o_req_t *req);

#endif
