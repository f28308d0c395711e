/*
 * h2guard.c -- what one client may cost the gateway over HTTP/2, and giving
 * memory back to the system after a burst.
 *
 * The HTTP/2 bounds themselves live in libh2o: the build compiles Debian's
 * h2o 2.2.5 source with skscore's patches (third_party/h2o-patches, see
 * docs/SECURITY.md and docs/GATEWAY.md), which add fields to
 * globalconf.http2; gw_h2guard_apply copies the gateway's flags there. Built
 * against the system libh2o (SKS_H2O_FROM_SOURCE=OFF) only the concurrency
 * limit exists, and the gateway logs a warning saying the rest are off.
 *
 * Memory: large blocks (request bodies, 100k-row answers) are served by mmap
 * at a fixed threshold, so freeing them unmaps them at once, and a loop that
 * saw a connection close trims the malloc heaps shortly after (at most once
 * per GW_TRIM_DELAY_MS per loop), so what a burst took is returned when its
 * connections end instead of staying resident.
 */
#include <malloc.h>
#include <stdlib.h>

#include <h2o.h>

#include "gw/log.h"
#include "gw/server.h"

#define GW_TRIM_DELAY_MS 500

void gw_h2guard_apply(struct st_h2o_globalconf_t *c, const gw_h2_limits *l)
{
    c->http2.max_concurrent_requests_per_connection = l->max_concurrent_streams;
#ifdef SKS_H2O_PATCHED
    c->http2.max_header_list_size = l->max_header_list;
    c->http2.max_continuation_frames = l->max_continuations;
    c->http2.reset_budget = l->reset_budget;
    c->http2.header_timeout = (uint64_t)l->header_timeout_ms;
    c->http2.stall_timeout = (uint64_t)l->stall_timeout_ms;
    c->http2.max_unsent_bytes = l->max_unsent;
    c->http2.max_body_bytes_per_conn = l->max_conn_body;
#else
    gw_log(GW_LOG_WARN, "system libh2o: the HTTP/2 bounds are off",
           "\"off\":\"header list, CONTINUATION, resets, header and stall timeouts, unsent and body bytes\","
           "\"fix\":\"build with -DSKS_H2O_FROM_SOURCE=ON (docs/GATEWAY.md)\"");
#endif
    /* Blocks from 256 KiB up come from mmap and go back at free (the
     * default threshold climbs with the largest block freed, up to 32 MiB,
     * after which big answers stay in the heap). */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}

typedef struct trim_state {
    h2o_loop_t *loop;
    h2o_timeout_t timeout;
    h2o_timeout_entry_t entry;
} trim_state;

static _Thread_local trim_state *trim;

static void on_trim(h2o_timeout_entry_t *e)
{
    (void)e;
    malloc_trim(0);
}

void gw_h2guard_conn_closed(h2o_loop_t *loop)
{
    if (trim == NULL) {
        trim = calloc(1, sizeof *trim);
        if (trim == NULL)
            return;
        trim->loop = loop;
        h2o_timeout_init(loop, &trim->timeout, GW_TRIM_DELAY_MS);
        trim->entry.cb = on_trim;
    }
    if (!h2o_timeout_is_linked(&trim->entry))
        h2o_timeout_link(loop, &trim->timeout, &trim->entry);
}

void gw_h2guard_loop_done(void)
{
    if (trim == NULL)
        return;
    if (h2o_timeout_is_linked(&trim->entry))
        h2o_timeout_unlink(&trim->entry);
    h2o_timeout_dispose(trim->loop, &trim->timeout);
    free(trim);
    trim = NULL;
}
