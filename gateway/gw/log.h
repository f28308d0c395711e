/*
 * gw/log.h -- structured log lines on stderr (log.c).
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stddef.h>

/* ------------------------------------------------------------------ log */

enum { GW_LOG_DEBUG = 0, GW_LOG_INFO = 1, GW_LOG_WARN = 2, GW_LOG_ERROR = 3 };
extern int gw_log_level;
int gw_log_parse_level(const char *s); /* -1 when unknown */
/* One JSON object per line on stderr: {"ts":..,"level":..,"msg":..,<fields>}.
 * fields_fmt is printf-style and must expand to zero or more JSON members
 * ("\"k\":1,\"s\":\"x\""); quote strings with gw_jq. */
void gw_log(int level, const char *msg, const char *fields_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes s as a JSON string literal (quotes included) into buf; returns buf.
 * Truncates long strings (keeping the result valid JSON). */
char *gw_jq(char *buf, size_t size, const char *s);

#endif
