#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "tap.h"

/* Runs log_request with stderr sent to a file; returns what it wrote. */
static char *
captured(const struct log_access *a)
{
	fflush(stderr);
	int saved = dup(2);
	FILE *f = tmpfile();
	dup2(fileno(f), 2);
	log_request(a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	long n = ftell(f);
	char *text = calloc(1, (size_t)n + 1);
	rewind(f);
	if (fread(text, 1, (size_t)n, f) != (size_t)n)
		text[0] = '\0';
	fclose(f);
	return text;
}

static const char *
field(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

int
main(void)
{
	char long_path[5000];
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	const char *paths[] = { "/api/v1/tasks", "/a\"b\\c\x01\x1f\t/知识产权局", long_path };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct log_access a = { .request_id = "r1",
			                .method = "GET",
			                .path = paths[i],
			                .route = "/api/v1/tasks",
			                .status = 404,
			                .duration_ns = 12003456,
			                .user = i == 1 ? "coord.one" : NULL };
		char *text = captured(&a);
		size_t n = strlen(text);
		CHECK(n > 0 && text[n - 1] == '\n' && !memchr(text, '\n', n - 1),
		      "path %zu: one line", i);
		cJSON *o = cJSON_Parse(text);
		CHECK(o != NULL, "path %zu: the line is JSON", i);
		CHECK(field(o, "path") && strcmp(field(o, "path"), paths[i]) == 0,
		      "path %zu: the path comes back unchanged", i);
		CHECK_STR(field(o, "msg"), "request", "path %zu: msg", i);
		CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "status")) == 404,
		      "path %zu: status", i);
		CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "duration_ms")) == 12.003456,
		      "path %zu: duration in ms", i);
		if (i == 1)
			CHECK_STR(field(o, "user"), "coord.one", "the user's name");
		else
			CHECK(cJSON_IsNull(cJSON_GetObjectItem(o, "user")), "anonymous is null");
		cJSON_Delete(o);
		free(text);
	}
	return tap_done();
}
