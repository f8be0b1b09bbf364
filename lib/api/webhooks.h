/*
 * /api/v1/webhooks: admins register endpoints for event types, read each
 * one's delivery log, replay a delivery and send a test message
 * (docs/webhooks.md). The sending itself is http/outbox.h's.
 */
#ifndef PT_API_WEBHOOKS_H
#define PT_API_WEBHOOKS_H

struct http_ctx;

void api_webhooks_list(struct http_ctx *ctx);
/* Answers 201 with the endpoint and its signing secret, shown this once. */
void api_webhooks_create(struct http_ctx *ctx);
void api_webhooks_get(struct http_ctx *ctx);
/* rotate_secret: true answers the new secret, once. */
void api_webhooks_update(struct http_ctx *ctx);
void api_webhooks_delete(struct http_ctx *ctx);
void api_webhook_deliveries(struct http_ctx *ctx);
void api_webhook_replay(struct http_ctx *ctx);
void api_webhook_ping(struct http_ctx *ctx);

#endif
