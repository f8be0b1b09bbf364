#include "api/files.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/util.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* ---------------------------------------------------------------------------
 * What a file is, by its bytes
 */

#define DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PPTX "application/vnd.openxmlformats-officedocument.presentationml.presentation"
#define ODT  "application/vnd.oasis.opendocument.text"
#define ODS  "application/vnd.oasis.opendocument.spreadsheet"
#define ODP  "application/vnd.oasis.opendocument.presentation"

enum { FT_PDF, FT_PNG, FT_JPEG, FT_DOCX, FT_XLSX, FT_PPTX, FT_DOC, FT_XLS, FT_ODT, FT_ODS, FT_ODP };

/* Indexed by the FT_ values. */
static const struct file_type file_types[] = {
	{ "application/pdf", "a PDF document", ".pdf" },
	{ "image/png", "a PNG image", ".png" },
	{ "image/jpeg", "a JPEG image", ".jpg .jpeg" },
	{ DOCX, "a Word document (DOCX)", ".docx" },
	{ XLSX, "an Excel workbook (XLSX)", ".xlsx" },
	{ PPTX, "a PowerPoint presentation (PPTX)", ".pptx" },
	{ "application/msword", "a Word 97-2003 document (DOC)", ".doc" },
	{ "application/vnd.ms-excel", "an Excel 97-2003 workbook (XLS)", ".xls" },
	{ ODT, "an OpenDocument text (ODT)", ".odt" },
	{ ODS, "an OpenDocument spreadsheet (ODS)", ".ods" },
	{ ODP, "an OpenDocument presentation (ODP)", ".odp" },
};

const char *
file_types_accepted(void)
{
	return "PDF, PNG, JPEG, DOCX, XLSX, PPTX, DOC, XLS, ODT, ODS or ODP";
}

static const char *const damaged_zip = "a damaged ZIP archive: its directory does not add up";
static const char *const damaged_ole =
    "a damaged OLE2 (DOC/XLS) file: its directory does not add up";
static const char *const with_macros =
    "a document with macros (VBA or scripts) is not accepted: save it without them "
    "(as DOCX, XLSX or PPTX, not DOCM or XLSM) or as PDF";
