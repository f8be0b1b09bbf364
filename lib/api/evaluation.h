/*
 * Evaluation: indicators from the notice's goals, their recorded values,
 * scored evaluations (superseded, never edited), and scorecards that combine
 * them with task completion and report timeliness (docs/evaluation.md).
 */
#ifndef PT_API_EVALUATION_H
#define PT_API_EVALUATION_H

struct http_ctx;

void api_indicators_list(struct http_ctx *ctx);
void api_indicators_create(struct http_ctx *ctx);
void api_indicator_values_list(struct http_ctx *ctx);
void api_indicator_values_put(struct http_ctx *ctx);
void api_evaluations_list(struct http_ctx *ctx);
void api_evaluations_create(struct http_ctx *ctx);
void api_scorecards(struct http_ctx *ctx);

#endif
