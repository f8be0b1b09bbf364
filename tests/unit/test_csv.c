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

	/* Formula injection: every cell a spreadsheet would evaluate starts with an apostrophe. */
	const char *formula[] = { "=HYPERLINK(\"http://x\",\"详情\")" };
	CHECK_STR(record(&b, formula, 1), "\"'=HYPERLINK(\"\"http://x\"\",\"\"详情\"\")\"\r\n",
	          "a formula becomes text: apostrophe first, then quoted as any field with quotes");
	const char *starts[] = { "=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tx", "\r=1" };
	CHECK_STR(record(&b, starts, 6), "'=1+1,'+1+1,'-1+1,'@SUM(A1),'\tx,\"'\r=1\"\r\n",
	          "each of =, +, -, @, tab and carriage return at the start is neutralised");
	const char *dde[] = { "-2+3+cmd|' /C calc'!A0", "=cmd|'/c notepad'!A1,x" };
	CHECK_STR(record(&b, dde, 2), "'-2+3+cmd|' /C calc'!A0,\"'=cmd|'/c notepad'!A1,x\"\r\n",
	          "a DDE payload is neutralised, quoted or not");
	const char *inside[] = { "a=b", "1+1", "x@y", "note - =1", " =1" };
	CHECK_STR(record(&b, inside, 5), "a=b,1+1,x@y,note - =1, =1\r\n",
	          "the characters anywhere but first are left alone");
	const char *numbers[] = { "-5", "-0.5", "-1e3", "-2.5E-3", "12", "0" };
	CHECK_STR(record(&b, numbers, 6), "-5,-0.5,-1e3,-2.5E-3,12,0\r\n",
	          "plain numbers, negative ones included, stay numbers");
	const char *almost[] = { "-", "-.5", "-5.", "-5e", "-5 days", "-0x10", "+5", "--5" };
	CHECK_STR(record(&b, almost, 8), "'-,'-.5,'-5.,'-5e,'-5 days,'-0x10,'+5,'--5\r\n",
	          "anything that is not exactly a plain number is neutralised");
	CHECK(!csv_needs_neutralising(NULL) && !csv_needs_neutralising(""),
	      "NULL and empty cells need nothing");
	CHECK(csv_needs_neutralising("@") && csv_needs_neutralising("=") &&
	          !csv_needs_neutralising("-7"),
	      "csv_needs_neutralising says what csv_field does");

	return tap_done();
}
