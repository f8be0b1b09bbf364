/*
 * CSV as spreadsheets read it (RFC 4180): a byte-order mark first, so that
 * Excel takes the file for UTF-8 and shows the Chinese; fields separated by
 * commas, quoted when they hold a comma, a quote or a line break (quotes
 * doubled); each record ended by CRLF. The writer only formats: the bytes go
 * to the caller's sink (a FILE, an evbuffer), so the CLI's export and the
 * dashboards write the same CSV.
 *
 * Formula injection (OWASP, "CSV Injection"): a spreadsheet evaluates a cell
 * that begins with =, +, -, @, a tab or a carriage return, so text a user
 * typed (a task's note: =HYPERLINK(...)) would run when a coordinator opens
 * the file. Such a cell is written with a leading apostrophe, which makes it
 * text and shows it as typed. A plain decimal number (-5, -0.5, -1e3) is not
 * touched: it cannot be evaluated, and a negative figure must stay a number
 * to sort and sum (docs/security.md).
 */
#ifndef PT_CORE_CSV_H
#define PT_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

/* Takes len bytes for the output; the writer never fails, the sink keeps its own errors. */
typedef void (*csv_sink_fn)(void *sink, const void *bytes, size_t len);

struct csv_writer {
	csv_sink_fn write;
	void *sink;
	bool in_record; /* a field has been written since the last record ended */
};

/* Starts a CSV document on sink: writes the byte-order mark. */
void csv_begin(struct csv_writer *w, csv_sink_fn write, void *sink);

/* Whether csv_field writes s with a leading apostrophe (see above). */
bool csv_needs_neutralising(const char *s);

/* Writes the next field of the current record (NULL writes an empty one). */
void csv_field(struct csv_writer *w, const char *s);

/* Ends the current record. */
void csv_end_record(struct csv_writer *w);

#endif
