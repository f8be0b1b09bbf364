-- A period's scorecard (GET /api/v1/scorecards; docs/evaluation.md), for every
-- province or one. Components, each 0-100 or null when there is no data:
-- indicators (the weighted share of indicators with data that meet their
-- goal), task completion (completed or verified over all), report timeliness
-- (periods of the year reported on time), evaluation (the mean current score
-- of the province's evaluations in the year's periods). The composite weighs
-- the components present, renormalising the weights (the VALUES list `w`,
-- written twice below); a missing component is shown as missing, never as zero.
-- Beside them, not weighted: escalations, how many of the province's tasks and
-- its office's work items reached each level of the escalation ladder in the
-- year (each subject and due date counted once per level).
-- $1 period text
-- $2 province text
-- returns: the scorecard's JSON, or NULL when the period or the province does not exist
WITH y AS (
    SELECT substr($1, 1, 4)::int AS year
),
ind AS (
    SELECT p.code AS province, i.code, i.name_zh, i.name_en, i.unit, i.comparison, i.direction, i.weight,
           v.value, v.national_value, v.target, v.synthetic,
           CASE WHEN v.value IS NULL THEN NULL
                WHEN i.comparison = 'national' THEN
                    CASE WHEN v.national_value IS NULL THEN NULL
                         WHEN i.direction = 'higher_better' THEN v.value > v.national_value
                         ELSE v.value < v.national_value END
                ELSE
                    CASE WHEN v.target IS NULL THEN NULL
                         WHEN i.direction = 'higher_better' THEN v.value >= v.target
                         ELSE v.value <= v.target END
           END AS met
    FROM provinces p
    CROSS JOIN indicators i
    CROSS JOIN y
    LEFT JOIN indicator_values v ON v.indicator_code = i.code AND v.province_code = p.code AND v.year = y.year
),
comp AS (
    SELECT p.code AS province,
           p.sort_order,
           (SELECT round(100 * coalesce(sum(weight) FILTER (WHERE met), 0)
                         / nullif(sum(weight) FILTER (WHERE met IS NOT NULL), 0), 2)
            FROM ind
            WHERE ind.province = p.code) AS indicators,
           (SELECT round(100.0 * count(*) FILTER (WHERE ts.done) / nullif(count(*), 0), 2)
            FROM tasks t
            JOIN task_statuses ts ON ts.status = t.status
            WHERE t.province_code = p.code) AS task_completion,
           (SELECT round(100.0 * count(*) FILTER (WHERE (SELECT min(r.first_submitted_at)
                                                         FROM reports r
                                                         WHERE r.province_code = p.code
                                                           AND r.period_code = pe.code)::date <= pe.due_on)
                         / nullif(count(*), 0), 2)
            FROM periods pe, y
            WHERE pe.code LIKE y.year || '%' AND pe.due_on < current_date) AS report_timeliness,
           (SELECT round(avg(e.score), 2)
            FROM evaluations e, y
            WHERE e.is_current
              AND e.subject_type = 'province'
              AND e.subject = p.code
              AND e.period_code LIKE y.year || '%') AS evaluation,
           (SELECT coalesce(json_object_agg(n.level, n.subjects), '{}')
            FROM (SELECT x.level, count(DISTINCT (x.subject_type, x.subject_id, x.due_date)) AS subjects
                  FROM escalations x, y
                  WHERE x.province_code = p.code
                    AND extract(year FROM x.as_of) = y.year
                  GROUP BY x.level) n) AS escalations
    FROM provinces p
    WHERE $2::text IS NULL OR p.code = $2
)
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM periods WHERE code = $1)
                 OR ($2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = $2)) THEN NULL
            ELSE json_build_object(
                'period', $1::text,
                'year', (SELECT year FROM y),
                'weights', (SELECT json_object_agg(component, weight)
                            FROM (VALUES ('indicators', 0.4), ('task_completion', 0.3),
                                         ('report_timeliness', 0.1), ('evaluation', 0.2)) AS w(component, weight)),
                'provinces', (SELECT json_agg(json_build_object(
                    'province', (SELECT json_build_object('code', code, 'name_zh', name_zh, 'name_en', name_en)
                                 FROM provinces
                                 WHERE code = c.province),
                    'indicators', (SELECT json_agg(json_build_object(
                                              'code', ind.code,
                                              'name_zh', ind.name_zh,
                                              'name_en', ind.name_en,
                                              'unit', ind.unit,
                                              'comparison', ind.comparison,
                                              'value', ind.value,
                                              'national_value', ind.national_value,
                                              'target', ind.target,
                                              'met', ind.met,
                                              'synthetic', ind.synthetic) ORDER BY ind.code)
                                   FROM ind
                                   WHERE ind.province = c.province),
                    'components', json_build_object('indicators', c.indicators,
                                                    'task_completion', c.task_completion,
                                                    'report_timeliness', c.report_timeliness,
                                                    'evaluation', c.evaluation),
                    'missing', (SELECT coalesce(json_agg(component), '[]')
                                FROM (VALUES ('indicators', c.indicators),
                                             ('task_completion', c.task_completion),
                                             ('report_timeliness', c.report_timeliness),
                                             ('evaluation', c.evaluation)) AS m(component, v)
                                WHERE v IS NULL),
                    'escalations', c.escalations,
                    'composite', (SELECT round(sum(w.weight * x.v) / nullif(sum(w.weight), 0), 2)
                                  FROM (VALUES ('indicators', 0.4), ('task_completion', 0.3),
                                               ('report_timeliness', 0.1), ('evaluation', 0.2)) AS w(component, weight)
                                  JOIN (VALUES ('indicators', c.indicators),
                                               ('task_completion', c.task_completion),
                                               ('report_timeliness', c.report_timeliness),
                                               ('evaluation', c.evaluation)) AS x(component, v) USING (component)
                                  WHERE x.v IS NOT NULL)) ORDER BY c.sort_order)
                              FROM comp c))::text
       END
