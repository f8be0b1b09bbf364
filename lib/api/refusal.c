#include "api/refusal.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/server.h"

#define TRANSITION_REFUSED "Transition refused"

/* Every reason a write function may give, and what it answers. Sorted by reason. */
static const struct refusal refusals[] = {
	{ "action_not_allowed", 409, NULL, NULL,
	  "this action is not open to you on this report now; see allowed_actions",
	  REFUSAL_CONFLICT },
	{ "already_assigned", 409, NULL, NULL,
	  "that agency already carries this measure in the task's province", REFUSAL_PROBLEM },
	{ "batch_refused", 409, NULL, NULL, "no task was changed: the items in errors were refused",
	  REFUSAL_PROBLEM },
	{ "decomposed", 409, NULL, NULL,
	  "this task is split into work items: its status and progress roll up from them; "
	  "change the items (GET /api/v1/tasks/{id}/work-items)",
	  REFUSAL_PROBLEM },
	{ "evidence_required", 409, NULL, TRANSITION_REFUSED,
	  "closing this task needs evidence on record: a link in evidence or an attached file",
	  REFUSAL_PROBLEM },
	{ "extension_open", 409, NULL, NULL,
	  "an extension request is open on this task: wait for the coordinator's decision",
	  REFUSAL_PROBLEM },
	{ "has_history", 409, NULL, NULL,
	  "work was reported on this work item (its status or progress changed): it stays in "
	  "the record; change its due date or responsible party instead",
	  REFUSAL_PROBLEM },
	{ "idempotency_key_reused", 422, NULL, NULL,
	  "this Idempotency-Key was used with a different body", REFUSAL_PROBLEM },
	{ "indicator_exists", 409, NULL, NULL, "an indicator with this code exists",
	  REFUSAL_CONFLICT },
	/* A field's value the database turns down; detail says why. */
	{ "invalid", 400, "validation", NULL, NULL, REFUSAL_FIELD },
	{ "invalid_credentials", 401, "invalid-credentials", NULL,
	  "the username or the password is wrong, or the account is disabled", REFUSAL_PROBLEM },
	{ "last_admin", 409, NULL, NULL,
	  "this is the last enabled admin: make another user an admin first", REFUSAL_CONFLICT },
	{ "no_due_date", 409, NULL, NULL,
	  "the task has no due date to extend; ask the coordinator to set one", REFUSAL_PROBLEM },
	{ "no_open_extension", 409, NULL, NULL,
	  "no extension request is open on this task (GET /api/v1/tasks/{id}/extensions)",
	  REFUSAL_PROBLEM },
	{ "no_such_agency", 400, "validation", NULL, "no such agency", REFUSAL_FIELD },
	{ "no_such_province", 400, "validation", NULL, "no such province", REFUSAL_FIELD },
	{ "node_exists", 409, NULL, NULL,
	  "the province has a node with this code, or its parent one with this name_zh",
	  REFUSAL_CONFLICT },
	{ "node_limit", 409, NULL, NULL, "a province has at most 5000 nodes", REFUSAL_PROBLEM },
	{ "node_report_filed", 409, NULL, NULL,
	  "this node's report for the period is submitted or approved already", REFUSAL_CONFLICT },
	{ "node_reports_pending", 409, NULL, NULL,
	  "reports are approved bottom-up: the node reports below this one come first",
	  REFUSAL_CONFLICT },
	{ "not_found", 404, "not-found", NULL, "no such object, or not one you may see",
	  REFUSAL_PROBLEM },
	{ "not_node_scoped", 403, "forbidden", NULL,
	  "only a provincial office's user scoped to a node files a node's report "
	  "(PUT /api/v1/users/{username}/node)",
	  REFUSAL_PROBLEM },
	{ "not_own_report", 403, "forbidden", NULL,
	  "only the report's own provincial office may change it", REFUSAL_PROBLEM },
	{ "not_received", 409, NULL, NULL,
	  "receive the task first (POST /api/v1/tasks/{id}/receive): a unit asks for more time "
	  "on a task it has received",
	  REFUSAL_PROBLEM },
	{ "note_required", 409, NULL, TRANSITION_REFUSED, "this transition needs a note saying why",
	  REFUSAL_PROBLEM },
	{ "past_due", 409, NULL, NULL,
	  "the task is past its due date: an extension is asked for by the due date",
	  REFUSAL_PROBLEM },
	{ "period_closed", 409, NULL, NULL, "the reporting period is closed", REFUSAL_CONFLICT },
	{ "period_exists", 409, NULL, NULL, "a period with this code exists", REFUSAL_CONFLICT },
	{ "progress_locked_when_done", 409, NULL, TRANSITION_REFUSED,
	  "a completed or verified task stays at 100%; re-open it first", REFUSAL_PROBLEM },
	{ "receipt_state", 409, NULL, NULL,
	  "the task's receipt does not allow this now; see the task's receipt and actions",
	  REFUSAL_PROBLEM },
	{ "report_accepted", 409, NULL, NULL, "the report is accepted and final; make a revision",
	  REFUSAL_CONFLICT },
	{ "report_exists", 409, NULL, NULL, "the province already has a report for this period",
	  REFUSAL_CONFLICT },
	{ "report_submitted", 409, NULL, NULL, "the report is submitted and awaits review",
	  REFUSAL_CONFLICT },
	{ "report_superseded", 409, NULL, NULL, "a newer revision of this report exists",
	  REFUSAL_CONFLICT },
	{ "role_may_not_transition", 409, NULL, TRANSITION_REFUSED,
	  "your role may not take this transition; see allowed_transitions", REFUSAL_PROBLEM },
	{ "role_scope_mismatch", 400, "validation", NULL,
	  "the role does not fit the agency and province", REFUSAL_FIELD },
	{ "stale", 412, NULL, NULL,
	  "the task changed since you read it: GET it again (its ETag is in this answer), "
	  "re-apply your change, and send that ETag",
	  REFUSAL_PROBLEM },
	{ "task_done", 409, NULL, NULL, "the task is completed or verified: it needs no more time",
	  REFUSAL_PROBLEM },
	{ "too_many_attempts", 429, NULL, NULL, "too many failed sign-ins; wait and retry",
	  REFUSAL_PROBLEM },
	/* Only after the daemon waited for the checks under way (lib/api/sessions.c). */
	{ "sign_in_busy", 429, "too-many-attempts", NULL,
	  "too many sign-ins for this username are being checked at once; retry in a moment",
	  REFUSAL_PROBLEM },
	{ "transition_not_allowed", 409, NULL, TRANSITION_REFUSED,
	  "the workflow has no such transition from the task's status; see "
	  "GET /api/v1/task-statuses",
	  REFUSAL_PROBLEM },
	{ "user_disabled", 409, NULL, NULL,
	  "the user is disabled; enable it before issuing a token", REFUSAL_PROBLEM },
	{ "username_taken", 409, "conflict", NULL, "that username is taken", REFUSAL_PROBLEM },
	{ "work_item_limit", 409, NULL, NULL,
	  "a task has at most 50 work items; remove one or change one instead", REFUSAL_PROBLEM },
	{ "work_started", 409, NULL, NULL,
	  "work was reported on this task (its status, progress or work items): it is no longer "
	  "sent back; ask the coordinator",
	  REFUSAL_PROBLEM },
};

