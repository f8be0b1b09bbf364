/* A minimal TAP producer for meson's `protocol: 'tap'`: one "ok"/"not ok" line per check. */
#ifndef PT_TAP_H
#define PT_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		int ok_ = (cond) ? 1 : 0;                                                          \
		tap_count++;                                                                       \
		if (ok_) {                                                                         \
			printf("ok %d - ", tap_count);                                             \
		} else {                                                                           \
			tap_failed++;                                                              \
			printf("not ok %d - ", tap_count);                                         \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!ok_)                                                                          \
			printf("# failed: %s at %s:%d\n", #cond, __FILE__, __LINE__);              \
	} while (0)

#define CHECK_STR(got, want, ...)                                                                  \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		CHECK(got_ &&want_ &&strcmp(got_, want_) == 0, __VA_ARGS__);                       \
		if (!(got_ && want_ && strcmp(got_, want_) == 0))                                  \
			printf("# got '%s', want '%s'\n", got_ ? got_ : "(null)", want_);          \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
