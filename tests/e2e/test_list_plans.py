"""The task list is sent as one statement per set of filters (sql/embed.py,
`-- plans: one per filter set`), each prepared with a generic plan that
PostgreSQL keeps, instead of the one catch-all statement planned afresh for
every request. The answers must not change by a byte.

On a database filled by bench/gen-data, seeded random filter sets (good
values and bad ones, for callers of every kind, following `next` links) go
to two daemons: the default one, which sends the variants, and one with
--statement-mode=unnamed, which sends sql/tasks/task_list.sql as written.
Their bodies must be equal byte for byte (items, limit, next links, 400
problems); and the statement as written, run through psql, must yield the
same items, next key and problem.

That no planning happens per request is seen through auto_explain, loaded
for this database's sessions and reporting as a NOTICE (which the daemon
logs): a plan made for the values given shows them as literals, a generic
plan shows $n."""

import base64
import json
import random
import re
import urllib.parse

import pytest

import ptutil

SEED = 20261207
FILTERS = ("agency", "province", "measure", "section", "status", "role", "rag", "overdue", "q",
           "document", "receipt", "extension", "escalation")


@pytest.fixture(scope="module")
def db(generated_db):
    return generated_db


@pytest.fixture(scope="module")
def callers(db):
    return ptutil.callers(db.app_url, {"observer": ("observer", None, None),
                                       "coordinator": ("coordinator", None, None),
                                       "agency": ("agency", "ndrc", None),
                                       "agency_province": ("agency", "sipo", "CN-LN")})


@pytest.fixture(scope="module")
def two(module_daemons, db):
    variants = module_daemons.start("--pool-size", "2", database_url=db.app_url)
    as_written = module_daemons.start("--pool-size", "2", "--statement-mode", "unnamed",
                                      database_url=db.app_url)
    return variants, as_written


def values_of(url, sql):
    return [line for line in ptutil.psql(url, sql).stdout.split("\n") if line]


@pytest.fixture(scope="module")
def choices(db):
    url = db.app_url
    return {
        "agency": values_of(url, "SELECT code FROM agencies ORDER BY code") + ["nope"],
        "province": values_of(url, "SELECT code FROM provinces ORDER BY code") + ["CN-XX"],
        "measure": values_of(url, "SELECT code FROM measures ORDER BY id LIMIT 6") + ["9.9.9"],
        "section": values_of(url, "SELECT code FROM sections ORDER BY id LIMIT 6") + ["9"],
        "status": values_of(url, "SELECT status FROM task_statuses") + ["bogus"],
        "role": ["lead", "support", "chief"],
        "rag": ["red", "amber", "green"],
        "overdue": ["true", "false"],
        "q": ["知识产权", "patent", "3.1", "%", "_", "\\", "nothing-matches-this"],
        "document": values_of(url, "SELECT code FROM documents ORDER BY id") + ["nope"],
        "receipt": ["unreceived", "received", "sent_back", "lost"],
        "extension": ["open", "closed"],
        "escalation": values_of(url, "SELECT code FROM escalation_levels ORDER BY code") + ["none", "bogus"],
    }


def random_query(rng, choices):
    query = {}
    for name in rng.sample(FILTERS, rng.choice((0, 0, 1, 1, 2, 3, 4))):
        query[name] = rng.choice(choices[name])
    query["limit"] = str(rng.choice((1, 5, 20, 20, 100)))
    return query


def same(body):
    """A body without the request's own id (each request has its own)."""
    return re.sub(rb'"request_id":"[0-9a-f]+"', b'"request_id":""', body)


