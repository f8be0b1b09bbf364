/* Evidence files' type check (api/files.h): by content, with ZIP and OLE2 containers built here. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/files.h"
#include "tap.h"

struct buf {
	unsigned char d[8192];
	size_t n;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > sizeof(b->d))
		abort();
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
put16(struct buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
	put(b, x, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
		               (unsigned char)(v >> 24) };
	put(b, x, 4);
}

struct entry {
	const char *name;
	const char *content;
	unsigned flags;
};

/* A ZIP of stored (uncompressed) entries, as zipfile would write with ZIP_STORED. */
static void
zip(struct buf *b, const struct entry *e, int count)
{
	uint32_t offsets[16];
	b->n = 0;
	for (int i = 0; i < count; i++) {
		offsets[i] = (uint32_t)b->n;
		size_t len = strlen(e[i].content);
		put32(b, 0x04034b50);
		put16(b, 20);
		put16(b, e[i].flags);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, (uint32_t)len);
		put32(b, (uint32_t)len);
		put16(b, (unsigned)strlen(e[i].name));
		put16(b, 0);
		put(b, e[i].name, strlen(e[i].name));
		put(b, e[i].content, len);
	}
	uint32_t dir_at = (uint32_t)b->n;
	for (int i = 0; i < count; i++) {
		size_t len = strlen(e[i].content);
		put32(b, 0x02014b50);
		put16(b, 20);
		put16(b, 20);
		put16(b, e[i].flags);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, (uint32_t)len);
		put32(b, (uint32_t)len);
		put16(b, (unsigned)strlen(e[i].name));
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put16(b, 0);
		put32(b, 0);
		put32(b, offsets[i]);
		put(b, e[i].name, strlen(e[i].name));
	}
	uint32_t dir_size = (uint32_t)b->n - dir_at;
	put32(b, 0x06054b50);
	put16(b, 0);
	put16(b, 0);
	put16(b, (unsigned)count);
	put16(b, (unsigned)count);
	put32(b, dir_size);
	put32(b, dir_at);
	put16(b, 0);
}

struct dir_entry {
	const char *name;
	unsigned char kind; /* 1 storage, 2 stream, 5 root */
};