const struct refusal *
refusal_find(const char *reason)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(refusals); i++)
		if (strcmp(refusals[i].reason, reason) == 0)
			return &refusals[i];
	return NULL;
}

/* The column named name of res at row, or NULL when it is absent or NULL. */
static const char *
column(const PGresult *res, int row, const char *name)
{
	int col = PQfnumber(res, name);
	return col < 0 || PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
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
	const char *text = detail ? detail : r->detail;
	switch (r->answer) {
	case REFUSAL_CONFLICT:
		assert(r->status == 409 && !r->slug && !r->title);
		http_reply_conflict(ctx, r->reason, text);
		return true;
	case REFUSAL_FIELD: {
		struct json_fields f = { .obj = NULL, .errors = cJSON_CreateObject() };
		cJSON *listed = cJSON_Parse(column(res, row, "errors"));
		for (const cJSON *e = listed ? listed->child : NULL; e; e = e->next)
			json_fields_error(&f, e->string, cJSON_GetStringValue(e));
		if (!listed)
			json_fields_error(&f, field ? field : "body", text ? text : reason);
		cJSON_Delete(listed);
		bool answered = json_fields_failed(ctx, &f);
		assert(answered);
		return answered;
	}
	case REFUSAL_PROBLEM:
		break;
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
	cJSON *errors = NULL;
	const char *listed = column(res, row, "errors");
	if (listed) {
		errors = cJSON_Parse(listed);
	} else if (field) {
		errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, field, text ? text : reason);
	}
	http_reply_problem(ctx, r->status, slug, r->title, text, errors);
	return true;
}
