/* test_errors.c -- every error code has a name and a text of its own; files
 * that are not regular files are refused at once. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo */
#include "skscore.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "task.h"

TEST(every_code_named)
{
    static const int codes[] = {
#define X(name, code, text) SKS_E##name,
        SKS_ERRNO_MAP(X)
#undef X
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        ASSERT(codes[i] < 0);
        ASSERT(strcmp(sks_strerror(codes[i]), "unknown error") != 0);
        ASSERT(strncmp(sks_errname(codes[i]), "SKS_E", 5) == 0);
        for (size_t j = 0; j < i; j++) {
            ASSERT(codes[i] != codes[j]);
            ASSERT(strcmp(sks_strerror(codes[i]), sks_strerror(codes[j])) != 0);
        }
    }
    ASSERT_STR(sks_strerror(0), "success");
    ASSERT_STR(sks_strerror(-9999), "unknown error");
    ASSERT_STR(sks_errname(-9999), "SKS_EUNKNOWN");
    ASSERT_STR(sks_errname(SKS_EFORMAT), "SKS_EFORMAT");
}

/* Messages quote bytes from files: they stay valid UTF-8 text. */
TEST(messages_are_utf8_text)
{
    sks_model *m = NULL;
    sks_error err;
    ASSERT_RC(sks_model_load("/nonexistent/\xb3\xff-caf\xc3\xa9.skm", &m, &err), SKS_EIO, &err);
    ASSERT(strstr(err.message, "/nonexistent/?" "?-caf\xc3\xa9.skm") != NULL);
    for (const unsigned char *p = (const unsigned char *)err.message; *p; p++)
        ASSERT(*p >= 0x20);
}

/* A FIFO nobody writes to, a device, a directory: refused at once with the
 * kind named (open() of the FIFO used to block forever; the alarm turns a
 * hang into a failure). */
TEST(non_regular_files_refused)
{
    char dir[] = "/tmp/sks-test-XXXXXX", fifo[64], msg[128];
    ASSERT(mkdtemp(dir) != NULL);
    snprintf(fifo, sizeof fifo, "%s/model.skm", dir);
    ASSERT(mkfifo(fifo, 0600) == 0);
    alarm(10);
    sks_model *m = NULL;
    sks_error err;
    ASSERT_RC(sks_model_load(fifo, &m, &err), SKS_EIO, &err);
    snprintf(msg, sizeof msg, "cannot read %s: a FIFO, not a regular file", fifo);
    ASSERT_STR(err.message, msg);
    ASSERT_RC(sks_model_load("/dev/zero", &m, &err), SKS_EIO, &err);
    ASSERT_STR(err.message, "cannot read /dev/zero: a character device, not a regular file");
    ASSERT_RC(sks_model_load(dir, &m, &err), SKS_EIO, &err);
    ASSERT(strstr(err.message, "a directory, not a regular file") != NULL);
    alarm(0);
    ASSERT(m == NULL);
    unlink(fifo);
    rmdir(dir);
}

static const task_entry TESTS[] = {TASK(every_code_named), TASK(messages_are_utf8_text),
                                   TASK(non_regular_files_refused)};
TASK_MAIN(TESTS)
