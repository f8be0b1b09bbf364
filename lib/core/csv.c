#include "core/csv.h"

#include <string.h>

void
csv_begin(struct csv_writer *w, csv_sink_fn write, void *sink)
{
	w->write = write;
	w->sink = sink;
	w->in_record = false;
	w->write(w->sink, "\xEF\xBB\xBF", 3);
}

void
csv_field(struct csv_writer *w, const char *s)
{
	if (w->in_record)
		w->write(w->sink, ",", 1);
	w->in_record = true;
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		w->write(w->sink, s, strlen(s));
		return;
	}
	w->write(w->sink, "\"", 1);
	for (const char *quote; (quote = strchr(s, '"')); s = quote + 1) {
		/* Up to and including the quote, then the quote again. */
		w->write(w->sink, s, (size_t)(quote - s) + 1);
		w->write(w->sink, "\"", 1);
	}
	w->write(w->sink, s, strlen(s));
	w->write(w->sink, "\"", 1);
}

void
csv_end_record(struct csv_writer *w)
{
	w->write(w->sink, "\r\n", 2);
	w->in_record = false;
}
