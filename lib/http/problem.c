#include "http/problem.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

const char *
http_reason_phrase(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

char *
problem_to_json(const struct problem *p)
{
	cJSON *o = cJSON_CreateObject();
	char type[128];
	snprintf(type, sizeof(type), PROBLEM_TYPE_PREFIX "%s", p->slug);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "title", p->title ? p->title : http_reason_phrase(p->status));
	cJSON_AddNumberToObject(o, "status", p->status);
	if (p->detail)
		cJSON_AddStringToObject(o, "detail", p->detail);
	if (p->instance)
		cJSON_AddStringToObject(o, "instance", p->instance);
	if (p->request_id)
		cJSON_AddStringToObject(o, "request_id", p->request_id);
	if (p->reason)
		cJSON_AddStringToObject(o, "reason", p->reason);
	if (p->errors)
		cJSON_AddItemToObject(o, "errors", cJSON_Duplicate(p->errors, 1));
	for (const cJSON *m = p->extra ? p->extra->child : NULL; m; m = m->next)
		if (!cJSON_GetObjectItemCaseSensitive(o, m->string))
			cJSON_AddItemToObject(o, m->string, cJSON_Duplicate(m, 1));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		abort();
	/* cJSON's allocator is malloc (we never install hooks), so free() is right. */
	return text;
}

char *
problem_raw_response(const struct problem *p, size_t *len)
{
	char *body = problem_to_json(p);
	char *resp =
	    xasprintf("HTTP/1.1 %d %s\r\n"
	              "Content-Type: " PROBLEM_CONTENT_TYPE "\r\n"
	              "Content-Length: %zu\r\n"
	              "Connection: close\r\n"
	              "%s%s%s"
	              "\r\n%s",
	              p->status, http_reason_phrase(p->status), strlen(body),
	              p->request_id ? "X-Request-Id: " : "", p->request_id ? p->request_id : "",
	              p->request_id ? "\r\n" : "", body);
	free(body);
	*len = strlen(resp);
	return resp;
}
