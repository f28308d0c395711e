/*
 * server.c -- the h2o side: listeners, one event loop per thread, TLS,
 * signals, graceful drain.
 *
 * One listening socket is bound here (port 0 allowed: the bound port is
 * logged) and dup'd into every loop thread; each thread owns an
 * h2o_context_t and accepts from its copy. HTTP/1.1, h2c (prior knowledge
 * and Upgrade) and, with a certificate, TLS with ALPN (h2, http/1.1). All
 * paths go to one handler (routes.c), which dispatches by itself.
 *
 * Connections: at most --max-connections are open at once (counted over
 * all loops); one more is accepted and reset at once, so a client learns
 * promptly instead of waiting in the backlog. The limit is clamped below
 * RLIMIT_NOFILE (raised to its hard limit at start). Should accept() still
 * fail with EMFILE/ENFILE (fds used elsewhere, the system's table full),
 * the listener would stay readable and the loop would spin: a spare fd
 * kept open for this is closed to accept and reset the waiting clients,
 * then reopened; when even that fails the loop stops polling its listener
 * for ACCEPT_BACKOFF_MS.
 *
 * Signals are blocked before any thread starts (gw_server_block_signals,
 * first thing in main), so every thread inherits the mask, and are taken
 * by sigwait in the main thread: SIGHUP asks the reload thread
 * (registry.c) for a reload, never reloading here, so a SIGTERM that comes
 * during a slow reload is seen at once; SIGTERM/SIGINT start the drain:
 * readiness turns false, (after --shutdown-delay) each loop closes its
 * listener, asks h2o to shut down (GOAWAY on HTTP/2), shortens the HTTP/1
 * keep-alive timeout so idle connections close, and runs until its
 * connections are gone or the drain deadline passes. h2o 2.2.5 facts this
 * relies on are in ../shared/notes (libh2o-2.2.5-and-msgpack-c.md, section 5).
 * Keep h2o-facing code here and in routes.c only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "gw/log.h"
#include "gw/metrics.h"
#include "gw/registry.h"
#include "gw/request.h"
#include "gw/server.h"

static _Atomic int closing;

typedef struct loop_thread {
    pthread_t tid;
    int idx;
    int fd;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_receiver_t wake;
    h2o_multithread_receiver_t handoff; /* connections accepted by another loop */
    /* Connections this loop owns or has been handed and not yet adopted.
     * Raised under mu by whichever loop accepts; lowered by this loop. */
    _Atomic int nconns;
    pthread_mutex_t mu;
    int open; /* under mu: 0 once this loop has drained and stops taking handoffs */
    h2o_timeout_t backoff;             /* ACCEPT_BACKOFF_MS */
    h2o_timeout_entry_t backoff_entry; /* linked while the listener is paused */
} loop_thread;

typedef struct handoff_msg {
    h2o_multithread_message_t super;
    int fd;
} handoff_msg;

static h2o_globalconf_t config;
static loop_thread *threads;
static int n_threads;
static const gw_server_opts *opts;
static pthread_barrier_t started;

/* The connection limit and the fd-exhaustion back-off (see the top). */
#define ACCEPT_BACKOFF_MS 100
#define FD_RESERVE_BASE 32    /* fds kept free: stdio, logs, model files, the spare */
#define FD_RESERVE_PER_LOOP 8 /* epoll, wakeup pipes, listener copy */
static int max_conns;
static _Atomic int total_conns;
static _Atomic uint64_t refused_limit, refused_nofd, accept_backoffs;
static int spare_fd = -1;
static _Atomic int spare_missing; /* spare_fd < 0: refill when an fd frees up */
/* Loops accept under the read side; the spare is closed and reopened under
 * the write side, so no loop's accept takes the fd it frees. */
static pthread_rwlock_t spare_lock = PTHREAD_RWLOCK_INITIALIZER;