static const char *const with_password =
    "a password-protected document cannot be checked: remove the password, or save it as PDF";

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool
name_is(const unsigned char *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static bool
name_ends_with_ci(const unsigned char *name, size_t len, const char *end)
{
	size_t n = strlen(end);
	return len >= n && strncasecmp((const char *)name + len - n, end, n) == 0;
}

static bool
name_starts_with(const unsigned char *name, size_t len, const char *start)
{
	size_t n = strlen(start);
	return len >= n && memcmp(name, start, n) == 0;
}

/*
 * An ODF document: its first entry is "mimetype", stored uncompressed, holding
 * the document's media type (OpenDocument 1.2, part 3, 3.3). -1 when not one.
 */
static int
odf_type(const unsigned char *d, size_t n)
{
	if (n < 30 + 8)
		return -1;
	size_t name_len = le16(d + 26), extra_len = le16(d + 28), size = le32(d + 18);
	if (le16(d + 8) != 0 || name_len != 8 || !name_is(d + 30, name_len, "mimetype"))
		return -1;
	size_t start = 30 + name_len + extra_len;
	if (start > n || size > n - start)
		return -1;
	const unsigned char *mt = d + start;
	if (name_is(mt, size, ODT))
		return FT_ODT;
	if (name_is(mt, size, ODS))
		return FT_ODS;
	if (name_is(mt, size, ODP))
		return FT_ODP;
	return -1;
}

/*
 * A ZIP archive: OOXML (DOCX, XLSX, PPTX) by [Content_Types].xml and the main
 * part's entry, ODF by its mimetype entry; macros and encryption refused. Only
 * the central directory is read (names and flags), nothing is inflated.
 */
static int
zip_type(const unsigned char *d, size_t n, const char **why)
{
	if (n < 22)
		return *why = damaged_zip, -1;
	/* The end-of-central-directory record: last in the file, before a comment of up to 64 KiB.
	 */
	size_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
	size_t eocd = SIZE_MAX;
	for (size_t i = n - 22 + 1; i-- > lowest;) {
		if (le32(d + i) == 0x06054b50) {
			eocd = i;
			break;
		}
	}
	if (eocd == SIZE_MAX)
		return *why = "a ZIP archive without its directory: is it cut short?", -1;
	const unsigned char *e = d + eocd;
	uint32_t entries = le16(e + 10), dir_size = le32(e + 12), dir_at = le32(e + 16);
	if (le16(e + 4) != 0 || le16(e + 6) != 0 || entries == 0xffff || dir_at == 0xffffffff)
		return *why = "a split or ZIP64 archive, which this server cannot check", -1;
	if ((uint64_t)dir_at + dir_size > eocd)
		return *why = damaged_zip, -1;
	bool content_types = false, word = false, xl = false, ppt = false;
	bool macros = false, encrypted = false;
	size_t pos = dir_at, end = (size_t)dir_at + dir_size;
	for (uint32_t k = 0; k < entries; k++) {
		if (end - pos < 46 || le32(d + pos) != 0x02014b50)
			return *why = damaged_zip, -1;
		size_t name_len = le16(d + pos + 28), extra_len = le16(d + pos + 30),
		       comment_len = le16(d + pos + 32);
		if (end - pos - 46 < name_len + extra_len + comment_len)
			return *why = damaged_zip, -1;
		const unsigned char *name = d + pos + 46;
		if (le16(d + pos + 8) & 1)
			encrypted = true;
		content_types |= name_is(name, name_len, "[Content_Types].xml");
		word |= name_is(name, name_len, "word/document.xml");
		xl |= name_is(name, name_len, "xl/workbook.xml");
		ppt |= name_is(name, name_len, "ppt/presentation.xml");
		/* VBA in OOXML (DOCM, XLSM, PPTM); Basic and scripts in ODF. */
		macros |= name_ends_with_ci(name, name_len, "vbaProject.bin") ||
		          name_starts_with(name, name_len, "Basic/") ||
		          name_starts_with(name, name_len, "Scripts/");
		pos += 46 + name_len + extra_len + comment_len;
	}
	if (encrypted)
		return *why = with_password, -1;
	if (macros)
		return *why = with_macros, -1;
	if (content_types && word + xl + ppt == 1)
		return word ? FT_DOCX : xl ? FT_XLSX : FT_PPTX;
	int odf = odf_type(d, n);
	if (odf >= 0)
		return odf;
	if (content_types)
		return *why = "an Office Open XML package that is not a Word, Excel or PowerPoint "
		              "document",
		       -1;
	return -1; /* a ZIP of something else */
}

#define CFB_END_OF_CHAIN 0xfffffffeu
#define CFB_ENTRY_SIZE   128

struct cfb {
	const unsigned char *d;
	size_t n;
	size_t sector_size;
	uint64_t sectors; /* whole sectors after the header */
	uint32_t *fat;    /* the FAT's sector numbers */
	uint32_t nfat;
};

/* Sector s, or NULL when it is not within the file. */
static const unsigned char *
cfb_sector(const struct cfb *c, uint32_t s)
{
	return s < c->sectors ? c->d + ((uint64_t)s + 1) * c->sector_size : NULL;
}

/* The sector after s in its chain (the FAT's entry for s); false when unreadable. */
static bool
cfb_next(const struct cfb *c, uint32_t s, uint32_t *next)
{
	uint32_t per = (uint32_t)(c->sector_size / 4);
	if (s / per >= c->nfat)
		return false;
	const unsigned char *fat = cfb_sector(c, c->fat[s / per]);
	if (!fat)
		return false;
	*next = le32(fat + 4 * (s % per));
	return true;
}

/* Whether a directory entry's name (UTF-16LE, with its length in bytes) is the ASCII want. */
static bool
cfb_name_is(const unsigned char *entry, const char *want)
{
	size_t bytes = le16(entry + 0x40);
	size_t chars = strlen(want);
	if (bytes != 2 * (chars + 1))
		return false;
	for (size_t i = 0; i < chars; i++)
		if (le16(entry + 2 * i) != (unsigned char)want[i])
			return false;
	return true;
}

/*
 * An OLE2 compound file ([MS-CFB]): DOC by its WordDocument stream, XLS by
 * Workbook (or Book), walking the directory's sector chain through the FAT.
 * Macro storages and an encrypted OOXML package are refused.
 */
static int
ole_type(const unsigned char *d, size_t n, const char **why)
{
	if (n < 512 || le16(d + 0x1c) != 0xfffe)
		return *why = damaged_ole, -1;
	uint16_t shift = le16(d + 0x1e);
	if (shift != 9 && shift != 12)
		return *why = damaged_ole, -1;
	struct cfb c = { .d = d, .n = n, .sector_size = (size_t)1 << shift };
	c.sectors = n / c.sector_size - 1;
	c.nfat = le32(d + 0x2c);
	if (c.nfat == 0 || c.nfat > c.sectors)
		return *why = damaged_ole, -1;
	c.fat = xcalloc(c.nfat, sizeof(*c.fat));
	int type = -1;
	*why = damaged_ole;
	/* The FAT's sector numbers: 109 in the header, the rest in a chain of DIFAT sectors. */
	uint32_t got = 0;
	for (; got < c.nfat && got < 109; got++)
		c.fat[got] = le32(d + 0x4c + 4 * got);
	uint32_t per = (uint32_t)(c.sector_size / 4);
	uint32_t s = le32(d + 0x44);
	for (uint64_t steps = 0; got < c.nfat; steps++) {
		const unsigned char *difat = cfb_sector(&c, s);
		if (!difat || steps > c.sectors)
			goto out;
		for (uint32_t j = 0; j + 1 < per && got < c.nfat; j++)
			c.fat[got++] = le32(difat + 4 * j);
		s = le32(difat + 4 * (per - 1));
	}
	bool word = false, excel = false, powerpoint = false, macros = false, encrypted = false;
	s = le32(d + 0x30);
	for (uint64_t steps = 0; s != CFB_END_OF_CHAIN; steps++) {
		const unsigned char *dir = cfb_sector(&c, s);
		if (!dir || steps > c.sectors)
			goto out;
		for (size_t off = 0; off + CFB_ENTRY_SIZE <= c.sector_size; off += CFB_ENTRY_SIZE) {
			const unsigned char *entry = dir + off;
			unsigned char kind = entry[0x42]; /* 1 storage, 2 stream, 5 root */
			if (kind == 2) {
				word |= cfb_name_is(entry, "WordDocument");
				excel |=
				    cfb_name_is(entry, "Workbook") || cfb_name_is(entry, "Book");
				powerpoint |= cfb_name_is(entry, "PowerPoint Document");
				encrypted |= cfb_name_is(entry, "EncryptedPackage");
			} else if (kind == 1) {
				macros |= cfb_name_is(entry, "Macros") ||
				          cfb_name_is(entry, "_VBA_PROJECT_CUR") ||
				          cfb_name_is(entry, "VBA");
			}
		}
		if (!cfb_next(&c, s, &s))
			goto out;
	}
	if (encrypted)
		*why = with_password;
	else if (macros)
		*why = with_macros;
	else if (word && !excel)
		type = FT_DOC;
	else if (excel && !word)
		type = FT_XLS;
	else if (powerpoint)
		*why = "a PowerPoint 97-2003 (PPT) file is not accepted: save it as PPTX or PDF";
	else
		*why = "an OLE2 compound file that is neither a Word nor an Excel document";
out:
	free(c.fat);
	return type;
}

const struct file_type *
file_type_sniff(const void *data, size_t len, const char **why)
{
	const unsigned char *d = data;
	int type = -1;
	*why = NULL;
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const unsigned char ole[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	if (len >= 8 && memcmp(d, "%PDF-", 5) == 0)
		type = FT_PDF;
	else if (len >= 16 && memcmp(d, png, sizeof(png)) == 0 && memcmp(d + 12, "IHDR", 4) == 0)
		type = FT_PNG;
	else if (len >= 4 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff && d[3] >= 0xc0 &&
	         d[3] != 0xff)
		type = FT_JPEG;
	else if (len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
		type = zip_type(d, len, why);
	else if (len >= 8 && memcmp(d, ole, sizeof(ole)) == 0)
		type = ole_type(d, len, why);
	return type >= 0 ? &file_types[type] : NULL;
}

/* ---------------------------------------------------------------------------
 * The API
 */

/* The caller's role, agency and province as SQL text parameters (NULL when absent). */
static void
caller_params(const struct http_ctx *ctx, const char **role, const char **agency,
              const char **province)
{
	*role = role_name(ctx->caller.role);
	*agency = ctx->caller.agency[0] ? ctx->caller.agency : NULL;
	*province = ctx->caller.province[0] ? ctx->caller.province : NULL;
}

/*
 * The media type a Content-Type header names, lower-cased and without its
 * parameters, into out; false when there is none (or it is absurdly long).
 */
static bool
declared_type(const char *header, char *out, size_t outlen)
{
	if (!header)
		return false;
	while (*header == ' ' || *header == '\t')
		header++;
	size_t n = strcspn(header, ";");
	while (n && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= outlen)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(header[i] >= 'A' && header[i] <= 'Z' ? header[i] + 32 : header[i]);
	out[n] = '\0';
	return true;
}

/* Whether name ends in one of the type's extensions (case aside). */
static bool
extension_fits(const char *name, const struct file_type *t)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return false;
	size_t n = strlen(dot);
	for (const char *e = t->extensions; *e;) {
		size_t len = strcspn(e, " ");
		if (len == n && strncasecmp(e, dot, n) == 0)
			return true;
		e += len;
		while (*e == ' ')
			e++;
	}
	return false;
}

/* What is wrong with a file's name beyond its length and characters (PARAM_SEARCH), or NULL. */
static const char *
name_problem(const char *name)
{
	if (strpbrk(name, "/\\"))
		return "must be a file's name without a path: no / or \\";
	if (name[0] == '.')
		return "must not start with a dot";
	return NULL;
}

/* 415, naming what the server takes; Accept-Post lists the types too. */
static void
reply_unsupported(struct http_ctx *ctx, const char *detail)
{
	struct evbuffer *b = evbuffer_new();
	for (size_t i = 0; i < PT_ARRAY_LEN(file_types); i++)
		evbuffer_add_printf(b, "%s%s", i ? ", " : "", file_types[i].media_type);
	evbuffer_add(b, "", 1);
	http_set_header(ctx, "Accept-Post", (const char *)evbuffer_pullup(b, -1));
	evbuffer_free(b);
	http_reply_problem(ctx, 415, "unsupported-media-type", NULL, detail, NULL);
}

static void
reply_name_error(struct http_ctx *ctx, const char *message)
{
	cJSON *errors = cJSON_CreateObject();
	cJSON_AddStringToObject(errors, "name", message);
	api_reply_invalid_query(ctx, NULL, errors);
}

static void
file_attached(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	http_set_header(ctx, "Location", PQgetvalue(r->res, 0, 5));
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 4));
}

