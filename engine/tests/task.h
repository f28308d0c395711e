/*
 * task.h -- a tiny test runner for the engine's C tests.
 *
 * Each test is `TEST(name) { ... }` listed in the file's TESTS table; a
 * failed check prints both sides and the line, and the test stops there.
 * A test binary runs every test in its table and exits non-zero if any
 * failed, so ctest shows one line per binary.
 */
#ifndef SKS_TASK_H
#define SKS_TASK_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int task_failed;

#define TEST(name) static void test_##name(void)

#define FAIL_(fmt, ...)                                                               \
    do {                                                                              \
        fprintf(stderr, "  %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);       \
        task_failed = 1;                                                              \
        return;                                                                       \
    } while (0)

#define ASSERT(cond)                                                                  \
    do {                                                                              \
        if (!(cond))                                                                  \
            FAIL_("assertion failed: %s", #cond);                                     \
    } while (0)

#define ASSERT_INT(a, op, b)                                                          \
    do {                                                                              \
        long long a_ = (long long)(a), b_ = (long long)(b);                           \
        if (!(a_ op b_))                                                              \
            FAIL_("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);                     \
    } while (0)

/* Bit-for-bit equality of doubles (so -0.0 != 0.0 and NaN == NaN). */
#define ASSERT_BITS(a, b)                                                             \
    do {                                                                              \
        double a_ = (a), b_ = (b);                                                    \
        if (memcmp(&a_, &b_, sizeof a_) != 0)                                         \
            FAIL_("%s == %s bit for bit: %.17g vs %.17g", #a, #b, a_, b_);            \
    } while (0)

#define ASSERT_NEAR(a, b, tol)                                                        \
    do {                                                                              \
        double a_ = (a), b_ = (b);                                                    \
        if (!(fabs(a_ - b_) <= (tol)))                                                \
            FAIL_("|%s - %s| <= %g: %.17g vs %.17g", #a, #b, (double)(tol), a_, b_);  \
    } while (0)

#define ASSERT_STR(a, b)                                                              \
    do {                                                                              \
        const char *a_ = (a), *b_ = (b);                                              \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                          \
            FAIL_("%s == %s: \"%s\" vs \"%s\"", #a, #b, a_ ? a_ : "(null)",           \
                  b_ ? b_ : "(null)");                                                \
    } while (0)

/* The call returned rc and, on failure, left a message. */
#define ASSERT_RC(call, want, errp)                                                   \
    do {                                                                              \
        int rc_ = (call);                                                             \
        const sks_error *e_ = (errp);                                                 \
        if (rc_ != (want))                                                            \
            FAIL_("%s returned %s (%s), wanted %s", #call, sks_errname(rc_),          \
                  e_->message, sks_errname(want));                                    \
        if (rc_ != 0 && e_->message[0] == '\0')                                       \
            FAIL_("%s failed without a message", #call);                              \
    } while (0)

typedef struct task_entry {
    const char *name;
    void (*fn)(void);
} task_entry;

#define TASK(name) {#name, test_##name}

static int task_run(const task_entry *tests, size_t n)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        task_failed = 0;
        tests[i].fn();
        printf("%s - %s\n", task_failed ? "not ok" : "ok", tests[i].name);
        failures += task_failed;
    }
    printf("%zu passed, %d failed\n", n - (size_t)failures, failures);
    return failures ? 1 : 0;
}

#define TASK_MAIN(table) \
    int main(void) { return task_run(table, sizeof(table) / sizeof(table[0])); }

#endif
