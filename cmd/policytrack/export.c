#include "export.h"

#include <string.h>

#include "core/util.h"

/* Names are joined with 、 in Chinese and "; " in English, in the catalogue's order. */
#define SQL_NAMES(lang, sep, role)                                                                 \
	"(SELECT coalesce(string_agg(a.name_" lang ", '" sep "' ORDER BY a.sort_order), '') "      \
	"FROM measure_agencies ma JOIN agencies a ON a.code = ma.agency_code "                     \
	"WHERE ma.measure_id = m.id AND ma.role = '" role "')"
#define SQL_PROVINCES(lang, sep)                                                                   \
	"(SELECT coalesce(string_agg(p.name_" lang ", '" sep "' ORDER BY p.sort_order), '') "      \
	"FROM measure_provinces mp JOIN provinces p ON p.code = mp.province_code "                 \
	"WHERE mp.measure_id = m.id)"
#define SQL_LOCALITIES(lang, sep)                                                                  \
	"(SELECT coalesce(string_agg(l.name_" lang ", '" sep "' ORDER BY l.sort_order), '') "      \
	"FROM measure_localities ml JOIN localities l ON l.id = ml.locality_id "                   \
	"WHERE ml.measure_id = m.id)"

static const char *const columns[] = {
	"code",         "section",       "text_zh",       "text_en",    "joint",
	"lead_zh",      "lead_en",       "support_zh",    "support_en", "provinces_zh",
	"provinces_en", "localities_zh", "localities_en", "tasks",
};

static const char *const table_sql =
    "SELECT m.code, s.code, m.text_zh, m.text_en, CASE WHEN m.joint THEN 'yes' ELSE 'no' "
    "END, " SQL_NAMES("zh", "、", "lead") ", " SQL_NAMES("en", "; ", "lead") ", " SQL_NAMES("zh", "、", "support") ", " SQL_NAMES(
        "en", "; ",
        "support") ", " SQL_PROVINCES("zh",
                                      "、") ", " SQL_PROVINCES("en",
                                                               "; ") ", " SQL_LOCALITIES("zh",
                                                                                         "、") ","
                                                                                               " " SQL_LOCALITIES(
                                                                                                   "en",
                                                                                                   "; ") ", (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id) "
                                                                                                         "FROM measures m JOIN sections s ON s.id = m.section_id "
                                                                                                         "ORDER BY m.document_id, m.sort_order";

static const char *const json_sql =
    "SELECT coalesce(jsonb_pretty(jsonb_agg(jsonb_build_object("
    "'code', m.code, 'section', s.code, 'text_zh', m.text_zh, 'text_en', m.text_en, "
    "'joint', m.joint, "
    "'agencies', (SELECT jsonb_agg(jsonb_build_object('code', a.code, 'name_zh', a.name_zh, "
    "'name_en', a.name_en, 'role', ma.role, 'rationale', ma.rationale) "
    "ORDER BY ma.role <> 'lead', a.sort_order) FROM measure_agencies ma "
    "JOIN agencies a ON a.code = ma.agency_code WHERE ma.measure_id = m.id), "
    "'provinces', (SELECT jsonb_agg(jsonb_build_object('code', p.code, 'name_zh', p.name_zh, "
    "'name_en', p.name_en, 'rationale', mp.rationale) ORDER BY p.sort_order) "
    "FROM measure_provinces mp JOIN provinces p ON p.code = mp.province_code "
    "WHERE mp.measure_id = m.id), "
    "'localities', (SELECT coalesce(jsonb_agg(jsonb_build_object('name_zh', l.name_zh, "
    "'name_en', l.name_en, 'province', l.province_code) ORDER BY l.sort_order), '[]') "
    "FROM measure_localities ml JOIN localities l ON l.id = ml.locality_id "
    "WHERE ml.measure_id = m.id), "
    "'tasks', (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id)) "
    "ORDER BY m.document_id, m.sort_order)), '[]') "
    "FROM measures m JOIN sections s ON s.id = m.section_id";

bool
export_format_parse(const char *name, enum export_format *out)
{
	if (strcmp(name, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcmp(name, "json") == 0)
		*out = EXPORT_JSON;
	else if (strcmp(name, "markdown") == 0)
		*out = EXPORT_MARKDOWN;
	else
		return false;
	return true;
}

void
export_csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* A Markdown table cell: pipes escaped, line breaks folded. */
static void
markdown_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void
write_csv(PGresult *r, FILE *out)
{
	/* A byte-order mark, so that Excel reads the file as UTF-8 and shows the Chinese. */
	fputs("\xEF\xBB\xBF", out);
	for (size_t c = 0; c < PT_ARRAY_LEN(columns); c++)
		fprintf(out, "%s%s", c ? "," : "", columns[c]);
	fputs("\r\n", out);
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < PQnfields(r); c++) {
			if (c)
				fputc(',', out);
			export_csv_field(out, PQgetvalue(r, i, c));
		}
		fputs("\r\n", out);
	}
}

static void
write_markdown(PGresult *r, FILE *out)
{
	fputs("| code | 措施 | measure | lead | support | provinces | localities |\n"
	      "| --- | --- | --- | --- | --- | --- | --- |\n",
	      out);
	for (int i = 0; i < PQntuples(r); i++) {
		static const int cells[] = { 0, 2, 3, 6, 8, 10, 11 };
		for (size_t c = 0; c < PT_ARRAY_LEN(cells); c++) {
			fputs(c ? " | " : "| ", out);
			markdown_cell(out, PQgetvalue(r, i, cells[c]));
		}
		fputs(" |\n", out);
	}
}

int
export_catalogue(PGconn *conn, enum export_format format, FILE *out, FILE *err)
{
	PGresult *r = PQexec(conn, format == EXPORT_JSON ? json_sql : table_sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack export: reading the catalogue failed: %s",
		        PQerrorMessage(conn));
		PQclear(r);
		return 1;
	}
	switch (format) {
	case EXPORT_CSV:
		write_csv(r, out);
		break;
	case EXPORT_JSON:
		fputs(PQgetvalue(r, 0, 0), out);
		fputc('\n', out);
		break;
	case EXPORT_MARKDOWN:
		write_markdown(r, out);
		break;
	}
	PQclear(r);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "policytrack export: writing the output failed\n");
		return 1;
	}
	return 0;
}
