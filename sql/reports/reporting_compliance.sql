-- Reporting compliance (GET /api/v1/dashboard/reporting-compliance): every
-- province for every period asked about, filed or not. Timeliness is the first
-- submission of the (province, period), whatever happened after.
-- $1 period text: a period's code, or '*' for every period
-- $2 document text: a document's code: only the provinces its measures name, those that report on it; NULL for every province
-- returns: the compliance JSON, or NULL when the period does not exist; 'document' when $2 names no document, else NULL
WITH rows AS (
    SELECT pe.code AS period, pe.due_on, p.code AS province, p.name_zh, p.name_en, p.sort_order,
           pe.starts_on, report_shown_state(cur.state, cur.revises_id, cur.first_submitted_at) AS state,
           (SELECT min(x.first_submitted_at)
            FROM reports x
            WHERE x.province_code = p.code AND x.period_code = pe.code) AS first_submitted_at
    FROM periods pe
    CROSS JOIN provinces p
    LEFT JOIN reports cur ON cur.province_code = p.code AND cur.period_code = pe.code AND cur.is_current
    WHERE ($1 = '*' OR pe.code = $1)
      AND ($2::text IS NULL
           OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $2)))
),
scored AS (
    SELECT *,
           first_submitted_at IS NOT NULL AS filed,
           first_submitted_at::date <= due_on AS on_time,
           CASE WHEN first_submitted_at IS NOT NULL THEN greatest(0, first_submitted_at::date - due_on)
                WHEN current_date > due_on THEN current_date - due_on
                ELSE 0 END AS days_late
    FROM rows
),
periods_json AS (
    SELECT period,
           min(starts_on) AS starts_on,
           json_build_object('period', period,
                             'due_on', min(due_on),
                             'provinces', json_agg(json_build_object(
                                 'province', json_build_object('code', province, 'name_zh', name_zh, 'name_en', name_en),
                                 'state', state,
                                 'first_submitted_at', first_submitted_at,
                                 'filed', filed,
                                 'on_time', coalesce(on_time, false),
                                 'days_late', days_late) ORDER BY sort_order),
                             'reporting_rate', round(avg(filed::int), 4),
                             'on_time_rate', round(avg(coalesce(on_time, false)::int), 4)) AS j
    FROM scored
    GROUP BY period
)
SELECT CASE WHEN $1 <> '*' AND NOT EXISTS (SELECT 1 FROM periods WHERE code = $1) THEN NULL
            ELSE json_build_object(
                'periods', (SELECT coalesce(json_agg(j ORDER BY starts_on, period), '[]') FROM periods_json),
                'reporting_rate', (SELECT round(avg(filed::int), 4) FROM scored),
                'on_time_rate', (SELECT round(avg(coalesce(on_time, false)::int), 4) FROM scored))::text
       END,
       catalogue_filter_problem($2, NULL, NULL, NULL, NULL)
