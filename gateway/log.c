/*
 * log.c -- structured log lines on stderr.
 *
 * One JSON object per line: {"ts":"2026-11-28T05:06:16.123Z","level":"info",
 * "msg":"...", ...fields}. A line is formatted whole and written with one
 * write(2), so lines from different threads never interleave. Callers pass
 * extra members as a printf-style JSON fragment and quote strings with gw_jq.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw/log.h"
#include "gw/value.h"

int gw_log_level = GW_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int gw_log_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    if (strcmp(s, "warning") == 0)
        return GW_LOG_WARN;
    return -1;
}

char *gw_jq(char *buf, size_t size, const char *s)
{
    gw_buf b;
    gw_buf_init(&b);
    size_t n = s ? strlen(s) : 0;
    if (n > size / 6 - 2)
        n = size / 6 - 2; /* worst case \u00XX per byte */
    gw_buf_json_str(&b, s ? s : "", n);
    if (b.p != NULL && b.len < size) {
        memcpy(buf, b.p, b.len);
        buf[b.len] = 0;
    } else {
        snprintf(buf, size, "\"\"");
    }
    gw_buf_dispose(&b);
    return buf;
}

void gw_log(int level, const char *msg, const char *fields_fmt, ...)
{
    if (level < gw_log_level)
        return;
    char line[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char qmsg[512];
    int n = snprintf(line, sizeof line, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"msg\":%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], gw_jq(qmsg, sizeof qmsg, msg));
    if (fields_fmt != NULL && fields_fmt[0] != 0 && n > 0 && (size_t)n < sizeof line - 4) {
        line[n++] = ',';
        va_list ap;
        va_start(ap, fields_fmt);
        int m = vsnprintf(line + n, sizeof line - (size_t)n - 3, fields_fmt, ap);
        va_end(ap);
        if (m < 0 || (size_t)m >= sizeof line - (size_t)n - 3) {
            n--; /* fields did not fit: drop them rather than break the JSON */
        } else {
            n += m;
        }
    }
    if (n < 0 || (size_t)n > sizeof line - 3)
        n = (int)sizeof line - 3;
    line[n++] = '}';
    line[n++] = '\n';
    ssize_t w = write(2, line, (size_t)n);
    (void)w;
}
