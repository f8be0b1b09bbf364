-- Deployment norms a government buyer checks (GB/T 22239-2019 level 3; issue
-- 20, item 6): password age and history, sessions that idle out, and the 密级
-- of documents. The rules that use these columns are in
-- sql/definitions/65_norms.sql; docs/security.md explains them.

-- When the password was last set by a person (not a sign-in's rehash): the
-- start of its age. Existing users count from this upgrade, so nobody is
-- locked into a password change the day it is installed.
ALTER TABLE users ADD COLUMN password_changed_at timestamptz NOT NULL DEFAULT now();

-- The hashes a user's password had before, newest last: a new password may
-- not be one of the last --password-history (the current one included).
CREATE TABLE password_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users,
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    replaced_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, id);

-- Any change of a password hash is a new password, except a sign-in's rehash
-- of the same password with today's parameters, which login_finish() marks
-- with the transaction-local setting policytrack.rehashing. Kept as a trigger
-- so that every path that sets a password (user_update(), the self-service
-- change, the CLI) records the old hash and restarts the age alike.
CREATE FUNCTION users_password_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       AND coalesce(current_setting('policytrack.rehashing', true), '') <> 'on' THEN
        INSERT INTO password_history (user_id, password_hash) VALUES (OLD.id, OLD.password_hash);
        -- Bounded: more than the largest --password-history is never read.
        DELETE FROM password_history h
        WHERE h.user_id = OLD.id
          AND h.id NOT IN (SELECT id FROM password_history x WHERE x.user_id = OLD.id
                           ORDER BY x.id DESC LIMIT 24);
        NEW.password_changed_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_password_changed BEFORE UPDATE OF password_hash ON users
    FOR EACH ROW EXECUTE FUNCTION users_password_changed();

-- The last time a session token was used (touched at most every tenth of the
-- idle time): a session unused for --session-idle-s ends.
ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;

-- Touching last_used_at changes no cached identity: only the columns that do
-- empty the token cache (0010 emptied it on any update).
DROP TRIGGER tokens_notify_change ON tokens;
CREATE TRIGGER tokens_notify_change
    AFTER UPDATE OF user_id, token_hash, kind, expires_at, revoked_at OR DELETE OR TRUNCATE
    ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('auth');

-- A document's 密级: 公开 public, 内部 internal, and the classified levels
-- 秘密 secret, 机密 confidential, 绝密 top_secret. The service is for
-- non-classified work only: the table itself refuses the classified levels,
-- whatever a deployment declares (the import refuses them first, with a
-- problem saying why). The published notices bundled so far are public.
ALTER TABLE documents ADD COLUMN classification text NOT NULL DEFAULT 'public'
    CONSTRAINT documents_classification_known
        CHECK (classification IN ('public', 'internal', 'secret', 'confidential', 'top_secret'))
    CONSTRAINT documents_not_classified CHECK (classification IN ('public', 'internal'));
