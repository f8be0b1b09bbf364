#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "pg/sql_names.h"

/* Rows are read in batches, so a long trail needs no memory in proportion to it. */
#define BATCH      10000
#define BATCH_TEXT "10000"

/* What verify prints of the task check before it only counts. */
#define MISMATCHES_SHOWN 50

#define HASH_HEX   64
#define KEY_HEX    (2 * crypto_sign_PUBLICKEYBYTES)
#define SECRET_HEX (2 * crypto_sign_SECRETKEYBYTES)
#define SIG_HEX    (2 * crypto_sign_BYTES)

/* Key and checkpoint files are a few lines; anything longer is not one. */
#define SMALL_FILE_MAX 4096

#define CHECKPOINT_FIRST_LINE "policytrack audit checkpoint 1\n"
#define SECRET_KEY_FIRST_LINE                                                                      \
	"# policytrack audit signing key (Ed25519). Secret: keep it mode 0600, off the\n"          \
	"# database host (docs/operations.md, \"Audit checkpoints\").\n"

/* A checkpoint: the head of the trail as it was, and who signed it. */
struct checkpoint {
	long long events;  /* how many sealed events (the seals' last seq), the head included */
	long long head_id; /* the last sealed event's id (0: the trail was empty) */
	char head_hash[HASH_HEX + 1];
	char taken_at[32]; /* UTC, RFC 3339 */
	unsigned char key[crypto_sign_PUBLICKEYBYTES];
	unsigned char signature[crypto_sign_BYTES];
};

/* What the walks over the trail found. */
struct chain {
	long long events;  /* events in the trail */
	long long seals;   /* seals: the global order's length (its last seq) */
	long long last_id; /* the last seal's event (0: none) */
	char last_anchor[HASH_HEX + 1];
	long long waiting; /* events committed after the seal ran, not sealed yet */
	/* A checkpoint's head met on the way (events of the checkpoint, if any). */
	long long head_seq;
	bool head_seen;
	long long head_event;
	char head_anchor[HASH_HEX + 1];
};

static void
hex_of(char *out, size_t outlen, const unsigned char *bin, size_t len)
{
	sodium_bin2hex(out, outlen, bin, len);
}

/* Exactly len bytes from exactly 2 * len hex digits. */
static bool
bin_of(unsigned char *out, size_t len, const char *hex, size_t hexlen)
{
	size_t got = 0;
	const char *end = NULL;
	return hexlen == 2 * len && sodium_hex2bin(out, len, hex, hexlen, NULL, &got, &end) == 0 &&
	       got == len && end == hex + hexlen;
}

