/*
 * pool.c -- the process's scoring threads: one persistent pool shared by
 * every caller (the Python extension's calls, the gateway's event loops),
 * and the count of CPUs this process may really use.
 *
 * A call that wants k threads runs its work function on its own thread at
 * once and asks for k - 1 helpers; idle pool threads join it as they wake,
 * and the work function claims rows in blocks from a shared counter, so a
 * thread slowed by another process (or by a CPU quota's throttling) simply
 * claims fewer blocks instead of setting the pace. A small call is often
 * done before any helper wakes: then it cost one futex wake, not a thread
 * start. The pool grows to the most helpers ever asked for at once (at
 * most SKS__POOL_MAX - 1) and never shrinks; its threads sleep on a
 * condition variable when idle.
 *
 * It must not know what is scored: predict.c owns the work functions. A
 * child made by fork() starts with an empty pool (the parent's threads do
 * not exist there).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

typedef struct pool_job {
    void (*fn)(void *);
    void *ctx;
    int caller_cpu;       /* where the caller was when it asked, or -1 */
    int want;             /* helpers still wanted */
    _Atomic int running;  /* helpers inside fn (changed under pool.mu) */
    pthread_cond_t done;
    struct pool_job *next;
} pool_job;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work;
    pool_job *head; /* open jobs, oldest first */
    int threads;    /* pool threads started */
    int idle;       /* of which waiting for work */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void child_after_fork(void)
{
    /* Only the forking thread exists in the child: no pool threads, and
     * the mutex may have been held by one of them. */
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.work, NULL);
    pool.head = NULL;
    pool.threads = 0;
    pool.idle = 0;
}

static void install_atfork(void) { pthread_atfork(NULL, NULL, child_after_fork); }

static void *pool_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pool.mu);
    pool.idle--; /* counted idle by its creator until now */
    for (;;) {
        pool_job *j = pool.head;
        while (j != NULL && j->want == 0)
            j = j->next;
        if (j == NULL) {
            pool.idle++;
            pthread_cond_wait(&pool.work, &pool.mu);
            pool.idle--;
            continue;
        }
        j->want--;
        j->running++;
        pthread_mutex_unlock(&pool.mu);
        /* A helper woken on the caller's CPU would only take turns with
         * it, and the scheduler leaves it there when every CPU is busy (one
         * task more on one CPU than another is no imbalance to it): for the
         * job it moves to the process's other CPUs. */
        cpu_set_t all;
        bool moved = false;
        if (j->caller_cpu >= 0 && sched_getcpu() == j->caller_cpu && sched_getaffinity(0, sizeof all, &all) == 0 &&
            CPU_ISSET(j->caller_cpu, &all) && CPU_COUNT(&all) > 1) {
            cpu_set_t others = all;
            CPU_CLR(j->caller_cpu, &others);
            moved = sched_setaffinity(0, sizeof others, &others) == 0;
        }
        j->fn(j->ctx);
        if (moved)
            sched_setaffinity(0, sizeof all, &all);
        pthread_mutex_lock(&pool.mu);
        if (--j->running == 0)
            pthread_cond_signal(&j->done);
    }
    return NULL;
}

void sks__pool_run(int n_threads, void (*fn)(void *), void *ctx)
{
    if (n_threads > SKS__POOL_MAX)
        n_threads = SKS__POOL_MAX;
    if (n_threads <= 1) {
        fn(ctx);
        return;
    }
    pthread_once(&atfork_once, install_atfork);
    pool_job j = {.fn = fn, .ctx = ctx, .caller_cpu = sched_getcpu(), .want = n_threads - 1, .running = 0,
                  .next = NULL};
    pthread_cond_init(&j.done, NULL);

    pthread_mutex_lock(&pool.mu);
    pool_job **tail = &pool.head;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = &j;
    /* Start threads for what the idle ones cannot cover (counting the
     * helpers other open jobs still wait for). A thread that cannot be
     * started leaves its share to the threads that are. */
    int wanted = 0;
    for (pool_job *o = pool.head; o != NULL; o = o->next)
        wanted += o->want;
    for (int k = wanted - pool.idle; k > 0 && pool.threads < SKS__POOL_MAX - 1; k--) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&t, &attr, pool_thread, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            break;
        pool.threads++;
        pool.idle++; /* counted idle until it runs: it will look for work first */
    }
    if (j.want == 1)
        pthread_cond_signal(&pool.work);
    else
        pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.mu);

    fn(ctx);

    pthread_mutex_lock(&pool.mu);
    /* Close the job: helpers not yet inside fn can no longer join. */
    for (pool_job **p = &pool.head; *p != NULL; p = &(*p)->next)
        if (*p == &j) {
            *p = j.next;
            break;
        }
    j.want = 0;
    pthread_mutex_unlock(&pool.mu);
    /* The helpers still inside fn are finishing their last claim: wait for
     * them spinning a while before sleeping. A caller that sleeps on a CPU
     * another process keeps busy waits for that process's turn to end
     * (milliseconds) before it runs again. */
    for (int spins = 0; spins < 4000 && atomic_load_explicit(&j.running, memory_order_acquire) > 0; spins++)
        sks__spin_pause();
    pthread_mutex_lock(&pool.mu);
    while (j.running > 0)
        pthread_cond_wait(&j.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_cond_destroy(&j.done);
}

/* ------------------------------------------------------------ CPU count */

/* The cgroup v2 CPU quota ("cpu.max": "max 100000" or "150000 100000"),
 * rounded up to whole CPUs; 0 when there is none or it cannot be read. */
static int cgroup_cpus(void)
{
    char path[512] = "/sys/fs/cgroup/cpu.max";
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f != NULL) {
        char line[400];
        while (fgets(line, sizeof line, f) != NULL)
            if (strncmp(line, "0::", 3) == 0) {
                line[strcspn(line, "\n")] = 0;
                snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", strcmp(line + 3, "/") == 0 ? "" : line + 3);
                break;
            }
        fclose(f);
    }
    f = fopen(path, "r");
    if (f == NULL)
        f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f == NULL) { /* cgroup v1 */
        long long q = -1, period = 0;
        FILE *fq = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r");
        FILE *fp = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
        if (fq != NULL && fp != NULL && (fscanf(fq, "%lld", &q) != 1 || fscanf(fp, "%lld", &period) != 1))
            q = -1;
        if (fq != NULL)
            fclose(fq);
        if (fp != NULL)
            fclose(fp);
        if (q <= 0 || period <= 0)
            return 0;
        long long c = (q + period - 1) / period;
        return c > SKS__POOL_MAX ? SKS__POOL_MAX : (int)c;
    }
    char quota[32] = "";
    long long period = 0;
    int n = fscanf(f, "%31s %lld", quota, &period);
    fclose(f);
    if (n != 2 || strcmp(quota, "max") == 0 || period <= 0)
        return 0;
    long long q = atoll(quota);
    if (q <= 0)
        return 0;
    long long cpus = (q + period - 1) / period;
    return cpus > SKS__POOL_MAX ? SKS__POOL_MAX : (int)cpus;
}

static int cpus;
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;

static void count_cpus(void)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n < 1) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online < 1 ? 1 : (int)online;
    }
    int quota = cgroup_cpus();
    if (quota > 0 && quota < n)
        n = quota;
    cpus = n;
}

int sks_cpu_count(void)
{
    pthread_once(&cpus_once, count_cpus);
    return cpus;
}

int sks__pool_cpus(void)
{
    int n = sks_cpu_count();
    return n > SKS__POOL_MAX ? SKS__POOL_MAX : n;
}
