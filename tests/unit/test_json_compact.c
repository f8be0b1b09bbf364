#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/json_compact.h"
#include "tap.h"

static char *
compact(const char *in)
{
	size_t n = strlen(in);
	char *out = malloc(n + 1);
	out[json_compact(out, in, n)] = '\0';
	return out;
}

static void
check(const char *in, const char *want, const char *what)
{
	char *got = compact(in);
	CHECK_STR(got, want, "%s", what);
	free(got);
}

/* The same document, as cJSON reads it, before and after. */
static void
same_document(const char *in, const char *what)
{
	char *c = compact(in);
	cJSON *a = cJSON_Parse(in), *b = cJSON_Parse(c);
	char *ta = a ? cJSON_PrintUnformatted(a) : NULL, *tb = b ? cJSON_PrintUnformatted(b) : NULL;
	CHECK(ta && tb && strcmp(ta, tb) == 0, "%s", what);
	free(ta);
	free(tb);
	cJSON_Delete(a);
	cJSON_Delete(b);
	free(c);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A page as PostgreSQL writes it: 200 measures of mixed Chinese and English, json_agg'd. */
static char *
big_page(size_t *len)
{
	const char *item =
	    "{\"code\" : \"3.1.2\", \"section\" : \"3.1\", \"chapter\" : 3, \"part\" : 1, "
	    "\"text_zh\" : \"加强知识产权保护，完善知识产权保护体系，\\\"严格\\\"执法。\", "
	    "\"text_en\" : \"Strengthen the protection of intellectual property rights, "
	    "\\\"strictly\\\".\", "
	    "\"agencies\" : [{\"code\" : \"sipo\", \"name_zh\" : \"国家知识产权局\", \"name_en\" : "
	    "\"CNIPA\", \"role\" : \"lead\"}], \"provinces\" : [{\"code\" : \"CN-LN\", \"name_zh\" "
	    ": "
	    "\"辽宁省\", \"name_en\" : \"Liaoning\"}], \"localities\" : [], \"task_count\" : 4}";
	size_t one = strlen(item), n = 200;
	char *out = malloc(2 + n * (one + 4));
	char *o = out;
	*o++ = '[';
	for (size_t i = 0; i < n; i++) {
		if (i) {
			memcpy(o, ", \n ", 4);
			o += 4;
		}
		memcpy(o, item, one);
		o += one;
	}
	*o++ = ']';
	*o = '\0';
	*len = (size_t)(o - out);
	return out;
}

/* The rule, a byte at a time: what the word-at-a-time version must match. */
static size_t
reference(char *dst, const char *src, size_t n)
{
	size_t o = 0;
	bool in_string = false;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (in_string) {
			dst[o++] = c;
			if (c == '\\' && i + 1 < n)
				dst[o++] = src[++i];
			else if (c == '"')
				in_string = false;
		} else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
			dst[o++] = c;
			in_string = c == '"';
		}
	}
	return o;
}

/*
 * Random texts of quotes, backslashes, whitespace and letters, with runs long
 * enough to cross eight-byte words at every offset: the same bytes as the
 * reference, out of place and in place.
 */
static void
random_texts(void)
{
	const char alphabet[] = "\"\"\\\\  \n\tabcdefghijklmnop\xe4\xb8\xad";
	unsigned seed = 12345;
	int bad = 0;
	for (int round = 0; round < 20000; round++) {
		char in[96], want[96], got[96], same[96];
		size_t n = (size_t)(round % 96);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly letters, so that strings run past a word. */
			unsigned r = (seed >> 16) % 64;
			in[i] = r < sizeof(alphabet) - 1 ? alphabet[r] : (char)('a' + r % 26);
		}
		size_t wn = reference(want, in, n);
		size_t gn = json_compact(got, in, n);
		memcpy(same, in, n);
		size_t sn = json_compact(same, same, n);
		if (gn != wn || memcmp(got, want, wn) != 0 || sn != wn ||
		    memcmp(same, want, wn) != 0)
			bad++;
	}
	CHECK(bad == 0, "20,000 random texts match the byte-at-a-time rule (%d differ)", bad);
}

int
main(void)
{
	check("{\"code\" : \"3.1.1\", \"n\" : 2}", "{\"code\":\"3.1.1\",\"n\":2}",
	      "json_build_object's spacing goes");
	check("[{\"a\" : 1}, \n {\"a\" : 2}]", "[{\"a\":1},{\"a\":2}]", "json_agg's newlines go");
	check("{\"a\": [1, 2], \"b\": {\"c\": null}}", "{\"a\":[1,2],\"b\":{\"c\":null}}",
	      "jsonb's spacing goes");
	check(" \t\r\n{ } \n", "{}", "leading and trailing whitespace goes");
	check("{\"k\" : \"a b  c\"}", "{\"k\":\"a b  c\"}", "spaces inside strings stay");
	check("{\"k\" : \"say \\\"hi , there\\\" : ok\"}",
	      "{\"k\":\"say \\\"hi , there\\\" : ok\"}",
	      "an escaped quote does not end the string");
	check("[\"back\\\\\" , \"slash\"]", "[\"back\\\\\",\"slash\"]",
	      "an escaped backslash before the closing quote");
	check("[\"\\\\\\\"\" , 1]", "[\"\\\\\\\"\",1]", "backslash, then escaped quote");
	check("{\"name_zh\" : \"国家 知识产权局\", \"e\" : \"\xf0\x9f\x98\x80 x\"}",
	      "{\"name_zh\":\"国家 知识产权局\",\"e\":\"\xf0\x9f\x98\x80 x\"}",
	      "UTF-8 in strings is copied byte for byte");
	check("{\"u\" : \"\\u0020 \\n\"}", "{\"u\":\"\\u0020 \\n\"}",
	      "escapes are kept as written");
	check("", "", "empty text");
	check("[1.5e3, -0, true, false]", "[1.5e3,-0,true,false]", "numbers and literals kept");

	/* Unterminated text: never read or write past n. */
	char buf[8] = { '"', 'a', ' ', '\\', 'X', 'X', 'X', 'X' };
	char out[8];
	memset(out, '#', sizeof(out));
	size_t n = json_compact(out, buf, 4);
	CHECK(n == 4 && memcmp(out, "\"a \\", 4) == 0 && out[4] == '#',
	      "an unterminated string ending in a backslash stops at n");

	char in_place[] = "{\"a\" : [1, \"x y\"], \"b\" : 2}";
	in_place[json_compact(in_place, in_place, strlen(in_place))] = '\0';
	CHECK_STR(in_place, "{\"a\":[1,\"x y\"],\"b\":2}", "compacting in place");

	same_document("{\"a\" : {\"b\" : [1, 2, {\"c\" : \"d \\\" e\"}]}, \"f\" : \"知 识\"}",
	              "the document is unchanged");

	random_texts();

	size_t len;
	char *page = big_page(&len);
	same_document(page, "a page of 200 measures is the same document");
	char *dst = malloc(len);
	int rounds = 200;
	double t0 = now_s();
	size_t kept = 0;
	for (int i = 0; i < rounds; i++)
		kept += json_compact(dst, page, len);
	double dt = now_s() - t0;
	CHECK(kept / (size_t)rounds < len, "a page gets shorter");
	/* Not asserted: how long an answer's pass costs on this machine. */
	printf("# json_compact: %zu KB page in %.1f us (%.0f MB/s), %zu KB after\n", len / 1024,
	       dt / rounds * 1e6, (double)len * rounds / dt / 1e6, kept / (size_t)rounds / 1024);
	free(dst);
	free(page);
	return tap_done();
}
