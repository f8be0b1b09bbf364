-- Shared by the write functions, which answer as lib/api/refusal.h describes.

-- The detail of a not_found refusal: "there is no task '12'", the key cut to
-- its first 64 bytes (whole characters), as the daemon's own 404s name it
-- (api_reply_not_found).
CREATE OR REPLACE FUNCTION refusal_not_found(p_kind text, p_key text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('there is no %s ''%s''', p_kind,
                  (SELECT left(p_key, max(n))
                   FROM generate_series(0, least(length(p_key), 64)) AS n
                   WHERE octet_length(left(p_key, n)) <= 64))
$$;