static const struct api_param upload_params[] = { { "name", PARAM_SEARCH } };

void
api_task_files_upload(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, upload_params, PT_ARRAY_LEN(upload_params), &q))
		return;
	const char *name = api_query_get(&q, "name");
	const char *problem =
	    name ? name_problem(name) : "is required: the file's name, e.g. ?name=report.pdf";
	if (problem) {
		reply_name_error(ctx, problem);
		api_query_clear(&q);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	size_t len = evbuffer_get_length(in);
	char declared[128];
	bool has_type = declared_type(
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Content-Type"),
	    declared, sizeof(declared));
	if (len == 0 || !has_type) {
		if (len == 0)
			http_reply_problem(ctx, 400, "malformed-body", NULL,
			                   "the body is empty: send the file's bytes as the body",
			                   NULL);
		else
			reply_unsupported(ctx, "send the file's media type as Content-Type (or "
			                       "application/octet-stream, to let the server tell)");
		api_query_clear(&q);
		return;
	}
	/* Out of evhttp's buffer as it is copied: one copy of the file at a time. */
	unsigned char *data = xmalloc(len);
	evbuffer_remove(in, data, len);
	const char *why;
	const struct file_type *t = file_type_sniff(data, len, &why);
	char detail[512];
	if (!t) {
		if (why)
			snprintf(detail, sizeof(detail), "%s; the server takes %s files", why,
			         file_types_accepted());
		else
			snprintf(detail, sizeof(detail),
			         "the file is none of the types the server takes: %s (told by "
			         "the content, whatever its name or Content-Type)",
			         file_types_accepted());
		reply_unsupported(ctx, detail);
	} else if (strcmp(declared, t->media_type) != 0 &&
	           strcmp(declared, "application/octet-stream") != 0) {
		snprintf(detail, sizeof(detail),
		         "the body is %s (%s), not %s as its Content-Type says; the type is told "
		         "by the content",
		         t->label, t->media_type, declared);
		reply_unsupported(ctx, detail);
		t = NULL;
	} else if (!extension_fits(name, t)) {
		snprintf(detail, sizeof(detail), "must end in %s, as the file is %s", t->extensions,
		         t->label);
		reply_name_error(ctx, detail);
		t = NULL;
	}
	if (!t) {
		free(data);
		api_query_clear(&q);
		return;
	}
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role,
		                 agency,
		                 province,
		                 ctx->caller.user_id,
		                 route_match_param(&ctx->match, "id"),
		                 name,
		                 t->media_type,
		                 NULL };
	struct db_options opts = {
		.binary_param = 7,
		.binary_data = data,
		.binary_len = len,
	};
	http_query_with(ctx, &sql_task_file_attach, values, &opts, file_attached);
	api_query_clear(&q);
}

