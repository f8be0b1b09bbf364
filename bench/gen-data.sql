-- bench/gen-data.sql: synthetic copies of the real catalogue, with task
-- histories, for benchmarks. Run by bench/gen-data (see bench/README-gen.md),
-- which sets the psql variables :tasks and :events (targets for the whole
-- database) and connects as the tables' owner.
--
-- Everything is one transaction: the database gets all of it or none.
-- Randomness is a hash of a task's serial number, so two runs on the same
-- database produce the same catalogue and histories (times move with now()).
\set ON_ERROR_STOP on
\set VERBOSITY terse
SET client_min_messages = warning;
-- Sorts and temporary tables of ~1M rows stay in memory.
SET work_mem = '512MB';
-- JIT compiles for longer than these statements run (temp tables have no statistics).
SET jit = off;
SET temp_buffers = '1GB';
-- Day arithmetic in UTC, so no daylight-saving jump can reorder event times.
SET TimeZone = 'UTC';
-- A role or database default must not cut the run short.
SET statement_timeout = 0;

BEGIN;

-- The writers' lock, exclusive, as writes of many tasks take it first:
-- nothing else may chain an event while this transaction appends its own.
SELECT audit_write_lock(true);

DO $$
BEGIN
    IF to_regprocedure('tasks_as_of(date)') IS NULL THEN
        RAISE EXCEPTION 'gen-data: the schema is older than migration 0009; run policytrack migrate';
    END IF;
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'events'::regclass), 'USAGE') THEN
        RAISE EXCEPTION 'gen-data: connect as the tables'' owner (the role that ran policytrack migrate), not %', current_user;
    END IF;
    -- Copies carry this marker in their English text (and a copy suffix in their code).
    IF EXISTS (SELECT 1 FROM measures WHERE text_en LIKE '%[synthetic copy %]') THEN
        RAISE EXCEPTION 'gen-data: the database already has synthetic data';
    END IF;
END
$$;

