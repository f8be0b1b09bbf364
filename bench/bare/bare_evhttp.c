/*
 * bare_evhttp: the floor the daemon's no-database endpoint is compared with.
 *
 *   bare_evhttp HOST PORT BODY_FILE [HEADER...]
 *
 * One libevent loop, one evhttp, one callback that answers every request
 * with 200, the bytes of BODY_FILE and the given "Name: value" headers (bench/run
 * passes the daemon's own /healthz body, Content-Type and X-Request-Id, so
 * both put the same bytes on the wire). No routing, no logging, no metrics:
 * what evhttp itself costs on this machine. Stops on SIGTERM or SIGINT.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 16

static char *body;
static size_t body_len;
static char *names[MAX_HEADERS];
static char *values[MAX_HEADERS];
static int nheaders;

static void
answer(struct evhttp_request *req, void *arg)
{
	(void)arg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	for (int i = 0; i < nheaders; i++)
		evhttp_add_header(out, names[i], values[i]);
	struct evbuffer *buf = evbuffer_new();
	evbuffer_add_reference(buf, body, body_len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

static void
on_signal(evutil_socket_t sig, short what, void *base)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(base);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, got;
	char *data = malloc(cap);
	while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			data = realloc(data, cap *= 2);
	}
	fclose(f);
	*len = n;
	return data;
}

int
main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bare_evhttp HOST PORT BODY_FILE [\"Name: value\"...]\n");
		return 2;
	}
	body = read_file(argv[3], &body_len);
	if (!body) {
		perror(argv[3]);
		return 1;
	}
	for (int i = 4; i < argc && nheaders < MAX_HEADERS; i++) {
		char *colon = strchr(argv[i], ':');
		if (!colon) {
			fprintf(stderr, "bare_evhttp: header '%s' is not Name: value\n", argv[i]);
			return 2;
		}
		*colon = '\0';
		names[nheaders] = argv[i];
		values[nheaders] = colon + 1 + strspn(colon + 1, " ");
		nheaders++;
	}
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	if (!http)
		return 1;
	evhttp_set_gencb(http, answer, NULL);
	evhttp_set_timeout(http, 60);
	if (!evhttp_bind_socket_with_handle(http, argv[1], (ev_uint16_t)atoi(argv[2]))) {
		fprintf(stderr, "bare_evhttp: cannot listen on %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	struct event *term = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *intr = evsignal_new(base, SIGINT, on_signal, base);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(base);
	free(body);
	return 0;
}
