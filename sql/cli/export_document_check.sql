-- Whether a document exists, for `policytrack export catalogue --document CODE`.
-- $1 document text: the code asked for
-- returns: one row: whether it exists; the codes of every document, for the message when it does not
SELECT EXISTS (SELECT 1 FROM documents WHERE code = $1),
       (SELECT coalesce(string_agg(code, ', ' ORDER BY id), '') FROM documents)
