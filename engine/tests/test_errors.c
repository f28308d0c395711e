/* test_errors.c -- every error code has a name and a text of its own. */
#include "skscore.h"

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

static const task_entry TESTS[] = {TASK(every_code_named), TASK(messages_are_utf8_text)};
TASK_MAIN(TESTS)
