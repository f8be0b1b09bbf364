/*
 * Versions as ETags: a task's or a work item's version is its ETag ("12", in
 * quotes), and a change names it in If-Match, so that no one's change is
 * overwritten unseen.
 */
#ifndef PT_API_ETAG_H
#define PT_API_ETAG_H

struct http_ctx;

/* Sets the answer's ETag to a version given as its digits. */
void api_set_etag(struct http_ctx *ctx, const char *version);

/* The version an If-Match value names ("12", in quotes); -1 when it is not one of ours. */
long api_etag_version(const char *header);

/*
 * The version the request's If-Match names. Answers 428 (no If-Match) or 412
 * (not one of ours) itself and returns -1; `what` names the object in those
 * answers ("task", "work item").
 */
long api_required_version(struct http_ctx *ctx, const char *what);

#endif
