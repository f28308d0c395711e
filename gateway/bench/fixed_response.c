/*
 * fixed_response.c -- h2o's own ceiling for bench/bench_gateway.py: the
 * gateway's server setup (h2o 2.2.5 evloop, one loop per thread on a dup'd
 * listening socket, HTTP/1.1 + h2c) with a handler that answers every
 * request, body already buffered by h2o, with a fixed JSON body and a
 * content-length -- no decoding, no scoring. Not installed; bench only.
 *
 *   gw_fixed_response [--threads N] [--port P]   (prints the bound port)
 */
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>

static h2o_globalconf_t config;
static const char answer[] = "{\"prediction\":\"setosa\"}";

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    req->res.content_length = sizeof answer - 1;
    h2o_send_inline(req, answer, sizeof answer - 1);
    return 0;
}

typedef struct loop {
    pthread_t tid;
    int fd;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
} loop;

static void on_accept(h2o_socket_t *listener, const char *err)
{
    loop *l = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < 16; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            break;
        h2o_accept(&l->accept_ctx, sock);
    }
}

static void *run(void *arg)
{
    loop *l = arg;
    h2o_context_init(&l->ctx, h2o_evloop_create(), &config);
    l->accept_ctx.ctx = &l->ctx;
    l->accept_ctx.hosts = config.hosts;
    h2o_socket_t *sock = h2o_evloop_socket_create(l->ctx.loop, l->fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = l;
    h2o_socket_read_start(sock, on_accept);
    for (;;)
        h2o_evloop_run(l->ctx.loop, INT32_MAX);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 2, port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
    }
    if (threads < 1)
        threads = 1;
    signal(SIGPIPE, SIG_IGN);
    h2o_config_init(&config);
    h2o_hostconf_t *host = h2o_config_register_host(&config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_create_handler(path, sizeof(h2o_handler_t))->on_req = on_req;

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        perror("gw_fixed_response");
        return 1;
    }
    loop *loops = calloc((size_t)threads, sizeof *loops);
    for (int i = 0; i < threads; i++) {
        loops[i].fd = i == 0 ? fd : dup(fd);
        pthread_create(&loops[i].tid, NULL, run, &loops[i]);
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    pthread_join(loops[0].tid, NULL);
    return 0;
}
