-- The trend's points (two CTEs, `points` and `pts`, for a WITH list): the
-- end of each month or quarter ($6 interval: month or quarter) from the one
-- holding $4 from, the last cut to $5 to; `pts` numbers them (i, from 1) and
-- keeps at most 120, `points` all of them (to refuse a longer span).
points AS (
    SELECT least((date_trunc($6, g)
                  + CASE WHEN $6 = 'month' THEN interval '1 month' ELSE interval '3 months' END
                  - interval '1 day')::date,
                 $5::date) AS day
    FROM generate_series(date_trunc($6, $4::date),
                         $5::date,
                         CASE WHEN $6 = 'month' THEN interval '1 month' ELSE interval '3 months' END) AS g
),
/* The LIMIT changes no answer; it tells the planner there are few points. */
pts AS (
    SELECT day, row_number() OVER (ORDER BY day) AS i
    FROM points
    LIMIT 120
)
