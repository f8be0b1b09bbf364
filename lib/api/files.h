/*
 * Evidence files: the scanned documents that prove a task's step. Uploaded as
 * the raw body of POST /api/v1/tasks/{id}/files?name=NAME, their type told by
 * their bytes (never by the Content-Type the client sends, which must agree),
 * stored by task_file_attach() with their SHA-256 and an event in the audit
 * trail, listed and downloaded by whoever may read the task.
 */
#ifndef PT_API_FILES_H
#define PT_API_FILES_H

#include <stddef.h>

struct http_ctx;

/* A kind of file accepted as evidence. */
struct file_type {
	const char *media_type; /* what it is stored and served as */
	const char *label;      /* for people: "a PDF document" */
	const char *extensions; /* the endings its name may have: ".jpg .jpeg" */
};

/*
 * What len bytes at data are, judged by their content alone (signatures, and
 * for ZIP and OLE2 containers the entries inside): one of the accepted types,
 * or NULL. With NULL, *why is a sentence saying what is wrong when the bytes
 * are close to an accepted type (macros, a password, a damaged archive), or
 * NULL when they are simply none of them. Reads only within the len bytes.
 */
const struct file_type *file_type_sniff(const void *data, size_t len, const char **why);

/* The accepted types, for messages: "PDF, PNG, JPEG, …" (static text). */
const char *file_types_accepted(void);

/* POST /api/v1/tasks/{id}/files: the body is the file. */
void api_task_files_upload(struct http_ctx *ctx);
/* GET /api/v1/tasks/{id}/files: a page of the task's files, without their bytes. */
void api_task_files_list(struct http_ctx *ctx);
/* GET /api/v1/tasks/{id}/files/{file_id}: the bytes, as an attachment. */
void api_task_files_get(struct http_ctx *ctx);

#endif