-- Uniform in [0, 1), from a hash: reproducible and order-independent.
CREATE FUNCTION pg_temp.rnd(x bigint, salt bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
    SELECT (hashint8extended(x, salt) & 2147483647)::double precision / 2147483648.0
$$;

-- One of the phrases, picked by a random number in [0, 1).
CREATE FUNCTION pg_temp.pick(phrases text[], r double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT phrases[1 + floor(r * array_length(phrases, 1))::integer]
$$;

------------------------------------------------------------------------------
-- Parameters and the source catalogue.
------------------------------------------------------------------------------

CREATE TEMP TABLE gen_params AS
SELECT :tasks::bigint AS tasks_target,
       :events::bigint AS events_target,
       (SELECT count(*) FROM tasks) AS tasks_before,
       (SELECT count(*) FROM events) AS events_before,
       now() AS t_now;

-- The real catalogue's tasks, in catalogue order: what every copy repeats.
CREATE TEMP TABLE src AS
SELECT row_number() OVER (ORDER BY m.sort_order, t.id) AS j,
       t.measure_id, t.agency_code, t.province_code, t.role
FROM tasks t JOIN measures m ON m.id = t.measure_id;

DO $$
DECLARE
    p gen_params;
    per_copy bigint := (SELECT count(*) FROM src);
BEGIN
    SELECT * INTO p FROM gen_params;
    IF per_copy = 0 THEN
        RAISE EXCEPTION 'gen-data: the database has no catalogue tasks to copy';
    END IF;
    IF p.tasks_target <= p.tasks_before THEN
        RAISE EXCEPTION 'gen-data: the database already has % tasks; the target is %',
            p.tasks_before, p.tasks_target;
    END IF;
    -- A copy's number is a 4-digit suffix of the measure's item (see below).
    IF p.tasks_target - p.tasks_before > 9999 * per_copy THEN
        RAISE EXCEPTION 'gen-data: at most % tasks (9999 copies of %)',
            p.tasks_before + 9999 * per_copy, per_copy;
    END IF;
END
$$;

------------------------------------------------------------------------------
-- The synthetic tasks and their plan: copy, status, path through the
-- workflow, number of events, times, due dates, evidence, RAG override.
------------------------------------------------------------------------------

-- Synthetic task number sid = 1.., copy c = 1.., the last copy partial so the
-- total is exact.
CREATE TEMP TABLE gt0 AS
SELECT (c - 1) * n.per_copy + s.j AS sid, c, s.*
FROM (SELECT count(*) AS per_copy FROM src) n
CROSS JOIN gen_params p
CROSS JOIN LATERAL generate_series(1, ((p.tasks_target - p.tasks_before + n.per_copy - 1) / n.per_copy)::integer) c
JOIN src s ON (c - 1) * n.per_copy + s.j <= p.tasks_target - p.tasks_before;

-- The status mix of the whole database; tasks already there count as they are
-- (the real catalogue's are all not started).
CREATE TEMP TABLE mix (status text PRIMARY KEY, share numeric, advance integer);
INSERT INTO mix VALUES
    ('verified', 0.07, 1), ('completed', 0.18, 2), ('in_progress', 0.40, 3),
    ('blocked', 0.10, 4), ('not_started', 0.25, 5);

-- How many synthetic tasks get each status: the whole database's target minus
-- what it already has (or the plain shares, if it already has every target),
-- shared out so the quotas add up to the synthetic count.
CREATE TEMP TABLE quota AS
WITH want AS (
    SELECT x.status, x.advance, x.share,
           greatest(0, round(p.tasks_target * x.share)
                       - (SELECT count(*) FROM tasks t WHERE t.status = x.status)) AS w
    FROM mix x CROSS JOIN gen_params p
), w AS (
    SELECT status, advance, CASE WHEN sum(w) OVER () > 0 THEN w ELSE share END AS w FROM want
)
SELECT status, advance,
       floor(sum(w) OVER (ORDER BY advance) * (SELECT count(*) FROM gt0) / sum(w) OVER ()) AS upto
FROM w;

-- Ranked by a random key nudged per agency and province, so some agencies and
-- provinces run ahead of others as in real life; the most advanced statuses
-- go to the lowest keys.
CREATE TEMP TABLE gt1 AS
SELECT g.*,
       (SELECT q.status FROM quota q WHERE q.upto >= g.rank ORDER BY q.advance LIMIT 1) AS status
FROM (
    SELECT g.*, row_number() OVER (ORDER BY
               pg_temp.rnd(g.sid, 1)
               + 0.30 * (pg_temp.rnd(hashtext(g.agency_code), 2) - 0.5)
               + 0.20 * (pg_temp.rnd(hashtext(g.province_code), 3) - 0.5), g.sid) AS rank
    FROM gt0 g
) g;

-- Paths through the workflow (docs/workflow.md), the statuses after
-- not_started, ending in the task's status; p is the cumulative probability.
CREATE TEMP TABLE paths (status text, p double precision, path text[]);
INSERT INTO paths VALUES
    ('not_started', 1.00, '{}'),
    ('in_progress', 0.60, '{in_progress}'),
    ('in_progress', 0.80, '{in_progress,blocked,in_progress}'),
    ('in_progress', 0.88, '{blocked,in_progress}'),
    ('in_progress', 0.95, '{in_progress,completed,in_progress}'),
    ('in_progress', 1.00, '{in_progress,blocked,in_progress,blocked,in_progress}'),
    ('blocked',     0.60, '{in_progress,blocked}'),
    ('blocked',     0.85, '{blocked}'),
    ('blocked',     1.00, '{in_progress,blocked,in_progress,blocked}'),
    ('completed',   0.65, '{in_progress,completed}'),
    ('completed',   0.85, '{in_progress,blocked,in_progress,completed}'),
    ('completed',   0.95, '{in_progress,completed,in_progress,completed}'),
    ('completed',   1.00, '{blocked,in_progress,completed}'),
    ('verified',    0.75, '{in_progress,completed,verified}'),
    ('verified',    0.90, '{in_progress,blocked,in_progress,completed,verified}'),
    ('verified',    1.00, '{in_progress,completed,verified,in_progress,completed,verified}');

-- Every transition in a path must be in the workflow table.
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM paths x
        CROSS JOIN LATERAL generate_series(1, coalesce(array_length(x.path, 1), 0)) k
        WHERE NOT EXISTS (SELECT 1 FROM task_transitions tr
                          WHERE tr.from_status = coalesce(x.path[k - 1], 'not_started')
                            AND tr.to_status = x.path[k])) THEN
        RAISE EXCEPTION 'gen-data: a path takes a transition the workflow does not have';
    END IF;
END
$$;

-- The path, its length l, the minimum events (a due date, then each status
-- change) and a weight for sharing out the rest: not-started tasks see little.
CREATE TEMP TABLE gt2 AS
SELECT g.*, x.path, coalesce(array_length(x.path, 1), 0) AS l,
       CASE WHEN g.status = 'not_started' THEN 0 ELSE 1 + coalesce(array_length(x.path, 1), 0) END AS min_n,
       (CASE g.status WHEN 'not_started' THEN 3 WHEN 'completed' THEN 110
                      WHEN 'verified' THEN 120 ELSE 100 END
        * (20 + floor(180 * pg_temp.rnd(g.sid, 4))))::bigint AS w
FROM gt1 g
JOIN LATERAL (SELECT path FROM paths x WHERE x.status = g.status AND x.p >= pg_temp.rnd(g.sid, 5)
              ORDER BY x.p LIMIT 1) x ON true;

DO $$
DECLARE
    need bigint := (SELECT sum(min_n) FROM gt2);
    have bigint := (SELECT events_target - events_before FROM gen_params);
BEGIN
    IF have < need THEN
        RAISE EXCEPTION 'gen-data: % tasks need at least % more events; the target leaves room for %',
            (SELECT count(*) FROM gt2), need, greatest(have, 0);
    END IF;
END
$$;

-- n: events per task, the minimum plus a share of the rest proportional to the
-- weight; cumulative integer shares make the total exact.
CREATE TEMP TABLE gt AS
WITH r AS (
    SELECT (SELECT events_target - events_before FROM gen_params) - (SELECT sum(min_n) FROM gt2) AS rest,
           (SELECT sum(w) FROM gt2) AS total
), shares AS (
    SELECT g.*, sum(g.w) OVER (ORDER BY g.sid) AS cw FROM gt2 g
), planned AS (
    SELECT s.*,
           s.min_n + (floor(r.rest::numeric * s.cw / r.total)
                      - floor(r.rest::numeric * (s.cw - s.w) / r.total))::integer AS n,
           p.t_now - interval '760 days' + ((s.c - 1) % 60) * interval '1 day'
               + interval '9 hours' AS created
    FROM shares s CROSS JOIN r CROSS JOIN gen_params p
), timed AS (
    SELECT pl.*,
           pl.created + (1 + 45 * pg_temp.rnd(pl.sid, 6)) * interval '1 day' AS t0,
           -- Last activity: about one open task in eight not touched for over
           -- 90 days (amber), the rest recently; finished ones earlier.
           p.t_now - CASE
               WHEN pl.status IN ('completed', 'verified')
                   THEN (2 + 300 * pg_temp.rnd(pl.sid, 7)) * interval '1 day'
               WHEN pg_temp.rnd(pl.sid, 8) < 0.12
                   THEN (91 + 300 * pg_temp.rnd(pl.sid, 7)) * interval '1 day'
               ELSE (0.1 + 40 * pg_temp.rnd(pl.sid, 7)) * interval '1 day'
           END AS t1
    FROM planned pl CROSS JOIN gen_params p
), spaced AS (
    -- b: the first status change falls on slot 1 + b, early in the history
    -- (slot 1 sets the due date).
    SELECT tm.*, 1 + floor(0.15 * (tm.n - 1 - tm.l) * pg_temp.rnd(tm.sid, 22))::integer AS b
    FROM timed tm
)
SELECT t.sid, t.c, t.measure_id AS src_measure_id, t.agency_code, t.province_code, t.role,
       t.status, t.path, t.l, t.n, t.created, t.t0, t.b,
       -- The history's start and length in seconds: float arithmetic is far
       -- cheaper per event than interval arithmetic.
       extract(epoch FROM t.t0)::double precision AS t0s,
       extract(epoch FROM t.t1 - t.t0)::double precision AS spans,
       -- d: the last status change falls d slots after the first (at least
       -- one slot per change, at most the history's end): open tasks may
       -- reach their status early, finished ones do so near the end.
       CASE WHEN t.l = 0 THEN 0 ELSE t.l - 1 + floor((t.n - t.b - t.l) * CASE
           WHEN t.status = 'in_progress' THEN 0.3 + 0.7 * pg_temp.rnd(t.sid, 9)
           ELSE 0.7 + 0.3 * pg_temp.rnd(t.sid, 9) END)::integer END AS d,
       -- Progress reached before completion, or now for an open task, and
       -- the steps it is reported in (some offices say 37%, others 35%).
       (ARRAY[1, 2, 5])[1 + floor(3 * pg_temp.rnd(t.sid, 23))::integer] AS step,
       CASE t.status
           WHEN 'in_progress' THEN 5 * (2 + floor(18 * pg_temp.rnd(t.sid, 10)))::integer
           WHEN 'blocked' THEN 5 * floor(15 * pg_temp.rnd(t.sid, 10))::integer
           WHEN 'not_started' THEN 0
           ELSE 5 * (12 + floor(8 * pg_temp.rnd(t.sid, 10)))::integer
       END AS target,
       -- Due dates from half a year ago to two years ahead, so about one open
       -- task in six is overdue; never sooner than two months after the first
       -- event.
       greatest((t.t0 + interval '60 days')::date,
                (SELECT t_now FROM gen_params)::date + (-180 + floor(900 * pg_temp.rnd(t.sid, 11)))::integer) AS due1,
       -- One task in eight (with enough events) gets its deadline extended.
       CASE WHEN t.n >= 6 AND pg_temp.rnd(t.sid, 12) < 0.12
            THEN 2 + floor((t.n - 2) * pg_temp.rnd(t.sid, 13))::integer ELSE 0 END AS ext_slot,
       (60 + floor(150 * pg_temp.rnd(t.sid, 14)))::integer AS ext_days,
       -- Evidence items (up to 3), added towards the end of the history.
       CASE WHEN t.status <> 'not_started' AND pg_temp.rnd(t.sid, 15) < 0.6
            THEN least(1 + floor(3 * pg_temp.rnd(t.sid, 16))::integer, (t.n - 1) / 3) ELSE 0 END AS ecnt,
       -- A coordinator's RAG override on about one open task in sixteen, a
       -- quarter of them withdrawn later.
       CASE WHEN t.status IN ('in_progress', 'blocked') AND t.n >= 4 AND pg_temp.rnd(t.sid, 17) < 0.06
            THEN 2 + floor((t.n - 2) * pg_temp.rnd(t.sid, 18))::integer ELSE 0 END AS ro_slot,
       pg_temp.rnd(t.sid, 19) AS ro_r
FROM spaced t;

ALTER TABLE gt ADD COLUMN due2 date, ADD COLUMN ro_clear integer, ADD COLUMN ro_rating text,
    ADD COLUMN ro_rationale text, ADD COLUMN id bigint, ADD COLUMN measure_id integer;
UPDATE gt SET
    due2 = due1 + ext_days,
    ro_clear = CASE WHEN ro_slot > 0 AND ro_slot < n AND ro_r < 0.25
                    THEN ro_slot + 1 + floor((n - ro_slot) * pg_temp.rnd(sid, 20))::integer ELSE 0 END,
    ro_rating = CASE WHEN ro_slot = 0 THEN NULL
                     WHEN status = 'blocked' THEN 'amber'
                     WHEN ro_r < 0.50 THEN 'red' WHEN ro_r < 0.80 THEN 'amber' ELSE 'green' END;
UPDATE gt SET ro_rationale = CASE ro_rating
    WHEN 'red' THEN pg_temp.pick('{进度明显滞后于计划，按红色管理。,省级配套措施迟迟未出台，存在较大风险。,多次督办仍未见成效，列为重点督办事项。}', pg_temp.rnd(sid, 21))
    WHEN 'amber' THEN pg_temp.pick('{已协调解决主要障碍，风险基本可控。,部分地区进展不均衡，需持续关注。,牵头单位已提交整改方案，暂按黄色管理。}', pg_temp.rnd(sid, 21))
    WHEN 'green' THEN pg_temp.pick('{进度虽有延误，但完成安排明确，风险可控。,剩余工作量小，预计按期完成。}', pg_temp.rnd(sid, 21))
    END
WHERE ro_slot > 0;

------------------------------------------------------------------------------
-- The catalogue copies: one measure per (copy, real measure) in the real
-- measure's section, with the copy number as a 4-digit suffix of its item
-- (3.1.1 copy 12 is 3.1.10012: codes must match N.N.N and the API finds
-- measures by code alone), the same agencies, provinces and places.
------------------------------------------------------------------------------

CREATE TEMP TABLE mmap AS
SELECT DISTINCT c, src_measure_id FROM gt;

INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, joint, sort_order)
SELECT m.document_id, m.section_id,
       m.code || lpad(x.c::text, 4, '0'), m.item * 10000 + x.c,
       m.text_zh || '（合成副本' || x.c || '）', m.text_en || ' [synthetic copy ' || x.c || ']',
       m.joint, m.sort_order * 10000 + x.c
FROM mmap x JOIN measures m ON m.id = x.src_measure_id;

ALTER TABLE mmap ADD COLUMN measure_id integer;
UPDATE mmap x SET measure_id = m.id
FROM measures s, measures m
WHERE s.id = x.src_measure_id AND m.document_id = s.document_id
  AND m.code = s.code || lpad(x.c::text, 4, '0');

INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT x.measure_id, ma.agency_code, ma.role, ma.rationale
FROM mmap x JOIN measure_agencies ma ON ma.measure_id = x.src_measure_id;

INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT x.measure_id, mp.province_code, mp.rationale
FROM mmap x JOIN measure_provinces mp ON mp.measure_id = x.src_measure_id;

INSERT INTO measure_localities (measure_id, locality_id, rationale)
SELECT x.measure_id, ml.locality_id, ml.rationale
FROM mmap x JOIN measure_localities ml ON ml.measure_id = x.src_measure_id;

-- Task ids from the table's own sequence, in synthetic order (a table of its
-- own, so nextval runs exactly once per task).
CREATE TEMP TABLE tid AS
SELECT sid, nextval(pg_get_serial_sequence('tasks', 'id')) AS id
FROM (SELECT sid FROM gt ORDER BY sid) o;

UPDATE gt g SET measure_id = x.measure_id, id = t.id
FROM mmap x, tid t
WHERE x.c = g.c AND x.src_measure_id = g.src_measure_id AND t.sid = g.sid;

------------------------------------------------------------------------------
-- Each task's state after its i-th event (i = 0: as created), as closed-form
-- functions of the plan, so an event's "from" is the state at i - 1.
-- Status change k = 1..l falls on slot 1 + b + floor((k - 1) d / (l - 1)).
------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.change_slot(l integer, b integer, d integer, k integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT 1 + b + CASE WHEN l <= 1 THEN 0 ELSE ((k - 1) * d) / (l - 1) END
$$;

-- How many status changes are done after slot i: the inverse of change_slot,
-- #{k' >= 0 : k' d < (i - b)(l - 1)}.
CREATE FUNCTION pg_temp.changes_done(l integer, b integer, d integer, i integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN l = 0 OR i < 1 + b THEN 0
                WHEN l = 1 THEN 1
                ELSE least(l, ((i - b) * (l - 1) - 1) / d + 1) END
$$;

CREATE FUNCTION pg_temp.status_at(path text[], l integer, b integer, d integer, i integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(path[pg_temp.changes_done(l, b, d, i)], 'not_started')
$$;

-- Progress climbs in the task's steps towards the target while in progress, holds
-- while blocked (at what it was on the slot before), is 100 once completed,
-- and drops back to the climb when re-opened.
CREATE FUNCTION pg_temp.progress_at(path text[], l integer, b integer, d integer, target integer,
                                    step integer, n integer, i integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE pg_temp.status_at(path, l, b, d, i)
        WHEN 'in_progress' THEN step * ((target * i) / (step * n))
        WHEN 'completed' THEN 100
        WHEN 'verified' THEN 100
        WHEN 'blocked' THEN CASE
            WHEN path[pg_temp.changes_done(l, b, d, i) - 1] IS DISTINCT FROM 'in_progress' THEN 0
            ELSE step * ((target * (pg_temp.change_slot(l, b, d, pg_temp.changes_done(l, b, d, i)) - 1))
                         / (step * n)) END
        ELSE 0
    END
$$;

CREATE FUNCTION pg_temp.due_at(due1 date, ext_slot integer, due2 date, i integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN i < 1 THEN NULL WHEN ext_slot > 0 AND i >= ext_slot THEN due2 ELSE due1 END
$$;

-- Evidence items k = 1..ecnt are added on slots n - 1 - 3 (ecnt - k).
CREATE FUNCTION pg_temp.evidence_at(ecnt integer, n integer, i integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN i < 1 THEN 0 ELSE greatest(0, ecnt - (n + 1 - i) / 3) END
$$;

CREATE FUNCTION pg_temp.override_at(ro_slot integer, ro_clear integer, i integer) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT ro_slot > 0 AND i >= ro_slot AND NOT (ro_clear > 0 AND i >= ro_clear)
$$;

-- The i-th event's time: n slots evenly spread over [t0, t1], jittered within
-- each slot, so times strictly increase along a task's history.
CREATE FUNCTION pg_temp.event_at(sid bigint, t0s double precision, spans double precision,
                                 n integer, i integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_timestamp(t0s + spans * ((i - 1 + 0.9 * pg_temp.rnd(sid, 1000 + i)) / n))
$$;

-- A task's first k evidence items.
CREATE FUNCTION pg_temp.evidence(task bigint, k integer) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'title', pg_temp.pick('{工作方案,会议纪要,阶段进展报告,政策文件,验收材料,典型案例汇编}',
                                     pg_temp.rnd(task, 40 + j)) || '（' || j || '）',
               'url', 'https://evidence.example.gov.cn/policytrack/tasks/' || task || '/' || j || '.pdf')
           ORDER BY j), '[]')
    FROM generate_series(1, k) j
$$;

------------------------------------------------------------------------------
-- The events: one row per slot, its changes exactly as task_update() writes
-- them ({field: {from, to}}) and a note where the workflow needs one.
------------------------------------------------------------------------------

CREATE TEMP TABLE ev AS
WITH s AS (
    SELECT g.sid, g.id AS task, g.n, i,
           pg_temp.event_at(g.sid, g.t0s, g.spans, g.n, i) AS at,
           pg_temp.status_at(g.path, g.l, g.b, g.d, i - 1) AS st0,
           pg_temp.status_at(g.path, g.l, g.b, g.d, i) AS st,
           pg_temp.progress_at(g.path, g.l, g.b, g.d, g.target, g.step, g.n, i - 1) AS pr0,
           pg_temp.progress_at(g.path, g.l, g.b, g.d, g.target, g.step, g.n, i) AS pr,
           pg_temp.due_at(g.due1, g.ext_slot, g.due2, i - 1) AS due0,
           pg_temp.due_at(g.due1, g.ext_slot, g.due2, i) AS due,
           pg_temp.evidence_at(g.ecnt, g.n, i - 1) AS ec0,
           pg_temp.evidence_at(g.ecnt, g.n, i) AS ec,
           pg_temp.override_at(g.ro_slot, g.ro_clear, i - 1) AS ro0,
           pg_temp.override_at(g.ro_slot, g.ro_clear, i) AS ro,
           g.ro_rating, g.ro_rationale,
           pg_temp.rnd(g.sid * 4096 + i, 30) AS r1,
           pg_temp.rnd(g.sid * 4096 + i, 31) AS r2
    FROM gt g CROSS JOIN LATERAL generate_series(1, g.n) i
), c AS (
    SELECT s.*,
           CASE WHEN st <> st0 THEN jsonb_build_object('status', jsonb_build_object('from', st0, 'to', st)) ELSE '{}' END
        || CASE WHEN pr <> pr0 THEN jsonb_build_object('progress', jsonb_build_object('from', pr0, 'to', pr)) ELSE '{}' END
        || CASE WHEN due IS DISTINCT FROM due0 THEN jsonb_build_object('due_date', jsonb_build_object('from', due0, 'to', due)) ELSE '{}' END
        || CASE WHEN ec <> ec0 THEN jsonb_build_object('evidence', jsonb_build_object(
               'from', pg_temp.evidence(task, ec0), 'to', pg_temp.evidence(task, ec))) ELSE '{}' END
        || CASE WHEN ro <> ro0 THEN jsonb_build_object('rag_override', jsonb_build_object(
               'from', CASE WHEN ro0 THEN jsonb_build_object('rating', ro_rating, 'rationale', ro_rationale) END,
               'to', CASE WHEN ro THEN jsonb_build_object('rating', ro_rating, 'rationale', ro_rationale) END))
           ELSE '{}' END
           AS changes,
           -- The note: required on blocking and re-opening, usual elsewhere,
           -- and always on an event that changes nothing and on the last one.
           CASE
               WHEN st <> st0 AND st = 'blocked' THEN pg_temp.pick('{省级配套资金尚未落实，工作暂停。,牵头单位与协作部门意见不一，待联席会议协调。,相关法规修订尚未完成，需等待上位法出台。,试点地区机构调整，责任人尚未明确。,专项经费审批未通过，需重新申报。,依托项目延期，工作无法推进。}', r1)
               WHEN st <> st0 AND st0 IN ('completed', 'verified') THEN pg_temp.pick('{核验发现佐证材料不全，重新打开补充。,省里反馈部分地区尚未落实，需继续推进。,督查发现成效不达标，退回整改。,验收意见要求补充数据，重新打开。}', r1)
               WHEN r2 < 0.35 AND i < n AND (st <> st0 OR pr <> pr0 OR ec <> ec0 OR ro <> ro0
                                              OR (i = 1 AND due IS DISTINCT FROM due0)) THEN NULL
               WHEN st <> st0 AND st0 = 'not_started' THEN pg_temp.pick('{已成立工作专班，启动实施。,实施方案已印发，工作全面启动。,召开启动会，明确分工和时间表。,已完成前期调研，进入实施阶段。}', r1)
               WHEN st <> st0 AND st0 = 'blocked' THEN pg_temp.pick('{经联席会议协调，问题已解决，恢复推进。,配套资金已到位，恢复实施。,责任单位已明确，工作重新启动。}', r1)
               WHEN st <> st0 AND st = 'completed' THEN pg_temp.pick('{各项工作已按计划完成，提交核验。,已完成全部任务，相关材料已归档。,经自查，任务目标已实现。}', r1)
               WHEN st <> st0 AND st = 'verified' THEN pg_temp.pick('{秘书处核验通过。,经现场核查，确认任务已完成。,材料审核无误，予以确认。}', r1)
               WHEN i = 1 AND due0 IS NULL THEN pg_temp.pick('{联席会议确定完成时限。,按年度工作要点设定完成时限。,牵头部门商省级对口部门确定完成时限。}', r1)
               WHEN due IS DISTINCT FROM due0 THEN pg_temp.pick('{因客观原因申请延期，经协调同意。,工作量调整，完成时限相应顺延。}', r1)
               WHEN ro <> ro0 AND NOT ro THEN '风险已解除，撤销人工评级。'
               WHEN ec <> ec0 THEN pg_temp.pick('{补充上传佐证材料。,上传阶段性成果材料。}', r1)
               WHEN pr <> pr0 THEN format(pg_temp.pick('{进度更新至 %s%%。,按季度报送进展，目前完成约 %s%%。,阶段性工作完成，进度 %s%%。}', r1), pr)
               WHEN st = 'not_started' THEN pg_temp.pick('{正在开展前期准备工作。,待牵头单位部署。,已列入年度工作计划。}', r1)
               WHEN st = 'blocked' THEN pg_temp.pick('{仍在协调中，暂无实质进展。,已报请上级部门协调。,继续跟踪阻碍事项。}', r1)
               WHEN st IN ('completed', 'verified') THEN pg_temp.pick('{持续巩固工作成效。,做好成果推广应用。,按要求报送总结材料。}', r1)
               ELSE pg_temp.pick('{本月工作按计划推进。,已向联席会议办公室报送进展情况。,召开专题推进会，研究下一步工作。,与省级对口部门对接，沟通工作进展。,持续跟踪落实情况。}', r1)
           END AS note
    FROM s
)
SELECT sid, task, i, at, changes,
       CASE WHEN changes ? 'status' THEN 'task.status_changed'
            WHEN changes = '{}' THEN 'task.noted' ELSE 'task.updated' END AS kind,
       note
FROM c;

------------------------------------------------------------------------------
-- The tasks, as their last event left them.
------------------------------------------------------------------------------

INSERT INTO tasks (id, measure_id, agency_code, province_code, role, status, progress, due_date,
                   version, created_at, updated_at, last_note, evidence,
                   rag_override, rag_override_rationale, rag_override_at)
OVERRIDING SYSTEM VALUE
SELECT g.id, g.measure_id, g.agency_code, g.province_code, g.role,
       pg_temp.status_at(g.path, g.l, g.b, g.d, g.n),
       pg_temp.progress_at(g.path, g.l, g.b, g.d, g.target, g.step, g.n, g.n),
       pg_temp.due_at(g.due1, g.ext_slot, g.due2, g.n),
       g.n + 1, g.created,
       CASE WHEN g.n = 0 THEN g.created ELSE pg_temp.event_at(g.sid, g.t0s, g.spans, g.n, g.n) END,
       e.note,
       pg_temp.evidence(g.id, pg_temp.evidence_at(g.ecnt, g.n, g.n)),
       CASE WHEN pg_temp.override_at(g.ro_slot, g.ro_clear, g.n) THEN g.ro_rating END,
       CASE WHEN pg_temp.override_at(g.ro_slot, g.ro_clear, g.n) THEN g.ro_rationale END,
       CASE WHEN pg_temp.override_at(g.ro_slot, g.ro_clear, g.n)
            THEN pg_temp.event_at(g.sid, g.t0s, g.spans, g.n, g.ro_slot) END
FROM gt g LEFT JOIN ev e ON e.sid = g.sid AND e.i = g.n
ORDER BY g.id;

------------------------------------------------------------------------------
-- The audit trail. The chain trigger would stamp every row with the clock and
-- chain it one by one; the histories need their past times, so the trigger is
-- off for this one statement (under the writers' lock, and the ALTER locks out
-- other writers of events until commit), ids follow time, and each hash is
-- events_row_hash() over the previous one of its task (the chain of 0031):
-- the schema's own function, as policytrack audit verify recomputes it. The
-- events-to-seal trigger stays on: the sequencer seals them in id order.
------------------------------------------------------------------------------

-- A running aggregate over the rows in id order: its state is the last hash.
CREATE FUNCTION pg_temp.chain_step(state text, start text, id bigint, at timestamptz,
                                   actor_id bigint, subject_type text, subject_id bigint,
                                   kind text, changes jsonb, note text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN events_row_hash(coalesce(state, start), id, at, actor_id, subject_type, subject_id,
                           kind, changes, note);
END
$$;

CREATE AGGREGATE pg_temp.chain(text, bigint, timestamptz, bigint, text, bigint, text, jsonb, text) (
    SFUNC = pg_temp.chain_step, STYPE = text);

CREATE TEMP TABLE chain_start AS
SELECT greatest((SELECT coalesce(max(id), 0) FROM events),
                (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM events_id_seq)) AS id;

-- Each task's chain goes on from its last event, if it has any.
CREATE TEMP TABLE chain_heads AS
SELECT DISTINCT ON (subject_id) subject_id AS task, hash
FROM events WHERE subject_type = 'task'
ORDER BY subject_id, id DESC;

ALTER TABLE events DISABLE TRIGGER events_chain;

INSERT INTO events (id, at, actor_id, subject_type, subject_id, kind, changes, note, prev_hash, hash)
SELECT id, at, NULL, 'task', task, kind, changes, note,
       coalesce(lag(hash) OVER (PARTITION BY task ORDER BY id), start_hash), hash
FROM (
    SELECT o.*, pg_temp.chain(start_hash, id, at, NULL::bigint, 'task', task, kind, changes, note)
                OVER (PARTITION BY task ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS hash
    FROM (
        SELECT cs.id + row_number() OVER (ORDER BY e.at, e.sid, e.i) AS id,
               coalesce(h.hash, repeat('0', 64)) AS start_hash, e.*
        FROM ev e CROSS JOIN chain_start cs LEFT JOIN chain_heads h ON h.task = e.task
    ) o
) h
ORDER BY id;

ALTER TABLE events ENABLE TRIGGER events_chain;

SELECT setval('events_id_seq', (SELECT max(id) FROM events));

-- Sealed here, in id order, rather than left to the daemon's sequencer
-- during the measured runs.
SELECT events_seal(2147483647);

COMMIT;
