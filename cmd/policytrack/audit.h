/*
 * `policytrack audit`: the audit trail's checks.
 *
 * verify walks the events table in id order, recomputes each row's hash
 * (events_row_hash, the function the insert trigger uses) and checks that
 * each row names its predecessor's hash; then it checks every task's fields
 * against what its events say. The chain alone cannot tell a trail whose
 * tail was cut off, or rewritten with the hashes recomputed, from an intact
 * one: a signed checkpoint (keygen, checkpoint) anchors the head outside the
 * database, and verify --checkpoint checks the trail still holds it.
 * docs/security.md ("The audit trail") says why, docs/operations.md how.
 */
#ifndef PT_AUDIT_H
#define PT_AUDIT_H

#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>

#define AUDIT_PUBLIC_KEY_BYTES crypto_sign_PUBLICKEYBYTES

/*
 * Makes an Ed25519 key pair: the secret key into a new file at path (mode
 * 0600; an existing file is never overwritten), the public key printed on out
 * in hex. Returns 0, or 1 after saying why on err.
 */
int audit_keygen(const char *path, FILE *out, FILE *err);

/*
 * Reads a public key: hex given on the command line (hex) or a file holding
 * it (path); exactly one is non-NULL. Returns 0, or 1 after saying why.
 */
int audit_public_key_read(const char *hex, const char *path,
                          unsigned char key[AUDIT_PUBLIC_KEY_BYTES], FILE *err);

/*
 * Verifies the trail and every task, then writes a checkpoint of the trail's
 * head signed with the secret key in key_path to output ("-": standard out).
 * Signs nothing when a check fails. Returns 0, or 1 after saying why.
 */
int audit_checkpoint(PGconn *conn, const char *key_path, const char *output, FILE *out, FILE *err);

/*
 * Checks the chain and every task against its events; with a checkpoint (and
 * the public key it must be signed with), also that the trail still holds
 * the checkpoint's head. Returns 0 when everything holds, 1 when something
 * does not (said on out) or cannot be read (said on err).
 */
int audit_verify(PGconn *conn, const char *checkpoint_path, const unsigned char *public_key,
                 FILE *out, FILE *err);

#endif