static const struct api_param page_params[] = { { "limit", PARAM_LIMIT },
	                                        { "cursor", PARAM_CURSOR } };

void
api_task_files_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"), api_query_after(&q),
		                 q.limit_text };
	api_read_page(ctx, &q, &sql_task_file_list, values);
}

/* RFC 5987's attr-char: what filename* may carry without a percent-escape. */
static bool
attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

/*
 * Content-Disposition for a download (RFC 6266): attachment, an ASCII
 * filename for old clients (each other character a '_') and the exact name
 * as filename* in UTF-8 (RFC 5987), so a Chinese name arrives as it was.
 */
static char *
content_disposition(const char *name, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add_printf(b, "attachment; filename=\"");
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)name[i++];
		if (c >= 0x80)
			while (i < len && ((unsigned char)name[i] & 0xc0) == 0x80)
				i++;
		bool plain = c >= 0x20 && c < 0x7f && !strchr("\"\\%;", c);
		evbuffer_add(b, plain ? (const char *)&c : "_", 1);
	}
	evbuffer_add_printf(b, "\"; filename*=UTF-8''");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (attr_char(c))
			evbuffer_add(b, &c, 1);
		else
			evbuffer_add_printf(b, "%%%02X", c);
	}
	size_t n = evbuffer_get_length(b);
	char *out = xmalloc(n + 1);
	evbuffer_remove(b, out, n);
	out[n] = '\0';
	evbuffer_free(b);
	return out;
}

