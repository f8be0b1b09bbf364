#include "api/evaluation.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/user_rules.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

static const struct api_param page_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_indicators_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_indicator_list, values);
}

static bool
indicator_code_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 41 || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void
indicator_created(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 4));
}

void
api_indicators_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *code = NULL, *zh = NULL, *en = NULL, *unit = NULL, *direction = NULL,
	           *comparison = NULL, *description = NULL, *goal = NULL;
	long weight = 1;
	if (json_field_string(&f, "code", true, 41, &code) && !indicator_code_valid(code))
		json_fields_error(&f, "code", "must be 3-41 of a-z 0-9 _, starting with a letter");
	json_field_string(&f, "name_zh", true, 200, &zh);
	json_field_string(&f, "name_en", true, 200, &en);
	json_field_string(&f, "unit", true, 50, &unit);
	if (json_field_string(&f, "direction", true, 20, &direction) &&
	    strcmp(direction, "higher_better") && strcmp(direction, "lower_better"))
		json_fields_error(&f, "direction", "must be higher_better or lower_better");
	if (json_field_string(&f, "comparison", true, 20, &comparison) &&
	    strcmp(comparison, "national") && strcmp(comparison, "target"))
		json_fields_error(&f, "comparison", "must be national or target");
	json_field_int(&f, "weight", false, 0, 100, &weight);
	json_field_string(&f, "description_en", true, 2000, &description);
	json_field_string(&f, "goal_zh", false, 2000, &goal);
	static const char *const allowed[] = { "code",   "name_zh",        "name_en",
		                               "unit",   "direction",      "comparison",
		                               "weight", "description_en", "goal_zh",
		                               NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	char weight_text[16];
	snprintf(weight_text, sizeof(weight_text), "%ld", weight);
	const char *values[] = { ctx->caller.user_id, code,       zh,          en,          unit,
		                 direction,           comparison, weight_text, description, goal };
	http_query(ctx, &sql_indicator_create, values, indicator_created);
	cJSON_Delete(body);
}

static const struct api_param value_params[] = {
	{ "province", PARAM_PROVINCE },
	{ "from", PARAM_YEAR },
	{ "to", PARAM_YEAR },
};

void
api_indicator_values_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, value_params, PT_ARRAY_LEN(value_params), &q))
		return;
	const char *code = route_match_param(&ctx->match, "code");
	const char *values[] = { code, q.values[0], q.values[1], q.values[2] };
	api_read_object(ctx, &sql_indicator_value_list, values, "indicator", code);
	api_query_clear(&q);
}

/* A finite JSON number, or null when nullable; records an error otherwise. */
static bool
number_field(struct json_fields *f, const char *name, bool required, char *out, size_t outlen,
             bool *present)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(f->obj, name);
	*present = v && !cJSON_IsNull(v);
	if (!v || cJSON_IsNull(v)) {
		if (required)
			json_fields_error(f, name, "is required: a number");
		return !required;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 1e15) {
		json_fields_error(f, name, "must be a number");
		return false;
	}
	snprintf(out, outlen, "%.15g", v->valuedouble);
	return true;
}

/* 201 for the first value of that indicator, province and year; 200 for one replacing it. */
static void
value_recorded(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	bool created = PQgetvalue(r->res, 0, 4)[0] == 't';
	api_reply_json_text_status(ctx, created ? 201 : 200, PQgetvalue(r->res, 0, 5));
}

