/*
 * The CSV writer (lib/core/csv.c). The input is a table: records separated
 * by 0xFF, fields by 0x00, a field of the one byte 0xFE is NULL. What the
 * writer makes of it is read back by a strict RFC 4180 reader written here,
 * and must give the same records and fields: a writer that lets a comma, a
 * quote or a line break through unquoted shifts every later column in the
 * spreadsheet of whoever opens the export.
 */
#include <stdbool.h>
#include <string.h>

#include "core/csv.h"
#include "core/util.h"
#include "fuzz.h"

struct out {
	char *bytes;
	size_t len, cap;
};

static void
out_sink(void *sink, const void *bytes, size_t len)
{
	struct out *o = sink;
	if (o->len + len > o->cap) {
		o->cap = 2 * (o->len + len) + 64;
		o->bytes = xrealloc(o->bytes, o->cap);
	}
	memcpy(o->bytes + o->len, bytes, len);
	o->len += len;
}

/*
 * Reads one field at *pos of a CSV document into f (room for len + 1 bytes),
 * strictly: a quoted field ends at a lone quote, an unquoted one holds no
 * quote, CR or LF. Sets *last when a CRLF ends the record after it. False
 * when malformed.
 */
static bool
read_field(const char *s, size_t len, size_t *pos, bool *last, char *f)
{
	size_t n = 0, i = *pos;
	if (i < len && s[i] == '"') {
		for (i++;; i++) {
			if (i >= len)
				return false; /* never closed */
			if (s[i] == '"') {
				if (i + 1 < len && s[i + 1] == '"') {
					f[n++] = '"';
					i++;
					continue;
				}
				i++;
				break;
			}
			f[n++] = s[i];
		}
	} else {
		for (; i < len && s[i] != ',' && s[i] != '\r'; i++) {
			if (s[i] == '"' || s[i] == '\n')
				return false;
			f[n++] = s[i];
		}
	}
	if (i < len && s[i] == ',') {
		*last = false;
		i++;
	} else if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
		*last = true;
		i += 2;
	} else {
		return false; /* every record, the last too, ends in CRLF */
	}
	f[n] = '\0';
	*pos = i;
	return true;
}

/*
 * Whether the reader's field is what was written. A writer that defuses
 * spreadsheet formulas (OWASP: a cell starting with = + - @ TAB or CR gets an
 * apostrophe in front) is also right.
 */
static bool
same_field(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return true;
	return want[0] && strchr("=+-@\t\r", want[0]) && got[0] == '\'' &&
	       strcmp(got + 1, want) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct out o = { 0 };
	struct csv_writer w;
	csv_begin(&w, out_sink, &o);
	size_t records = 0;
	for (size_t start = 0; start <= size;) {
		const uint8_t *rend = memchr(data + start, 0xFF, size - start);
		size_t rlen = rend ? (size_t)(rend - (data + start)) : size - start;
		for (size_t f = start; f <= start + rlen;) {
			const uint8_t *fend = memchr(data + f, 0x00, start + rlen - f);
			size_t flen = fend ? (size_t)(fend - (data + f)) : start + rlen - f;
			char *field = xstrndup((const char *)data + f, flen);
			csv_field(&w, strcmp(field, "\xFE") == 0 ? NULL : field);
			free(field);
			f += flen + 1;
		}
		csv_end_record(&w);
		records++;
		start += rlen + 1;
	}

	FUZZ_CHECK(o.len >= 3 && memcmp(o.bytes, "\xEF\xBB\xBF", 3) == 0,
	           "the document opens with the byte-order mark");
	size_t pos = 3, read_records = 0;
	char *got = xmalloc(o.len + 1);
	for (size_t start = 0; start <= size;) {
		const uint8_t *rend = memchr(data + start, 0xFF, size - start);
		size_t rlen = rend ? (size_t)(rend - (data + start)) : size - start;
		bool last = false;
		for (size_t f = start; f <= start + rlen;) {
			const uint8_t *fend = memchr(data + f, 0x00, start + rlen - f);
			size_t flen = fend ? (size_t)(fend - (data + f)) : start + rlen - f;
			char *want = xstrndup((const char *)data + f, flen);
			if (strcmp(want, "\xFE") == 0)
				want[0] = '\0';
			FUZZ_CHECK(!last, "a record has as many fields as were written");
			FUZZ_CHECK(read_field(o.bytes, o.len, &pos, &last, got),
			           "the writer's CSV reads back strictly");
			FUZZ_CHECK(same_field(got, want), "each field reads back as written");
			free(want);
			f += flen + 1;
		}
		FUZZ_CHECK(last, "a record ends where its last field was written");
		read_records++;
		start += rlen + 1;
	}
	FUZZ_CHECK(read_records == records && pos == o.len, "nothing follows the last record");
	free(got);
	free(o.bytes);
	return 0;
}