def literal(value):
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def key_of(next_link):
    """The key a next link's cursor carries (base64url without padding)."""
    cursor = urllib.parse.parse_qs(urllib.parse.urlsplit(next_link).query)["cursor"][0]
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def test_variants_answer_what_the_statement_as_written_answers(db, callers, two, choices):
    variants, as_written = two
    rng = random.Random(SEED)
    cases = []  # (caller, query, after key, body)
    for _ in range(120):
        caller = rng.choice(sorted(callers))
        query = random_query(rng, choices)
        after = None
        for page in range(rng.choice((1, 1, 2, 3))):
            path = "/api/v1/tasks?" + urllib.parse.urlencode(query)
            if page:
                path = nxt
            a = variants.get(path, headers=callers[caller][1])
            b = as_written.get(path, headers=callers[caller][1])
            assert (a.status, same(a.body)) == (b.status, same(b.body)), path
            assert a.status in (200, 400), (path, a.body)
            cases.append((caller, query, after, a))
            nxt = a.json().get("next") if a.status == 200 else None
            if not nxt:
                break
            after = key_of(nxt)
    statuses = [c[3].status for c in cases]
    assert statuses.count(400) >= 10 and statuses.count(200) >= 60, statuses
    assert sum(1 for c in cases if c[3].status == 200 and c[3].json()["next"]) >= 20
    assert sum(1 for c in cases if c[3].status == 200 and not c[3].json()["items"]) >= 5

    # The statement as written, straight through psql, with the same parameters.
    sql = ptutil.run_cli(["sql", "task_list"], expect_rc=0).stdout.strip()
    script = ["\\pset fieldsep_zero", f"PREPARE s AS {sql};"]
    for caller, query, after, _ in cases:
        role, agency, province = callers[caller][0]
        params = [role, agency, province] + [query.get(n) for n in FILTERS[:8]] + \
                 [after, query["limit"]] + [query.get(n) for n in FILTERS[8:]]
        script.append(f"EXECUTE s({', '.join(literal(v) for v in params)});")
    rows = ptutil.psql(db.app_url, "\n".join(script) + "\n").stdout.split("\n")
    rows = [r for r in rows if r]
    assert len(rows) == len(cases)
    for row, (caller, query, after, resp) in zip(rows, cases):
        items, next_key, problem = row.split("\0")
        if problem:
            assert resp.status == 400, (query, problem, resp.body)
            continue
        assert resp.status == 200, (query, resp.body)
        body = resp.json()
        assert body["items"] == json.loads(items), query
        assert (key_of(body["next"]) if body["next"] else "") == next_key, query


def plan_notices(d):
    """The plans auto_explain reported for d's lists (a page is a Limit)."""
    return [rec["detail"] for rec in d.log_records()
            if rec.get("msg") == "postgres notice" and "Limit" in rec.get("detail", "")]


def test_a_filter_set_keeps_its_generic_plan(db, module_daemons, callers):
    """Through one connection, the same filter set (other values each time)
    runs a plan with $n where the values would be: planned once, reused."""
    admin = ptutil.admin_db_url()
    ptutil.psql(admin, f"ALTER DATABASE {db.name} SET session_preload_libraries = 'auto_explain';\n"
                       f"ALTER DATABASE {db.name} SET auto_explain.log_min_duration = 0;\n"
                       f"ALTER DATABASE {db.name} SET auto_explain.log_level = 'notice';\n")
    try:
        d = module_daemons.start("--pool-size", "1", database_url=db.app_url)
        headers = callers["observer"][1]
        provinces = ["CN-LN", "CN-JL", "CN-HL", "CN-NM"] * 3
        for province in provinces:
            r = d.get(f"/api/v1/tasks?province={province}&status=in_progress&limit=20", headers=headers)
            assert r.status == 200, r.body
        # The daemon logs each notice as it reads it, which may be after the
        # answer went out: wait for the last one, bounded.
        ptutil.wait_for(lambda: len([p for p in plan_notices(d) if "province_code" in p]) >= len(provinces),
                        5.0, "a plan notice for every request")
        lists = [p for p in plan_notices(d) if "province_code" in p]
        for plan in lists:
            assert "'CN-" not in plan and "'in_progress'" not in plan, plan
            assert "province_code = $5" in plan, plan
        # The statement as written, by contrast, is planned for its values every time.
        w = module_daemons.start("--pool-size", "1", "--statement-mode", "unnamed",
                                 database_url=db.app_url)
        assert w.get("/api/v1/tasks?province=CN-JL&status=in_progress&limit=20", headers=headers).status == 200
        # Its notice too may be logged after the answer went out.
        ptutil.wait_for(lambda: any("'CN-JL'" in p for p in plan_notices(w)), 5.0, "the plan notice of the request")
        written = plan_notices(w)
        assert written and any("'CN-JL'" in p for p in written), written
    finally:
        ptutil.psql(admin, f"ALTER DATABASE {db.name} RESET ALL;\n")