void
api_indicator_values_put(struct http_ctx *ctx)
{
	const char *year_text = route_match_param(&ctx->match, "year");
	const char *province = route_match_param(&ctx->match, "province");
	int64_t year;
	cJSON *path_errors = cJSON_CreateObject();
	if (!pt_parse_int64(year_text, 2000, 2100, &year))
		cJSON_AddStringToObject(path_errors, "year", "must be a year from 2000 to 2100");
	if (!user_province_code_like(province))
		cJSON_AddStringToObject(path_errors, "province",
		                        "must be a province code such as CN-LN");
	if (cJSON_GetArraySize(path_errors) > 0) {
		http_reply_problem(ctx, 400, "validation", NULL,
		                   "the path names no valid year or province", path_errors);
		return;
	}
	cJSON_Delete(path_errors);
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	char value[40] = "", national[40] = "", target[40] = "";
	bool has_value, has_national, has_target;
	number_field(&f, "value", true, value, sizeof(value), &has_value);
	number_field(&f, "national_value", false, national, sizeof(national), &has_national);
	number_field(&f, "target", false, target, sizeof(target), &has_target);
	const char *source = NULL, *note = NULL;
	json_field_string(&f, "source", true, 500, &source);
	json_field_string(&f, "note", false, 2000, &note);
	static const char *const allowed[] = { "value",  "national_value", "target",
		                               "source", "note",           NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { ctx->caller.user_id,
		                 route_match_param(&ctx->match, "code"),
		                 province,
		                 year_text,
		                 value,
		                 has_national ? national : NULL,
		                 has_target ? target : NULL,
		                 source,
		                 note };
	http_query(ctx, &sql_indicator_value_put, values, value_recorded);
	cJSON_Delete(body);
}

static const struct api_param evaluation_params[] = {
	{ "subject_type", PARAM_SUBJECT_TYPE },
	{ "subject", PARAM_TEXT_CODE },
	{ "period", PARAM_PERIOD },
	{ "current", PARAM_BOOL },
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_evaluations_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, evaluation_params, PT_ARRAY_LEN(evaluation_params), &q))
		return;
	const char *values[] = { q.values[0], q.values[1],         q.values[2],
		                 q.values[3], api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_evaluation_list, values);
}

static void
evaluation_recorded(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 5));
}

static const char *
band_of(double score)
{
	return score >= 85 ? "excellent" : score >= 70 ? "good" : score >= 55 ? "fair" : "poor";
}

void
api_evaluations_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *type = NULL, *subject = NULL, *period = NULL, *rating = NULL, *findings = NULL;
	if (json_field_string(&f, "subject_type", true, 10, &type) && strcmp(type, "task") &&
	    strcmp(type, "measure") && strcmp(type, "province"))
		json_fields_error(&f, "subject_type", "must be task, measure or province");
	json_field_string(&f, "subject", true, 40, &subject);
	json_field_string(&f, "period", true, 7, &period);
	char score[40];
	bool has_score;
	if (number_field(&f, "score", true, score, sizeof(score), &has_score) && has_score) {
		double s = cJSON_GetObjectItemCaseSensitive(body, "score")->valuedouble;
		if (s < 0 || s > 100)
			json_fields_error(&f, "score", "must be from 0 to 100");
		else if (json_field_string(&f, "rating", false, 10, &rating) &&
		         strcmp(rating, band_of(s)) != 0)
			json_fields_error(&f, "rating",
			                  "does not fit the score's band (excellent 85-100, good "
			                  "70-84.99, fair 55-69.99, poor below 55); leave it out");
	}
	json_field_string(&f, "findings", true, 20000, &findings);
	static const char *const allowed[] = { "subject_type", "subject",  "period", "score",
		                               "rating",       "findings", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { ctx->caller.user_id, type, subject, period, score, findings };
	http_query(ctx, &sql_evaluation_record, values, evaluation_recorded);
	cJSON_Delete(body);
}

static const struct api_param scorecard_params[] = {
	{ "period", PARAM_PERIOD },
	{ "province", PARAM_PROVINCE },
};

/* The scorecard: sql/evaluation/scorecard_get.sql says how it is made. */
void
api_scorecards(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, scorecard_params, PT_ARRAY_LEN(scorecard_params), &q))
		return;
	if (!q.values[0]) {
		cJSON *errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, "period", "is required: a year such as 2017");
		http_reply_problem(ctx, 400, "invalid-query", "Invalid query parameters",
		                   "a scorecard is for a period; see errors", errors);
		api_query_clear(&q);
		return;
	}
	const char *values[] = { q.values[0], q.values[1] };
	api_read_object(ctx, &sql_scorecard_get, values, "period", q.values[0]);
	api_query_clear(&q);
}
