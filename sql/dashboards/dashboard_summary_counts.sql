-- GET /api/v1/dashboard/summary added up from dashboard_counts (definitions/15_dashboard_aggregates.sql) instead of scanning the tasks; the same answer as dashboard_summary, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day, from the sums by day (NULL: now)
-- $5 document text: only the tasks of this document, and the reports of the provinces its measures name, by its code (NULL: all)
-- returns: the answer's JSON, NULL when the sums cannot answer (a session in another zone than dashboard_zone's: dashboard_summary scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
-- plans: one per filter set
/* The grain of dashboard_counts that holds what this dashboard groups and
   filters by, and `c`, its rows that the filters pass. */
WITH grain AS (
    SELECT dashboard_grain($1::text IS NOT NULL, $2::text IS NOT NULL, $3::text IS NOT NULL OR $5::text IS NOT NULL) AS grain
),
c AS (
    {{dashboard_counts}}
),
g AS (
    SELECT c.status,
           {{dashboard_counts_sums}}
    FROM c
    GROUP BY c.status
),
totals AS (
    SELECT json_object_concat({{dashboard_figures}}) AS j
    FROM task_statuses ts
    LEFT JOIN g ON g.status = ts.status
),
/* The current period: the open one whose dates hold today (the configured
   time zone, the connection TimeZone), the shortest when several do
   (2017-Q2 within 2017); else the open one that started last; else, when all
   are in the future, the one that starts first. A closed period is never
   current: its reports are done with. */
cur AS (
    SELECT code
    FROM periods
    WHERE closed_at IS NULL
    ORDER BY current_date BETWEEN starts_on AND ends_on DESC,
             starts_on <= current_date DESC,
             CASE WHEN starts_on <= current_date THEN current_date - starts_on ELSE starts_on - current_date END,
             ends_on - starts_on, code
    LIMIT 1
),
/* The provinces whose reports count: all, or those a measure of the document names. */
rp AS (
    SELECT p.code
    FROM provinces p
    WHERE $5::text IS NULL
       OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $5))
)
SELECT CASE WHEN dashboard_counts_usable($4::date) THEN json_build_object(
           'totals', (SELECT j FROM totals),
           'reports', json_build_object(
               'period', (SELECT code FROM cur),
               /* A draft belongs to its province until submitted: here, as in
                  reporting compliance and the reminders, and for every role,
                  a province with only a first draft has not reported
                  (missing); see report_shown_state(). */
               'by_state', (SELECT json_build_object(
                                       'missing', (SELECT count(*) FROM rp) - count(s.state),
                                       'submitted', count(s.state) FILTER (WHERE s.state = 'submitted'),
                                       'accepted', count(s.state) FILTER (WHERE s.state = 'accepted'),
                                       'returned', count(s.state) FILTER (WHERE s.state = 'returned'))
                            FROM reports r
                            CROSS JOIN LATERAL (SELECT nullif(report_shown_state(r.state, r.revises_id, r.first_submitted_at),
                                                              'missing') AS state) s
                            WHERE r.is_current
                              AND r.period_code = (SELECT code FROM cur)
                              AND r.province_code IN (SELECT code FROM rp))),
           'as_of', $4::date,
           /* The supervision loop, now (receipt and requests are not kept
              "as of" a day: NULL with as_of). Overdue, RAG and every
              on-time figure count against the current due date, that of an
              approved extension when there is one (docs/workflow.md). */
           'due_date_basis', 'current',
           'supervision', CASE WHEN $4::date IS NULL THEN (
               SELECT json_build_object(
                          'unreceived', coalesce(sum(c.unreceived), 0),
                          'sent_back', coalesce(sum(c.sent_back), 0),
                          'extensions_open', coalesce(sum(c.ext_open), 0),
                          'extended', coalesce(sum(c.ext_approved), 0))
               FROM c) END,
           /* A subquery for each case, not one with "as_of IS NULL OR at < ...",
              so that a generic plan too finds the latest event with one probe
              of events_at (migration 0012) instead of reading the whole trail. */
           'last_change_at', CASE WHEN $4::date IS NULL THEN (SELECT max(at) FROM events)
                                  ELSE (SELECT max(at) FROM events WHERE at < $4::date + 1) END,
           'rows', json_build_array((SELECT j FROM totals)))::text END,
       {{dashboard_unknown_filter}}