/* An OLE2 compound file with 512-byte sectors: sector 0 the FAT, sector 1 the directory. */
static void
cfb(struct buf *b, const struct dir_entry *e, int count)
{
	static const unsigned char sig[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	b->n = 0;
	put(b, sig, 8);
	for (int i = 0; i < 16; i++)
		put(b, "", 1); /* CLSID */
	put16(b, 0x3e);
	put16(b, 3);
	put16(b, 0xfffe);
	put16(b, 9);
	put16(b, 6);
	for (int i = 0; i < 6; i++)
		put(b, "", 1);
	put32(b, 0);          /* directory sectors (0 for version 3) */
	put32(b, 1);          /* FAT sectors */
	put32(b, 1);          /* first directory sector */
	put32(b, 0);          /* transaction */
	put32(b, 4096);       /* mini stream cutoff */
	put32(b, 0xfffffffe); /* first mini FAT sector */
	put32(b, 0);
	put32(b, 0xfffffffe); /* first DIFAT sector */
	put32(b, 0);
	put32(b, 0); /* DIFAT[0]: the FAT is sector 0 */
	for (int i = 1; i < 109; i++)
		put32(b, 0xffffffff);
	/* Sector 0: the FAT. */
	put32(b, 0xfffffffd);
	put32(b, 0xfffffffe);
	for (int i = 2; i < 128; i++)
		put32(b, 0xffffffff);
	/* Sector 1: four directory entries. */
	for (int i = 0; i < 4; i++) {
		unsigned char entry[128];
		memset(entry, 0, sizeof(entry));
		if (i < count) {
			size_t n = strlen(e[i].name);
			for (size_t k = 0; k < n; k++)
				entry[2 * k] = (unsigned char)e[i].name[k];
			entry[0x40] = (unsigned char)(2 * (n + 1));
			entry[0x42] = e[i].kind;
		}
		put(b, entry, sizeof(entry));
	}
}

static const char *
sniffed(const void *d, size_t n, const char **why)
{
	const struct file_type *t = file_type_sniff(d, n, why);
	return t ? t->media_type : NULL;
}

/* Every prefix and many one-byte changes: read within bounds (ASan), never accepted by chance. */
static void
robust(const char *name, const struct buf *b)
{
	const char *why;
	const char *whole = sniffed(b->d, b->n, &why);
	bool odd = false;
	for (size_t n = 0; n < b->n; n++)
		(void)sniffed(b->d, n, &why);
	struct buf m = *b;
	srand(7);
	for (int i = 0; i < 3000; i++) {
		size_t at = (size_t)rand() % m.n;
		unsigned char was = m.d[at];
		m.d[at] = (unsigned char)rand();
		const char *got = sniffed(m.d, m.n, &why);
		if (got && whole && strcmp(got, whole) != 0 &&
		    strncmp(whole, "application/vnd", 15) != 0)
			odd = true;
		m.d[at] = was;
	}
	CHECK(!odd, "%s: prefixes and mutations are read within bounds", name);
}

int
main(void)
{
	const char *why;
	CHECK_STR(sniffed("%PDF-1.7\n%\xe2\xe3\n", 13, &why), "application/pdf", "PDF");
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		                             0,    0,   0,   13,  'I',  'H',  'D',  'R' };
	CHECK_STR(sniffed(png, sizeof(png), &why), "image/png", "PNG");
	static const unsigned char jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F' };
	CHECK_STR(sniffed(jpeg, sizeof(jpeg), &why), "image/jpeg", "JPEG");
	CHECK(!sniffed("\x7f"
	               "ELF\x02\x01\x01",
	               7, &why) &&
	          !why,
	      "ELF: unknown, no reason");
	CHECK(!sniffed("MZ\x90\x00\x03", 5, &why) && !why, "EXE: unknown");
	const char *html = "<!doctype html><script>alert(1)</script>";
	CHECK(!sniffed(html, strlen(html), &why) && !why, "HTML: unknown");
	CHECK(!sniffed("", 0, &why), "nothing: unknown");
	CHECK(!sniffed("%PDF", 4, &why), "a cut-off signature: unknown");

	struct buf b;
	const struct entry docx[] = { { "[Content_Types].xml", "<Types/>", 0 },
		                      { "_rels/.rels", "<Relationships/>", 0 },
		                      { "word/document.xml", "<w:document/>", 0 } };
	zip(&b, docx, 3);
	CHECK_STR(sniffed(b.d, b.n, &why),
	          "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	          "DOCX");
	robust("DOCX", &b);
	const struct entry xlsx[] = { { "[Content_Types].xml", "<Types/>", 0 },
		                      { "xl/workbook.xml", "<workbook/>", 0 } };
	zip(&b, xlsx, 2);
	CHECK_STR(sniffed(b.d, b.n, &why),
	          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX");
	const struct entry pptx[] = { { "ppt/presentation.xml", "<p/>", 0 },
		                      { "[Content_Types].xml", "<Types/>", 0 } };
	zip(&b, pptx, 2);
	CHECK_STR(sniffed(b.d, b.n, &why),
	          "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	          "PPTX");
	const struct entry docm[] = { { "[Content_Types].xml", "<Types/>", 0 },
		                      { "word/document.xml", "<w:document/>", 0 },
		                      { "word/vbaProject.bin", "VBA", 0 } };
	zip(&b, docm, 3);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "macros"), "DOCM: refused for macros");
	const struct entry locked[] = { { "[Content_Types].xml", "<Types/>", 1 },
		                        { "word/document.xml", "<w:document/>", 1 } };
	zip(&b, locked, 2);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "password"), "encrypted ZIP: refused");
	const struct entry both[] = { { "[Content_Types].xml", "<Types/>", 0 },
		                      { "word/document.xml", "<w:document/>", 0 },
		                      { "xl/workbook.xml", "<workbook/>", 0 } };
	zip(&b, both, 3);
	CHECK(!sniffed(b.d, b.n, &why) && why, "a package that is two things at once: refused");
	const struct entry plain[] = { { "a.txt", "hello", 0 } };
	zip(&b, plain, 1);
	CHECK(!sniffed(b.d, b.n, &why) && !why, "a plain ZIP: unknown");
	const struct entry odt[] = { { "mimetype", "application/vnd.oasis.opendocument.text", 0 },
		                     { "content.xml", "<office:document-content/>", 0 } };
	zip(&b, odt, 2);
	CHECK_STR(sniffed(b.d, b.n, &why), "application/vnd.oasis.opendocument.text", "ODT");
	robust("ODT", &b);
	const struct entry ods_basic[] = { { "mimetype",
		                             "application/vnd.oasis.opendocument.spreadsheet", 0 },
		                           { "Basic/Standard/Module1.xml", "<script/>", 0 } };
	zip(&b, ods_basic, 2);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "macros"), "ODS with Basic: refused");
	zip(&b, docx, 3);
	b.n -= 22; /* no end-of-directory record */
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "cut short"),
	      "a cut-off ZIP: refused");

	const struct dir_entry doc[] = { { "Root Entry", 5 },
		                         { "WordDocument", 2 },
		                         { "1Table", 2 } };
	cfb(&b, doc, 3);
	CHECK_STR(sniffed(b.d, b.n, &why), "application/msword", "DOC");
	robust("DOC", &b);
	const struct dir_entry xls[] = { { "Root Entry", 5 }, { "Workbook", 2 } };
	cfb(&b, xls, 2);
	CHECK_STR(sniffed(b.d, b.n, &why), "application/vnd.ms-excel", "XLS");
	const struct dir_entry xls95[] = { { "Root Entry", 5 }, { "Book", 2 } };
	cfb(&b, xls95, 2);
	CHECK_STR(sniffed(b.d, b.n, &why), "application/vnd.ms-excel", "XLS (BIFF5, Book)");
	const struct dir_entry doc_macros[] = { { "Root Entry", 5 },
		                                { "WordDocument", 2 },
		                                { "Macros", 1 } };
	cfb(&b, doc_macros, 3);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "macros"), "DOC with macros: refused");
	const struct dir_entry xls_vba[] = { { "Root Entry", 5 },
		                             { "Workbook", 2 },
		                             { "_VBA_PROJECT_CUR", 1 } };
	cfb(&b, xls_vba, 3);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "macros"), "XLS with VBA: refused");
	const struct dir_entry ppt[] = { { "Root Entry", 5 }, { "PowerPoint Document", 2 } };
	cfb(&b, ppt, 2);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "PPT"), "PPT: refused, saying why");
	const struct dir_entry sealed[] = { { "Root Entry", 5 }, { "EncryptedPackage", 2 } };
	cfb(&b, sealed, 2);
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "password"),
	      "an encrypted OOXML package: refused");
	cfb(&b, doc, 3);
	b.d[0x30] = 7; /* the directory's sector is past the end */
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "damaged"),
	      "a bad directory: refused");
	cfb(&b, doc, 3);
	/* The directory's chain loops onto itself: bounded, then refused. */
	b.d[512 + 4] = 1;
	b.d[512 + 5] = b.d[512 + 6] = b.d[512 + 7] = 0;
	CHECK(!sniffed(b.d, b.n, &why) && why && strstr(why, "damaged"),
	      "a looping chain: refused");
	return tap_done();
}
