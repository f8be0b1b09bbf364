#include "api/refusal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "http/server.h"

/* Every reason a write function may give, and what it answers. Sorted by reason. */
static const struct refusal refusals[] = {
	{ "not_found", 404, "not-found", NULL, "no such object, or not one you may see" },
	/* Identity (sql/definitions/60_sessions.sql, 61_users.sql). */
	{ "invalid_credentials", 401, "invalid-credentials", NULL,
	  "the username or the password is wrong, or the account is disabled" },
	{ "too_many_attempts", 429, NULL, NULL,
	  "too many failed sign-ins for this username; wait and retry" },
	{ "username_taken", 409, "conflict", NULL, "that username is taken" },
	{ "no_such_agency", 400, "validation", "Invalid request body", "no such agency" },
	{ "no_such_province", 400, "validation", "Invalid request body", "no such province" },
	{ "role_scope_mismatch", 400, "validation", "Invalid request body",
	  "the role does not fit the agency and province" },
	{ "user_disabled", 409, NULL, NULL,
	  "the user is disabled; enable it before issuing a token" },
};

const struct refusal *
refusal_find(const char *reason)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(refusals); i++)
		if (strcmp(refusals[i].reason, reason) == 0)
			return &refusals[i];
	return NULL;
}

bool
api_refused(struct http_ctx *ctx, const PGresult *res, int row)
{
	const char *outcome = PQgetvalue(res, row, 0);
	if (strcmp(outcome, "ok") == 0)
		return false;
	const char *reason = PQgetisnull(res, row, 1) ? "" : PQgetvalue(res, row, 1);
	const char *field = PQgetisnull(res, row, 2) ? NULL : PQgetvalue(res, row, 2);
	const char *detail = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
	const struct refusal *r = refusal_find(reason);
	if (!r) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "outcome", outcome);
		cJSON_AddStringToObject(f, "reason", reason);
		log_emit(LOG_ERROR, "a write function gave a reason the refusal table lacks", f);
		http_reply_problem(ctx, 500, "internal", NULL, "the server could not answer", NULL);
		return true;
	}
	char slug[64];
	if (r->slug) {
		snprintf(slug, sizeof(slug), "%s", r->slug);
	} else {
		snprintf(slug, sizeof(slug), "%s", r->reason);
		for (char *c = slug; *c; c++)
			if (*c == '_')
				*c = '-';
	}
	const char *text = detail ? detail : r->detail;
	cJSON *errors = NULL;
	if (field) {
		errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, field, text ? text : reason);
	}
	http_reply_problem(ctx, r->status, slug, r->title, text, errors);
	return true;
}
