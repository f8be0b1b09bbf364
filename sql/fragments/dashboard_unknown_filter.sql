-- The dashboard filter that cannot be answered (catalogue_filter_problem()):
-- 'document' ($5), 'agency' ($1), 'province' ($2) or 'section' ($3) naming
-- nothing, a section not in the document asked for, or a section code that
-- several documents share without $5 to say which; NULL when all can.
catalogue_filter_problem($5, $1, $2, $3, NULL)
