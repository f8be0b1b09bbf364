#include "core/csv.h"

#include <stdbool.h>
#include <string.h>

void
csv_begin(struct csv_writer *w, csv_sink_fn write, void *sink)
{
	w->write = write;
	w->sink = sink;
	w->in_record = false;
	w->write(w->sink, "\xEF\xBB\xBF", 3);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* At least one digit from *s on; moves *s past them. */
static bool
skip_digits(const char **s)
{
	const char *start = *s;
	while (is_digit(**s))
		(*s)++;
	return *s > start;
}

/*
 * Whether s is a plain decimal number, as a spreadsheet reads it and as cJSON
 * and PostgreSQL print them: -?digits(.digits)?([eE][+-]?digits)?. Nothing
 * in such a cell can be evaluated, and a negative one must stay a number.
 */
static bool
is_plain_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!skip_digits(&s))
		return false;
	if (*s == '.') {
		s++;
		if (!skip_digits(&s))
			return false;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!skip_digits(&s))
			return false;
	}
	return *s == '\0';
}

bool
csv_needs_neutralising(const char *s)
{
	return s && *s && strchr("=+-@\t\r", *s) && !is_plain_number(s);
}

void
csv_field(struct csv_writer *w, const char *s)
{
	if (w->in_record)
		w->write(w->sink, ",", 1);
	w->in_record = true;
	if (!s)
		return;
	bool neutralise = csv_needs_neutralising(s);
	if (!strpbrk(s, ",\"\r\n")) {
		if (neutralise)
			w->write(w->sink, "'", 1);
		w->write(w->sink, s, strlen(s));
		return;
	}
	w->write(w->sink, neutralise ? "\"'" : "\"", neutralise ? 2 : 1);
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