/* A small file, NUL-terminated, into buf (at most SMALL_FILE_MAX bytes); -1 after saying why. */
static long
read_small(const char *what, const char *path, char *buf, size_t cap, struct stat *st, FILE *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(err, "policytrack audit: cannot read %s %s: %s\n", what, path,
		        strerror(errno));
		return -1;
	}
	if (st && fstat(fd, st) != 0) {
		fprintf(err, "policytrack audit: cannot stat %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	size_t n = 0;
	for (;;) {
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(err, "policytrack audit: cannot read %s: %s\n", path,
			        strerror(errno));
			close(fd);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n == cap - 1) {
			fprintf(err, "policytrack audit: %s is not a %s (too long)\n", path, what);
			close(fd);
			return -1;
		}
	}
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

/* Writes all of [p, p+len) to fd; false with errno set. */
static bool
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t put = write(fd, p, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return false;
		p += put;
		len -= (size_t)put;
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* Keys */

int
audit_keygen(const char *path, FILE *out, FILE *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	char *text = sodium_malloc(SMALL_FILE_MAX);
	if (!sk || !text) {
		fprintf(err, "policytrack audit keygen: out of secure memory\n");
		sodium_free(sk);
		sodium_free(text);
		return 1;
	}
	crypto_sign_keypair(pk, sk);
	char sk_hex[SECRET_HEX + 1], pk_hex[KEY_HEX + 1];
	hex_of(sk_hex, sizeof(sk_hex), sk, crypto_sign_SECRETKEYBYTES);
	hex_of(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	int len = snprintf(text, SMALL_FILE_MAX, "%ssecret_key: %s\npublic_key: %s\n",
	                   SECRET_KEY_FIRST_LINE, sk_hex, pk_hex);
	sodium_memzero(sk_hex, sizeof(sk_hex));

	/* O_EXCL: a key that signed checkpoints is never overwritten by mistake. */
	int rc = 1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(err,
		        errno == EEXIST
		            ? "policytrack audit keygen: %s exists; a signing key is never "
		              "overwritten (docs/operations.md, rotating the key)\n"
		            : "policytrack audit keygen: cannot create %s: %s\n",
		        path, strerror(errno));
		goto done;
	}
	/* The mode given to open() is reduced by the umask; the file must be 0600 exactly. */
	if (fchmod(fd, 0600) != 0 || !write_all(fd, text, (size_t)len) || fsync(fd) != 0) {
		fprintf(err, "policytrack audit keygen: cannot write %s: %s\n", path,
		        strerror(errno));
		close(fd);
		unlink(path);
		goto done;
	}
	if (close(fd) != 0) {
		fprintf(err, "policytrack audit keygen: cannot write %s: %s\n", path,
		        strerror(errno));
		unlink(path);
		goto done;
	}
	fprintf(out, "%s\n", pk_hex);
	rc = 0;
done:
	sodium_free(sk);
	sodium_free(text);
	return rc;
}

/* The value after "NAME: " on a line of text, and its length; NULL when there is none. */
static const char *
field_of(const char *text, const char *name, size_t *len)
{
	size_t n = strlen(name);
	for (const char *line = text; line && *line;) {
		if (strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ') {
			const char *v = line + n + 2;
			*len = strcspn(v, "\r\n");
			return v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

/*
 * The secret key from key_path into sk (crypto_sign_SECRETKEYBYTES): the file
 * must be the owner's alone, and the key whole (its public half derived from
 * its seed again).
 */
static int
secret_key_read(const char *path, unsigned char *sk, FILE *err)
{
	char *text = sodium_malloc(SMALL_FILE_MAX);
	if (!text) {
		fprintf(err, "policytrack audit checkpoint: out of secure memory\n");
		return 1;
	}
	struct stat st;
	int rc = 1;
	if (read_small("signing key", path, text, SMALL_FILE_MAX, &st, err) < 0)
		goto done;
	if (st.st_mode & 077) {
		fprintf(err,
		        "policytrack audit checkpoint: %s is open to others (mode %04o); the "
		        "signing key must be its owner's alone: chmod 600 %s\n",
		        path, (unsigned)(st.st_mode & 07777), path);
		goto done;
	}
	size_t len;
	const char *hex = field_of(text, "secret_key", &len);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char *check = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!hex || !check || !bin_of(sk, crypto_sign_SECRETKEYBYTES, hex, len) ||
	    crypto_sign_seed_keypair(pk, check, sk) != 0 ||
	    sodium_memcmp(check, sk, crypto_sign_SECRETKEYBYTES) != 0) {
		fprintf(err,
		        "policytrack audit checkpoint: %s is not a signing key made by "
		        "`policytrack audit keygen`\n",
		        path);
		sodium_free(check);
		goto done;
	}
	sodium_free(check);
	rc = 0;
done:
	sodium_free(text);
	return rc;
}

int
audit_public_key_read(const char *hex, const char *path, unsigned char key[AUDIT_PUBLIC_KEY_BYTES],
                      FILE *err)
{
	char text[SMALL_FILE_MAX];
	if (path) {
		if (read_small("public key file", path, text, sizeof(text), NULL, err) < 0)
			return 1;
		/* What keygen printed (the hex alone), or a key file's public_key line. */
		size_t len;
		const char *v = field_of(text, "public_key", &len);
		if (!v) {
			v = text + strspn(text, " \t\r\n");
			len = strcspn(v, " \t\r\n");
			if (v[len + strspn(v + len, " \t\r\n")] != '\0')
				len = 0;
		}
		if (!bin_of(key, AUDIT_PUBLIC_KEY_BYTES, v, len)) {
			fprintf(err,
			        "policytrack audit: %s does not hold a public key (%d hex "
			        "digits, as `policytrack audit keygen` prints it)\n",
			        path, KEY_HEX);
			return 1;
		}
		return 0;
	}
	if (!bin_of(key, AUDIT_PUBLIC_KEY_BYTES, hex, strlen(hex))) {
		fprintf(err,
		        "policytrack audit: the public key must be %d hex digits, as "
		        "`policytrack audit keygen` prints it\n",
		        KEY_HEX);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Checkpoint files */

/* The signed part of a checkpoint: every line but the signature's. */
static int
checkpoint_message(const struct checkpoint *cp, char *buf, size_t cap)
{
	char key[KEY_HEX + 1];
	hex_of(key, sizeof(key), cp->key, sizeof(cp->key));
	return snprintf(buf, cap,
	                CHECKPOINT_FIRST_LINE "events: %lld\nhead_id: %lld\nhead_hash: %s\n"
	                                      "taken_at: %s\npublic_key: %s\n",
	                cp->events, cp->head_id, cp->head_hash, cp->taken_at, key);
}

static bool
is_hash(const char *s, size_t len)
{
	if (len != HASH_HEX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A whole decimal number >= 0 in [s, s+len). */
static bool
count_of(const char *s, size_t len, long long *out)
{
	char tmp[24];
	int64_t v;
	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (!pt_parse_int64(tmp, 0, INT64_MAX, &v))
		return false;
	*out = (long long)v;
	return true;
}

/*
 * Reads a checkpoint file. It must be exactly what checkpoint_message() and a
 * signature line make of its fields, so that what is signed is what is read.
 */
static int
checkpoint_read(const char *path, struct checkpoint *cp, FILE *err)
{
	char text[SMALL_FILE_MAX], again[SMALL_FILE_MAX];
	long n = read_small("checkpoint", path, text, sizeof(text), NULL, err);
	if (n < 0)
		return 1;
	memset(cp, 0, sizeof(*cp));
	const char *v;
	size_t len;
	bool ok = strncmp(text, CHECKPOINT_FIRST_LINE, strlen(CHECKPOINT_FIRST_LINE)) == 0;
	ok = ok && (v = field_of(text, "events", &len)) && count_of(v, len, &cp->events);
	ok = ok && (v = field_of(text, "head_id", &len)) && count_of(v, len, &cp->head_id);
	ok = ok && (v = field_of(text, "head_hash", &len)) && is_hash(v, len);
	if (ok)
		memcpy(cp->head_hash, v, HASH_HEX);
	ok = ok && (v = field_of(text, "taken_at", &len)) && len > 0 && len < sizeof(cp->taken_at);
	if (ok)
		memcpy(cp->taken_at, v, len);
	ok = ok && (v = field_of(text, "public_key", &len)) &&
	     bin_of(cp->key, sizeof(cp->key), v, len);
	ok = ok && (v = field_of(text, "signature", &len)) &&
	     bin_of(cp->signature, sizeof(cp->signature), v, len);
	if (ok) {
		int m = checkpoint_message(cp, again, sizeof(again));
		char sig[SIG_HEX + 1];
		hex_of(sig, sizeof(sig), cp->signature, sizeof(cp->signature));
		ok = m > 0 && (size_t)m < sizeof(again) && strncmp(text, again, (size_t)m) == 0 &&
		     strncmp(text + m, "signature: ", 11) == 0 &&
		     strncmp(text + m + 11, sig, SIG_HEX) == 0 &&
		     strcmp(text + m + 11 + SIG_HEX, "\n") == 0;
	}
	if (!ok) {
		fprintf(err,
		        "policytrack audit verify: %s is not a checkpoint written by "
		        "`policytrack audit checkpoint` (or it was edited)\n",
		        path);
		return 1;
	}
	return 0;
}

static int
checkpoint_write(const struct checkpoint *cp, const char *output, FILE *err)
{
	char text[SMALL_FILE_MAX], sig[SIG_HEX + 1];
	int m = checkpoint_message(cp, text, sizeof(text));
	hex_of(sig, sizeof(sig), cp->signature, sizeof(cp->signature));
	int len = m + snprintf(text + m, sizeof(text) - (size_t)m, "signature: %s\n", sig);
	if (strcmp(output, "-") == 0)
		return fwrite(text, 1, (size_t)len, stdout) == (size_t)len && fflush(stdout) == 0
		           ? 0
		           : 1;
	/* Written beside, then renamed: a reader (or a copy to another host) never sees half. */
	char *tmp = xasprintf("%s.tmp-%ld", output, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write_all(fd, text, (size_t)len) && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, output) != 0)
		ok = false;
	if (!ok) {
		fprintf(err, "policytrack audit checkpoint: cannot write %s: %s\n", output,
		        strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : 1;
}

/* ------------------------------------------------------------------------ */
/* The checks */

/* A statement's rows, or NULL after saying why on err. */
static PGresult *
rows_of(PGconn *conn, const struct sql_statement *st, const char *const *values, FILE *err)
{
	PGresult *r = PQexecParams(conn, st->text, st->nparams, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack audit: %s", PQerrorMessage(conn));
		PQclear(r);
		return NULL;
	}
	return r;
}

/*
 * Every event against its hash and its chain: its subject's since 0031, every
 * event's before. 0 when whole, 1 when broken (said on out) or unreadable.
 */
static int
events_walk(PGconn *conn, struct chain *c, FILE *out, FILE *err)
{
	char after[32] = "0";
	c->events = 0;
	for (;;) {
		const char *values[] = { after, BATCH_TEXT };
		PGresult *r = rows_of(conn, &sql_audit_events_after, values, err);
		if (!r)
			return 1;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			const char *id = PQgetvalue(r, i, 0);
			const char *prev = PQgetvalue(r, i, 1);
			const char *hash = PQgetvalue(r, i, 2);
			const char *recomputed = PQgetvalue(r, i, 3);
			const char *expected = PQgetvalue(r, i, 4);
			bool legacy = strcmp(PQgetvalue(r, i, 7), "t") == 0;
			if (strcmp(prev, expected) != 0) {
				if (legacy)
					fprintf(out,
					        "broken at event %s: it names %s as the previous "
					        "hash, but the previous event's hash is %s (an "
					        "event before it was removed or rewritten)\n",
					        id, prev, expected);
				else
					fprintf(
					    out,
					    "broken at event %s (%s %s): it names %s as the "
					    "previous hash, but the previous event of %s %s has "
					    "hash %s (an event of it before this one was "
					    "removed, inserted or rewritten)\n",
					    id, PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), prev,
					    PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), expected);
				PQclear(r);
				return 1;
			}
			if (strcmp(hash, recomputed) != 0) {
				fprintf(
				    out,
				    "broken at event %s: its content no longer matches its hash "
				    "(stored %s, computed %s): the row was altered\n",
				    id, hash, recomputed);
				PQclear(r);
				return 1;
			}
			snprintf(after, sizeof(after), "%s", id);
			c->events++;
		}
		PQclear(r);
		if (n < BATCH)
			break;
	}
	return 0;
}

/*
 * The seals in order: numbered without a gap, each naming an event that is
 * there, each anchor over the one before. 0 when whole, 1 when not (said on
 * out) or unreadable.
 */
static int
seals_walk(PGconn *conn, struct chain *c, FILE *out, FILE *err)
{
	char after[32] = "0";
	memset(c->last_anchor, '0', HASH_HEX);
	c->last_anchor[HASH_HEX] = '\0';
	c->seals = 0;
	c->last_id = 0;
	c->head_seen = false;
	long long legacy_last = 0;
	for (;;) {
		const char *values[] = { after, BATCH_TEXT, c->last_anchor };
		PGresult *r = rows_of(conn, &sql_audit_seals_after, values, err);
		if (!r)
			return 1;
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			long long seq = atoll(PQgetvalue(r, i, 0));
			long long event = atoll(PQgetvalue(r, i, 1));
			const char *anchor = PQgetvalue(r, i, 2);
			bool legacy = strcmp(PQgetvalue(r, i, 4), "t") == 0;
			if (seq != c->seals + 1) {
				fprintf(out,
				        "the seals jump from %lld to %lld: seals were removed (the "
				        "global order has a gap)\n",
				        c->seals, seq);
				PQclear(r);
				return 1;
			}
			if (PQgetisnull(r, i, 3)) {
				fprintf(
				    out,
				    "seal %lld names event %lld, which is not in the trail: the "
				    "event was removed\n",
				    seq, event);
				PQclear(r);
				return 1;
			}
			/* Events of before 0031 were sealed in id order, their own chain's. */
			if (legacy && event <= legacy_last) {
				fprintf(out,
				        "seal %lld names event %lld after event %lld: the seals "
				        "of the events of before 0031 were reordered\n",
				        seq, event, legacy_last);
				PQclear(r);
				return 1;
			}
			if (strcmp(anchor, PQgetvalue(r, i, 3)) != 0) {
				fprintf(
				    out,
				    "seal %lld (event %lld) no longer matches its anchor (stored "
				    "%s, computed %s): the event or a seal before it was altered\n",
				    seq, event, anchor, PQgetvalue(r, i, 3));
				PQclear(r);
				return 1;
			}
			if (legacy)
				legacy_last = event;
			c->seals = seq;
			c->last_id = event;
			snprintf(c->last_anchor, sizeof(c->last_anchor), "%s", anchor);
			snprintf(after, sizeof(after), "%lld", seq);
			if (c->head_seq > 0 && seq == c->head_seq) {
				c->head_seen = true;
				c->head_event = event;
				snprintf(c->head_anchor, sizeof(c->head_anchor), "%s", anchor);
			}
		}
		PQclear(r);
		if (n < BATCH)
			break;
	}
	return 0;
}

/*
 * Every event in exactly one seal, or waiting for one (committed after the
 * seal ran); none waiting that is gone. 0 when so, 1 when not (said on out).
 */
static int
unsealed_check(PGconn *conn, struct chain *c, FILE *out, FILE *err)
{
	PGresult *r = rows_of(conn, &sql_audit_unsealed, NULL, err);
	if (!r)
		return 1;
	int bad = 0;
	c->waiting = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *id = PQgetvalue(r, i, 0);
		const char *what = PQgetvalue(r, i, 1);
		if (strcmp(what, "waiting") == 0) {
			c->waiting = atoll(PQgetvalue(r, i, 2));
			continue;
		}
		bad = 1;
		if (strcmp(what, "unqueued") == 0)
			fprintf(out,
			        "event %s is in no seal and was never queued for one: it was "
			        "inserted around the write functions\n",
			        id);
		else if (strcmp(what, "gone") == 0)
			fprintf(out,
			        "event %s was written (it waited for a seal) but is not in the "
			        "trail: it was removed\n",
			        id);
		else
			fprintf(out, "event %s is in more than one seal: seals were added\n", id);
	}
	PQclear(r);
	return bad;
}

/*
 * Seals what has committed (as the daemon does after its writes), then reads
 * the whole trail in one snapshot: the events, the seals and what waits for
 * one agree with each other even while writers and sealers go on.
 */
static int
trail_check(PGconn *conn, struct chain *c, FILE *out, FILE *err)
{
	/* A role that may only read (docs/operations.md) cannot seal: what waits is
	 * then checked as waiting, and the daemon seals it. */
	for (;;) {
		const char *values[] = { BATCH_TEXT };
		PGresult *r = PQexecParams(conn, sql_events_seal.text, sql_events_seal.nparams,
		                           NULL, values, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(err, "policytrack audit: not sealing first: %s",
			        PQerrorMessage(conn));
			PQclear(r);
			break;
		}
		long long sealed = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		if (sealed < BATCH)
			break;
	}
	PGresult *r = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	bool begun = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!begun) {
		fprintf(err, "policytrack audit: %s", PQerrorMessage(conn));
		return 1;
	}
	int rc = events_walk(conn, c, out, err);
	if (rc == 0)
		rc = seals_walk(conn, c, out, err);
	if (rc == 0)
		rc = unsealed_check(conn, c, out, err);
	PQclear(PQexec(conn, "COMMIT"));
	return rc;
}

/* Every task against its events; 0 when all agree, 1 when some do not (said on out). */
static int
tasks_check(PGconn *conn, FILE *out, FILE *err)
{
	PGresult *r = PQexecParams(conn, sql_audit_task_mismatches.text,
	                           sql_audit_task_mismatches.nparams, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack audit: %s", PQerrorMessage(conn));
		PQclear(r);
		return 1;
	}
	int n = PQntuples(r);
	long long tasks = 0;
	const char *previous = "";
	for (int i = 0; i < n; i++) {
		const char *id = PQgetvalue(r, i, 0);
		if (strcmp(id, previous) != 0)
			tasks++;
		previous = id;
		if (i >= MISMATCHES_SHOWN)
			continue;
		fprintf(out,
		        "task %s: %s is %s%s%s, but its events leave %s%s%s (changed without an "
		        "event, or its latest events were removed)\n",
		        id, PQgetvalue(r, i, 1), PQgetisnull(r, i, 3) ? "" : "'",
		        PQgetisnull(r, i, 3) ? "none" : PQgetvalue(r, i, 3),
		        PQgetisnull(r, i, 3) ? "" : "'", PQgetisnull(r, i, 2) ? "" : "'",
		        PQgetisnull(r, i, 2) ? "none" : PQgetvalue(r, i, 2),
		        PQgetisnull(r, i, 2) ? "" : "'");
	}
	if (n > MISMATCHES_SHOWN)
		fprintf(out, "... and %d more differences\n", n - MISMATCHES_SHOWN);
	if (n > 0)
		fprintf(out, "tasks differ from their events: %lld tasks, %d fields\n", tasks, n);
	PQclear(r);
	return n > 0;
}

/* The trail against a checkpoint's head; 0 when it still holds it, 1 (said on out) when not. */
static int
checkpoint_compare(const struct checkpoint *cp, const struct chain *c, const char *path, FILE *out)
{
	if (cp->events == 0)
		return 0; /* every trail extends an empty one */
	if (!c->head_seen) {
		if (c->last_id < cp->head_id)
			fprintf(out,
			        "the trail lost its tail: it ends at event %lld (%lld sealed "
			        "events), but checkpoint %s of %s ends at event %lld (%lld "
			        "events)\n",
			        c->last_id, c->seals, path, cp->taken_at, cp->head_id, cp->events);
		else
			fprintf(out,
			        "the trail holds %lld sealed events up to event %lld, checkpoint "
			        "%s of %s %lld up to event %lld: the trail was rewritten up to "
			        "there (events removed)\n",
			        c->seals, c->last_id, path, cp->taken_at, cp->events, cp->head_id);
		return 1;
	}
	if (c->head_event != cp->head_id) {
		fprintf(out,
		        "event %lld is not the event checkpoint %s of %s signed at position %lld "
		        "(it is event %lld now): the trail was rewritten up to there (events "
		        "removed, added or reordered)\n",
		        cp->head_id, path, cp->taken_at, cp->events, c->head_event);
		return 1;
	}
	if (strcmp(c->head_anchor, cp->head_hash) != 0) {
		fprintf(out,
		        "event %lld is not the event checkpoint %s of %s signed (its anchor is "
		        "%s, the checkpoint's %s): the trail was rewritten up to there\n",
		        cp->head_id, path, cp->taken_at, c->head_anchor, cp->head_hash);
		return 1;
	}
	return 0;
}

int
audit_verify(PGconn *conn, const char *checkpoint_path, const unsigned char *public_key, FILE *out,
             FILE *err)
{
	struct checkpoint cp;
	struct chain c = { 0 };
	if (checkpoint_path) {
		if (checkpoint_read(checkpoint_path, &cp, err) != 0)
			return 1;
		char given[KEY_HEX + 1], signer[KEY_HEX + 1], message[SMALL_FILE_MAX];
		hex_of(given, sizeof(given), public_key, AUDIT_PUBLIC_KEY_BYTES);
		hex_of(signer, sizeof(signer), cp.key, sizeof(cp.key));
		/* The key written in the file is only a label: anyone can sign with a key of
		 * their own and write that one in. Only the key the verifier was given counts. */
		if (sodium_memcmp(cp.key, public_key, AUDIT_PUBLIC_KEY_BYTES) != 0) {
			fprintf(out,
			        "checkpoint %s names key %s, not the public key given (%s): it "
			        "was not signed with the key you trust\n",
			        checkpoint_path, signer, given);
			return 1;
		}
		int m = checkpoint_message(&cp, message, sizeof(message));
		if (crypto_sign_verify_detached(cp.signature, (const unsigned char *)message,
		                                (unsigned long long)m, public_key) != 0) {
			fprintf(out,
			        "checkpoint %s: the signature does not verify with public key %s: "
			        "the file was altered or forged\n",
			        checkpoint_path, given);
			return 1;
		}
		c.head_seq = cp.events;
	}
	int rc = trail_check(conn, &c, out, err);
	if (rc == 0 && checkpoint_path)
		rc = checkpoint_compare(&cp, &c, checkpoint_path, out);
	int tasks = tasks_check(conn, out, err);
	if (rc != 0 || tasks != 0)
		return 1;
	fprintf(out,
	        "audit trail intact: %lld events, each whole and in its subject's chain; %lld "
	        "sealed in one order, last anchor %s (event %lld); %lld committed since the "
	        "seal, waiting for the next\n",
	        c.events, c.seals, c.last_anchor, c.last_id, c.waiting);
	if (checkpoint_path)
		fprintf(out,
		        "checkpoint %s of %s holds: the trail still has its %lld events up to "
		        "event %lld unchanged, and %lld since\n",
		        checkpoint_path, cp.taken_at, cp.events, cp.head_id, c.seals - cp.events);
	else
		fprintf(out, "no checkpoint given: a tail removed or rewritten with its hashes "
		             "recomputed would pass (see --checkpoint)\n");
	fprintf(out, "every task's status, progress, due date, evidence, RAG override and role "
	             "match its events\n");
	return 0;
}

int
audit_checkpoint(PGconn *conn, const char *key_path, const char *output, FILE *out, FILE *err)
{
	unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!sk) {
		fprintf(err, "policytrack audit checkpoint: out of secure memory\n");
		return 1;
	}
	int rc = secret_key_read(key_path, sk, err);
	if (rc != 0)
		goto done;

	/* Only a trail that verifies is signed: a checkpoint vouches for what it covers. */
	struct chain c = { 0 };
	rc = trail_check(conn, &c, out, err);
	if (rc == 0)
		rc = tasks_check(conn, out, err);
	if (rc != 0) {
		fprintf(err,
		        "policytrack audit checkpoint: the trail does not verify (said above); "
		        "no checkpoint written\n");
		goto done;
	}

	/* The seals' head: the global order's length, its last event and anchor. */
	struct checkpoint cp = { .events = c.seals, .head_id = c.last_id };
	snprintf(cp.head_hash, sizeof(cp.head_hash), "%s", c.last_anchor);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(cp.taken_at, sizeof(cp.taken_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	crypto_sign_ed25519_sk_to_pk(cp.key, sk);
	char message[SMALL_FILE_MAX];
	int m = checkpoint_message(&cp, message, sizeof(message));
	crypto_sign_detached(cp.signature, NULL, (const unsigned char *)message,
	                     (unsigned long long)m, sk);
	rc = checkpoint_write(&cp, output, err);
	if (rc == 0 && strcmp(output, "-") != 0) {
		char key[KEY_HEX + 1];
		hex_of(key, sizeof(key), cp.key, sizeof(cp.key));
		fprintf(out,
		        "checkpoint %s: %lld events, head event %lld (hash %s), signed by %s\n",
		        output, cp.events, cp.head_id, cp.head_hash, key);
	}
done:
	sodium_free(sk);
	return rc;
}