static void
file_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		api_reply_not_found(ctx, "file", route_match_param(&ctx->match, "file_id"));
		return;
	}
	/* Binary results: the text columns are their bytes, NUL-terminated by libpq. */
	const char *media_type = PQgetvalue(r->res, 0, 0);
	const char *sha256 = PQgetvalue(r->res, 0, 2);
	char *disposition =
	    content_disposition(PQgetvalue(r->res, 0, 1), PQgetlength(r->res, 0, 1));
	http_set_header(ctx, "Content-Disposition", disposition);
	free(disposition);
	/*
	 * Never run or shown as a page of this site, whatever a browser makes of
	 * the bytes; nor framed (the rule every other answer carries).
	 */
	http_set_header(ctx, "Content-Security-Policy",
	                "sandbox; default-src 'none'; frame-ancestors 'none'");
	http_set_header(ctx, "Cache-Control", "private, no-store");
	char etag[80];
	snprintf(etag, sizeof(etag), "\"%s\"", sha256);
	http_set_header(ctx, "ETag", etag);
	unsigned char digest[32];
	size_t digest_len = 0;
	if (sodium_hex2bin(digest, sizeof(digest), sha256, strlen(sha256), NULL, &digest_len,
	                   NULL) == 0 &&
	    digest_len == sizeof(digest)) {
		/* RFC 9530: the client can check what it got. */
		char b64[64], repr[80];
		sodium_bin2base64(b64, sizeof(b64), digest, sizeof(digest),
		                  sodium_base64_VARIANT_ORIGINAL);
		snprintf(repr, sizeof(repr), "sha-256=:%s:", b64);
		http_set_header(ctx, "Repr-Digest", repr);
	}
	struct evbuffer *body = evbuffer_new();
	evbuffer_add(body, PQgetvalue(r->res, 0, 3), (size_t)PQgetlength(r->res, 0, 3));
	http_reply_buffer(ctx, 200, media_type, body);
	evbuffer_free(body);
}

void
api_task_files_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"),
		                 route_match_param(&ctx->match, "file_id") };
	struct db_options opts = { .binary_param = -1, .binary_results = true };
	http_query_with(ctx, &sql_task_file_content, values, &opts, file_read);
}
