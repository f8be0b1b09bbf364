#include <string.h>

#include "core/csv.h"
#include "tap.h"

/* A sink into a fixed buffer, NUL-terminated after each write. */
struct buf {
	char text[256];
	size_t len;
	int writes;
};

static void
buf_sink(void *sink, const void *bytes, size_t len)
{
	struct buf *b = sink;
	if (b->len + len < sizeof(b->text)) {
		memcpy(b->text + b->len, bytes, len);
		b->len += len;
		b->text[b->len] = '\0';
	}
	b->writes++;
}

/* The CSV of one record with the given fields, after the byte-order mark. */
static const char *
record(struct buf *b, const char *const *fields, int n)
{
	struct csv_writer w;
	memset(b, 0, sizeof(*b));
	csv_begin(&w, buf_sink, b);
	for (int i = 0; i < n; i++)
		csv_field(&w, fields[i]);
	csv_end_record(&w);
	return b->text + 3;
}

int
main(void)
{
	struct buf b;

	memset(&b, 0, sizeof(b));
	struct csv_writer w;
	csv_begin(&w, buf_sink, &b);
	CHECK(b.len == 3 && memcmp(b.text, "\xEF\xBB\xBF", 3) == 0,
	      "a document opens with the UTF-8 byte-order mark, for Excel");

	const char *plain[] = { "code", "3.1.1", "知识产权局" };
	CHECK_STR(record(&b, plain, 3), "code,3.1.1,知识产权局\r\n",
	          "plain fields are written as they are, records end in CRLF");

	const char *comma[] = { "a,b", "x" };
	CHECK_STR(record(&b, comma, 2), "\"a,b\",x\r\n", "a field with a comma is quoted");

	const char *quote[] = { "say \"hi\"", "\"" };
	CHECK_STR(record(&b, quote, 2), "\"say \"\"hi\"\"\",\"\"\"\"\r\n",
	          "quotes are doubled inside a quoted field");

	const char *breaks[] = { "line\nbreak", "cr\rhere", "crlf\r\n" };
	CHECK_STR(record(&b, breaks, 3), "\"line\nbreak\",\"cr\rhere\",\"crlf\r\n\"\r\n",
	          "line breaks are kept inside quotes");

	const char *empty[] = { "", NULL, "" };
	CHECK_STR(record(&b, empty, 3), ",,\r\n", "empty and NULL fields are empty");

	CHECK_STR(record(&b, NULL, 0), "\r\n", "a record without fields is an empty line");

	memset(&b, 0, sizeof(b));
	csv_begin(&w, buf_sink, &b);
	csv_field(&w, "a");
	csv_field(&w, "b");
	csv_end_record(&w);
	csv_field(&w, "c");
	csv_end_record(&w);
	CHECK_STR(b.text + 3, "a,b\r\nc\r\n", "a new record starts without a separator");

	return tap_done();
}
