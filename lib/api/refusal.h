/*
 * One refusal protocol for every write. Each write is a SQL function whose
 * result starts with four columns (outcome, reason, field, detail):
 *
 *   outcome  'ok', or 'refused'
 *   reason   when refused: a key of the table in refusal.c (e.g. 'stale',
 *            'note_required'), which gives the HTTP status, the problem type
 *            (urn:policytrack:problem:<slug>), its title and its sentence
 *   field    the request field the refusal concerns, or NULL; a refusal with
 *            a field also names it in the problem's `errors`
 *   detail   the sentence for people, or NULL for the table's own; with a
 *            field, it is also the field's message in `errors`
 *
 * A write that refuses several fields at once (a batch) gives them in a
 * further column named `errors`: a JSON object, field -> message.
 *
 * Handlers call api_refused() on the first row: no strcmp chains, no SQLSTATE
 * parsing, and one place to read what each refusal answers.
 */
#ifndef PT_API_REFUSAL_H
#define PT_API_REFUSAL_H

#include <libpq-fe.h>
#include <stdbool.h>

struct http_ctx;

/* How a refusal is answered. */
enum refusal_answer {
	REFUSAL_PROBLEM, /* a problem: the entry's status, type, title and sentence */
	/*
	 * A 409 that also carries the reason itself as its `reason` member, for the
	 * conflicts clients tell apart by code (http_reply_conflict); the entry has
	 * neither slug nor title of its own.
	 */
	REFUSAL_CONFLICT,
	/*
	 * A field of the body is not valid after all: the same 400 as one the
	 * daemon turns down itself (json_fields_failed), the field's message being
	 * the function's detail.
	 */
	REFUSAL_FIELD,
};

struct refusal {
	const char *reason; /* as the SQL function returns it */
	int status;
	const char *slug;   /* the problem type's last part; NULL: reason with '-' for '_' */
	const char *title;  /* NULL: the standard title of the status */
	const char *detail; /* used when the function gives none */
	enum refusal_answer answer;
};

/* The table's entry for reason, or NULL. */
const struct refusal *refusal_find(const char *reason);

/*
 * When row `row` of res has outcome 'ok', returns false and answers nothing.
 * Otherwise answers ctx with the reason's problem and returns true; a reason
 * the table does not know is a bug, answered 500 and logged. Headers the
 * answer needs besides (a stale task's ETag) are the handler's to set first.
 */
bool api_refused(struct http_ctx *ctx, const PGresult *res, int row);

#endif