static void spare_refill(void)
{
    if (!atomic_load_explicit(&spare_missing, memory_order_relaxed))
        return;
    pthread_rwlock_wrlock(&spare_lock);
    if (spare_fd < 0)
        spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    atomic_store(&spare_missing, spare_fd < 0);
    pthread_rwlock_unlock(&spare_lock);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_conn_close(void *data)
{
    loop_thread *t = data;
    atomic_fetch_sub(&t->nconns, 1);
    atomic_fetch_sub(&total_conns, 1);
    gw_h2guard_conn_closed(t->ctx.loop);
    spare_refill();
}

/* Closes an accepted connection with a reset: the client learns at once,
 * and no TIME_WAIT is left behind. No answer is written: the protocol
 * (HTTP/1.1, h2c, TLS) is not known before reading. */
static void refuse(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void on_backoff_end(h2o_timeout_entry_t *entry);
static void on_accept(h2o_socket_t *listener, const char *err);

/* accept() failed with EMFILE/ENFILE: the clients waiting in the backlog
 * keep the listener readable. Free the spare fd to accept and reset them;
 * if that cannot be done, stop polling the listener for a while. Another
 * thread may take the fd the spare freed (a model file being opened; not
 * another loop's accept: spare_lock); the spare is then missing, and is
 * taken back as soon as an fd frees up (a connection closes, or the
 * back-off ends). */
static void on_fds_exhausted(loop_thread *t)
{
    int shed_all = 0, have_spare;
    pthread_rwlock_wrlock(&spare_lock);
    if (spare_fd >= 0) {
        close(spare_fd);
        spare_fd = -1;
        for (int i = 0; i < 64; i++) {
            int fd = accept4(t->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                shed_all = errno == EAGAIN || errno == EWOULDBLOCK;
                break;
            }
            refuse(fd);
            atomic_fetch_add(&refused_nofd, 1);
        }
        spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        atomic_store(&spare_missing, spare_fd < 0);
    }
    have_spare = spare_fd >= 0;
    pthread_rwlock_unlock(&spare_lock);
    if (shed_all && have_spare)
        return; /* the backlog is empty: the listener is quiet again */
    atomic_fetch_add(&accept_backoffs, 1);
    if (!h2o_timeout_is_linked(&t->backoff_entry) && t->listener != NULL) {
        h2o_socket_read_stop(t->listener);
        h2o_timeout_link(t->ctx.loop, &t->backoff, &t->backoff_entry);
    }
}

static void on_backoff_end(h2o_timeout_entry_t *entry)
{
    loop_thread *t = H2O_STRUCT_FROM_MEMBER(loop_thread, backoff_entry, entry);
    spare_refill();
    if (t->listener != NULL && !atomic_load(&closing))
        h2o_socket_read_start(t->listener, on_accept);
}

/* Starts serving an accepted connection on t's loop (t->nconns already
 * counts it). */
static void adopt(loop_thread *t, int fd)
{
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    h2o_socket_t *sock = h2o_evloop_socket_create(t->ctx.loop, fd, H2O_SOCKET_FLAG_IS_ACCEPTED_CONNECTION);
    sock->on_close.cb = on_conn_close;
    sock->on_close.data = t;
    h2o_accept(&t->accept_ctx, sock);
}

/* The open loop with the fewest connections, self on ties; counts the new
 * connection in it. Every loop's copy of the listener wakes on a new
 * connection and the first awake one takes it, so without this one loop
 * (often the idle one at startup) ends up owning every long-lived
 * connection while the other cores sit idle. */
static loop_thread *claim_loop(loop_thread *self)
{
    loop_thread *best = self;
    int best_n = atomic_load(&self->nconns);
    for (int i = 0; i < n_threads && !atomic_load(&closing); i++) {
        int n = atomic_load(&threads[i].nconns);
        if (n < best_n) {
            best = &threads[i];
            best_n = n;
        }
    }
    if (best != self) {
        pthread_mutex_lock(&best->mu);
        int ok = best->open;
        if (ok)
            atomic_fetch_add(&best->nconns, 1);
        pthread_mutex_unlock(&best->mu);
        if (ok)
            return best;
    }
    atomic_fetch_add(&self->nconns, 1);
    return self;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    loop_thread *t = listener->data;
    if (err != NULL)
        return;
    /* A few per wakeup, so the other loops get their share. */
    for (int i = 0; i < 16; i++) {
        pthread_rwlock_rdlock(&spare_lock);
        int fd = accept4(t->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        int e = errno;
        pthread_rwlock_unlock(&spare_lock);
        if (fd < 0) {
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
                on_fds_exhausted(t);
            break;
        }
        if (atomic_fetch_add(&total_conns, 1) >= max_conns) {
            atomic_fetch_sub(&total_conns, 1);
            refuse(fd);
            atomic_fetch_add(&refused_limit, 1);
            continue;
        }
        loop_thread *to = claim_loop(t);
        if (to == t) {
            adopt(t, fd);
            continue;
        }
        handoff_msg *m = calloc(1, sizeof *m);
        if (m == NULL) { /* cannot hand it over: serve it here */
            atomic_fetch_sub(&to->nconns, 1);
            atomic_fetch_add(&t->nconns, 1);
            adopt(t, fd);
            continue;
        }
        m->fd = fd;
        h2o_multithread_send_message(&to->handoff, &m->super);
    }
}

static void on_handoff(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    loop_thread *t = H2O_STRUCT_FROM_MEMBER(loop_thread, handoff, r);
    while (!h2o_linklist_is_empty(messages)) {
        handoff_msg *m = H2O_STRUCT_FROM_MEMBER(handoff_msg, super.link, messages->next);
        h2o_linklist_unlink(&m->super.link);
        adopt(t, m->fd);
        free(m);
    }
}

static void on_wake(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    (void)messages; /* only ever NULL messages: a wakeup */
}

static void *loop_main(void *arg)
{
    loop_thread *t = arg;
    h2o_context_init(&t->ctx, h2o_evloop_create(), &config);
    h2o_multithread_register_receiver(t->ctx.queue, &t->wake, on_wake);
    h2o_multithread_register_receiver(t->ctx.queue, &t->handoff, on_handoff);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = config.hosts;
    t->listener = h2o_evloop_socket_create(t->ctx.loop, t->fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
    h2o_timeout_init(t->ctx.loop, &t->backoff, ACCEPT_BACKOFF_MS);
    t->backoff_entry.cb = on_backoff_end;
    h2o_socket_read_start(t->listener, on_accept);
    pthread_barrier_wait(&started);

    while (!atomic_load(&closing))
        h2o_evloop_run(t->ctx.loop, INT32_MAX);

    /* Drain. */
    if (h2o_timeout_is_linked(&t->backoff_entry))
        h2o_timeout_unlink(&t->backoff_entry);
    h2o_socket_read_stop(t->listener);
    h2o_evloop_run(t->ctx.loop, 0);
    h2o_socket_close(t->listener);
    t->listener = NULL;
    h2o_context_request_shutdown(&t->ctx);
    /* Idle HTTP/1 keep-alive connections wait on this timeout, and 2.2.5
     * has no shutdown hook for them: shorten it (entries already queued
     * are checked against the new value). */
    if (t->ctx.http1.req_timeout.timeout > (uint64_t)opts->idle_drain_ms)
        t->ctx.http1.req_timeout.timeout = (uint64_t)opts->idle_drain_ms;
    uint64_t deadline = now_ms() + (uint64_t)opts->drain_ms;
    for (;;) {
        /* A connection handed over by a loop still accepting is counted
         * before it is sent, so a zero count under mu means none is on its
         * way, and closing the door under mu means none will be. */
        pthread_mutex_lock(&t->mu);
        int left = atomic_load(&t->nconns);
        if (left == 0 || now_ms() >= deadline)
            t->open = 0;
        pthread_mutex_unlock(&t->mu);
        if (!t->open)
            break;
        h2o_evloop_run(t->ctx.loop, 50);
    }
    int left = atomic_load(&t->nconns);
    if (left > 0)
        gw_log(GW_LOG_WARN, "drain deadline passed with connections open", "\"thread\":%d,\"connections\":%d",
               t->idx, left);
    gw_h2guard_loop_done();
    return NULL;
}

static int bind_listener(const char *host, int port, int *bound_port)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        char qh[300];
        gw_log(GW_LOG_ERROR, "cannot resolve listen address", "\"host\":%s,\"error\":\"%s\"",
               gw_jq(qh, sizeof qh, host), gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (ai->ai_family == AF_INET6) {
            int off = 0;
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        close(fd);
        fd = -1;
    }
    int err = errno;
    freeaddrinfo(res);
    if (fd < 0) {
        char qh[300];
        gw_log(GW_LOG_ERROR, "cannot listen", "\"host\":%s,\"port\":%d,\"error\":\"%s\"", gw_jq(qh, sizeof qh, host),
               port, strerror(err));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static SSL_CTX *make_tls(const char *cert, const char *key)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    char qc[1100], qk[1100];
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        gw_log(GW_LOG_ERROR, "cannot load the TLS certificate or key", "\"cert\":%s,\"key\":%s",
               gw_jq(qc, sizeof qc, cert), gw_jq(qk, sizeof qk, key));
        SSL_CTX_free(ctx);
        return NULL;
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_alpn_protocols);
    return ctx;
}

static void render_conn_metrics(gw_buf *out)
{
    gw_buf_printf(out,
                  "# HELP skscore_connections Open client connections (all loops).\n"
                  "# TYPE skscore_connections gauge\nskscore_connections %d\n"
                  "# HELP skscore_connections_max The connection limit (--max-connections, clamped below the fd "
                  "limit).\n# TYPE skscore_connections_max gauge\nskscore_connections_max %d\n"
                  "# HELP skscore_connections_refused_total Connections accepted and reset at once: over the limit, "
                  "or while no fd was free.\n# TYPE skscore_connections_refused_total counter\n"
                  "skscore_connections_refused_total{reason=\"limit\"} %llu\n"
                  "skscore_connections_refused_total{reason=\"no_fd\"} %llu\n"
                  "# HELP skscore_accept_backoffs_total Times a loop stopped polling its listener for %d ms as "
                  "accept() found no free fd.\n# TYPE skscore_accept_backoffs_total counter\n"
                  "skscore_accept_backoffs_total %llu\n",
                  atomic_load(&total_conns), max_conns, (unsigned long long)atomic_load(&refused_limit),
                  (unsigned long long)atomic_load(&refused_nofd), ACCEPT_BACKOFF_MS,
                  (unsigned long long)atomic_load(&accept_backoffs));
}

void gw_server_render_metrics(gw_buf *out)
{
    render_conn_metrics(out);
    gw_buf_puts(out, "# HELP skscore_loop_connections Open connections per event loop (new connections go to the "
                     "loop with the fewest).\n# TYPE skscore_loop_connections gauge\n");
    for (int i = 0; i < n_threads; i++)
        gw_buf_printf(out, "skscore_loop_connections{loop=\"%d\"} %d\n", i, atomic_load(&threads[i].nconns));
}

static void wake_all(void)
{
    for (int i = 0; i < n_threads; i++)
        h2o_multithread_send_message(&threads[i].wake, NULL);
}

static const int handled_signals[] = {SIGTERM, SIGINT, SIGHUP};

static void signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < sizeof handled_signals / sizeof handled_signals[0]; i++)
        sigaddset(set, handled_signals[i]);
}

void gw_server_block_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* Raises the soft RLIMIT_NOFILE to the hard one; returns the soft limit
 * now in force. */
static long raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = rl;
        /* An unlimited hard limit still stops at fs.nr_open (1 Mi by default). */
        want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30 ? 1l << 30 : (long)rl.rlim_cur;
}

int gw_server_run(const gw_server_opts *o)
{
    opts = o;
    long nofile = raise_nofile();
    long fd_room = nofile - FD_RESERVE_BASE - (long)FD_RESERVE_PER_LOOP * o->threads;
    max_conns = o->max_conns;
    if (fd_room < max_conns) {
        max_conns = fd_room > 1 ? (int)fd_room : 1;
        gw_log(GW_LOG_WARN, "--max-connections lowered to fit the fd limit",
               "\"max_connections\":%d,\"asked\":%d,\"fd_limit\":%ld", max_conns, o->max_conns, nofile);
    }
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    h2o_config_init(&config);
    config.server_name = h2o_iovec_init(H2O_STRLIT("skscore-gateway"));
    /* h2o's own limit is a backstop; routes.c answers 413 below it (h2o
     * resets HTTP/2 streams over its limit instead of answering). */
    size_t hard = o->max_body * 2 + (1u << 20);
    config.max_request_entity_size = hard;
    /* Keep bodies in memory (h2o spools > 32 MiB to /tmp, which may be
     * read-only in a pod). */
    if (h2o_socket_buffer_mmap_settings.threshold < hard + (1u << 20))
        h2o_socket_buffer_mmap_settings.threshold = hard + (1u << 20);
    gw_h2guard_apply(&config, &o->h2);
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path, sizeof(*h));
    h->on_req = gw_on_req;

    SSL_CTX *ssl = NULL;
    if (o->tls_cert != NULL) {
        if ((ssl = make_tls(o->tls_cert, o->tls_key)) == NULL)
            return 1;
    }
    int port = 0;
    int fd = bind_listener(o->host, o->port, &port);
    if (fd < 0)
        return 1;

    gw_server_block_signals(); /* already done by main; kept for other callers */
    sigset_t set;
    signal_set(&set);

    n_threads = o->threads;
    gw_loop_count = n_threads;
    threads = calloc((size_t)n_threads, sizeof *threads);
    pthread_barrier_init(&started, NULL, (unsigned)n_threads + 1);
    for (int i = 0; i < n_threads; i++) {
        threads[i].idx = i;
        threads[i].fd = i == 0 ? fd : dup(fd);
        threads[i].accept_ctx.ssl_ctx = ssl;
        threads[i].open = 1;
        pthread_mutex_init(&threads[i].mu, NULL);
        if (threads[i].fd < 0 || pthread_create(&threads[i].tid, NULL, loop_main, &threads[i]) != 0) {
            gw_log(GW_LOG_ERROR, "cannot start a loop thread", "\"error\":\"%s\"", strerror(errno));
            return 1;
        }
    }
    pthread_barrier_wait(&started);
    char qh[300];
    gw_log(GW_LOG_INFO, "listening",
           "\"host\":%s,\"port\":%d,\"threads\":%d,\"tls\":%s,\"protocols\":[\"http/1.1\",\"h2c\"%s],"
           "\"max_body_bytes\":%zu,\"max_connections\":%d,\"fd_limit\":%ld",
           gw_jq(qh, sizeof qh, o->host), port, n_threads, ssl ? "true" : "false", ssl ? ",\"h2\"" : "", o->max_body,
           max_conns, nofile);

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            gw_log(GW_LOG_INFO, "SIGHUP: reloading models", NULL);
            if (gw_registry_request_reload() != 0)
                gw_registry_reload(1, "\"SIGHUP\"");
            continue;
        }
        break;
    }
    atomic_store(&gw_draining, 1);
    gw_log(GW_LOG_INFO, "draining", "\"shutdown_delay_ms\":%d,\"drain_timeout_ms\":%d", o->shutdown_delay_ms,
           o->drain_ms);
    if (o->shutdown_delay_ms > 0) {
        /* Keep serving (not ready) while endpoints are updated. A second
         * SIGTERM/SIGINT cuts the delay short; a SIGHUP (a rollout's config
         * reload) does not: no reload starts once draining has begun. */
        uint64_t deadline = now_ms() + (uint64_t)o->shutdown_delay_ms;
        for (uint64_t now = now_ms(); now < deadline; now = now_ms()) {
            uint64_t left = deadline - now;
            struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
            int sig = sigtimedwait(&set, NULL, &ts);
            if (sig == SIGHUP) {
                gw_log(GW_LOG_INFO, "SIGHUP while draining: ignored", NULL);
                continue;
            }
            if (sig > 0)
                break;
            if (errno != EINTR)
                break; /* EAGAIN: the delay is over */
        }
    }
    atomic_store(&closing, 1);
    wake_all();
    for (int i = 0; i < n_threads; i++)
        pthread_join(threads[i].tid, NULL);
    return 0; /* main logs "stopped" once the reload thread is joined */
}
