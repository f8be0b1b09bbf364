#include <cjson/cJSON.h>
#include <stdlib.h>

#include "http/problem.h"
#include "tap.h"

int
main(void)
{
	cJSON *errors = cJSON_CreateObject();
	cJSON_AddStringToObject(errors, "progress", "must be an integer from 0 to 100");
	struct problem p = { .status = 400,
		             .slug = "validation",
		             .detail = "bad \"input\"",
		             .instance = "/api/v1/tasks/1",
		             .request_id = "abc",
		             .errors = errors };
	char *text = problem_to_json(&p);
	cJSON *o = cJSON_Parse(text);
	CHECK(o != NULL, "valid JSON");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "type")),
	          "urn:policytrack:problem:validation", "type is a URN");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "title")), "Bad Request",
	          "title defaults to the reason phrase");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "status")) == 400, "status");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "detail")), "bad \"input\"",
	          "detail escaped and kept");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "instance")), "/api/v1/tasks/1",
	          "instance");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "request_id")), "abc", "request_id");
	CHECK_STR(
	    cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "errors"), "progress")),
	    "must be an integer from 0 to 100", "errors map");
	cJSON_Delete(o);
	free(text);
	cJSON_Delete(errors);

	struct problem q = { .status = 431,
		             .slug = "request-header-fields-too-large",
		             .detail = "too big" };
	size_t len;
	char *raw = problem_raw_response(&q, &len);
	CHECK(strncmp(raw, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0,
	      "status line");
	CHECK(strstr(raw, "Content-Type: application/problem+json\r\n") != NULL, "content type");
	CHECK(strstr(raw, "Connection: close\r\n") != NULL, "closes");
	const char *body = strstr(raw, "\r\n\r\n") + 4;
	char want_len[64];
	snprintf(want_len, sizeof(want_len), "Content-Length: %zu\r\n", strlen(body));
	CHECK(strstr(raw, want_len) != NULL, "content length matches body");
	CHECK(len == strlen(raw), "length reported");
	free(raw);
	CHECK_STR(http_reason_phrase(413), "Content Too Large", "413 phrase (RFC 9110)");
	CHECK_STR(http_reason_phrase(799), "Error", "unknown status phrase");
	return tap_done();
}
