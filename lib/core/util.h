/* Small helpers every module uses: allocation that aborts on failure, clocks. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_WARN_UNUSED  __attribute__((warn_unused_result))
#define PT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PT_STR_(x)      #x
#define PT_STR(x)       PT_STR_(x)

/* Allocation failure is not a per-request error we can answer: abort with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PT_PRINTF(1, 2);

/* Monotonic clock, for durations and deadlines. */
uint64_t pt_monotonic_ns(void);

/* Wall clock as RFC 3339 UTC with milliseconds, e.g. 2026-11-25T10:00:00.123Z. */
void pt_format_utc_now(char *out, size_t outlen);

/* The value of a hexadecimal digit, or -1. */
int pt_hex_value(unsigned char c);

/*
 * Percent-decodes [s, s+len) into a new string (plus_is_space: '+' means ' ',
 * as in query strings). NULL on a malformed escape or a NUL, encoded or raw.
 */
char *pt_percent_decode(const char *s, size_t len, bool plus_is_space);

/* The number of characters (code points) in a UTF-8 string. */
size_t pt_utf8_chars(const char *s);

/* True when [s, s+len) is well-formed UTF-8 (no overlongs, surrogates or NUL). */
bool pt_utf8_valid(const char *s, size_t len);

/* True for a real calendar date written YYYY-MM-DD, years 2000-2100. */
bool pt_date_valid(const char *s);

/* Parses a whole decimal integer within [min, max]; false on anything else. */
bool pt_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out) PT_WARN_UNUSED;

#endif
