#include "api/evidence.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "http/json_body.h"

#define EVIDENCE_MAX 20

static bool
url_valid(const char *s)
{
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			return false;
	return strlen(s) > 10;
}

void
api_evidence_check(struct json_fields *f, const cJSON *list, const char *prefix)
{
	char name[64];
	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > EVIDENCE_MAX) {
		snprintf(name, sizeof(name), "%sevidence", prefix);
		json_fields_error(f, name, "must be a list of at most 20 {title, url}");
		return;
	}
	int i = 0;
	for (const cJSON *e = list->child; e; e = e->next, i++) {
		snprintf(name, sizeof(name), "%sevidence[%d]", prefix, i);
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(e, "title");
		const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");
		if (!cJSON_IsObject(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(title) ||
		    !cJSON_IsString(url) || strlen(title->valuestring) == 0 ||
		    strlen(title->valuestring) > 600 || strlen(url->valuestring) > 2000 ||
		    !url_valid(url->valuestring))
			json_fields_error(
			    f, name,
			    "must be {\"title\": 1-200 characters, \"url\": an http(s) "
			    "URL} and nothing else");
	}
}
