#!/usr/bin/python3
"""bench/report.py RUNS.jsonl REPORT.md: the results table of bench/run.

Reads the JSON lines bench/run wrote (one per measured run, plus "meta"
facts), prints the report and writes it to REPORT.md. Figures are medians
over the rounds with [min–max]; a ratio is of medians, with the range of the
per-round ratios (round r of A against round r of B: they ran back to back).
"""

import json
import statistics
import sys

# Issue 9's references for this kind of machine (2 cores, load on the same box).
REFERENCES = [
    (("reference", "point_select"), "prepared point select (`tasks` by id)", "~30k/s"),
    (("reference", "list_20"), "prepared 20-row list (`tasks` by id range)", "~20k/s"),
    (("reference", "update_insert"), "update + event insert in one CTE (scratch tables)",
     "~6k/s"),
    (("reference", "group_by"), "GROUP BY over all tasks", "~300/s at 20k tasks"),
    (("healthz", "bare_evhttp"), "bare evhttp handler", "30–40k/s"),
    (("healthz", "nginx"), "nginx, static file", "~45k/s"),
]

LABELS = {
    ("healthz", "daemon"): "GET /healthz — policytrackd",
    ("healthz", "bare_evhttp"): "GET /healthz — bare evhttp handler",
    ("healthz", "nginx"): "GET /healthz — nginx static file",
    ("task_get", "daemon"): "GET /api/v1/tasks/{id} — policytrackd",
    ("task_get", "pgbench"): "task_get SQL — pgbench -M prepared",
    ("task_list", "daemon"): "GET /api/v1/tasks?…&limit=20 — policytrackd",
    ("task_list", "pgbench"): "task_list SQL — pgbench -M prepared",
    ("task_list", "pgbench_7d8dfa3"): "task_list SQL of issue 15's day (7d8dfa3) — pgbench -M prepared",
    ("task_update", "daemon"): "PATCH /api/v1/tasks/{id} — policytrackd",
    ("task_update", "pgbench"): "task_update SQL — pgbench -M prepared",
    ("dashboard", "daemon"): "GET /api/v1/dashboard/summary — policytrackd",
    ("dashboard", "pgbench"): "dashboard_summary_counts SQL — pgbench -M prepared",
    ("dashboard", "nginx"): "dashboard summary bytes — nginx static file",
    ("login", "storm"): "POST /api/v1/sessions (login storm) — policytrackd",
    ("memory", "daemon_c1000"): "GET /healthz, 1,000 connections — policytrackd",
    ("reference", "point_select"): "reference: prepared point select",
    ("reference", "list_20"): "reference: prepared 20-row list",
    ("reference", "update_insert"): "reference: update + insert CTE",
    ("reference", "group_by"): "reference: GROUP BY over tasks",
}

# Issue 15's mixed workload: the dashboards it names, then the lists.
MIXED_TARGETS = [
    ("summary", "`/dashboard/summary`"),
    ("by_agency", "`/dashboard/by-agency`"),
    ("by_province", "`/dashboard/by-province`"),
    ("matrix", "`/dashboard/matrix?limit=50` (a page)"),
    ("list", "`/tasks?…&limit=20`"),
]
# Issue 15's single-request goals (ms), stated for 200,000 tasks / 10M events.
UNCACHED_GOALS = [
    ("summary", "summary", 2.0),
    ("by_agency", "by agency", None),
    ("by_province", "by province", None),
    ("matrix", "matrix, a page of 50 rows", 10.0),
    ("as_of", "summary `as_of` a past day", 50.0),
    ("trend", "trend over two years, monthly", 50.0),
    # No goal: the CSV export, every row in one answer (not paged).
    ("matrix_csv", "matrix, the whole CSV", None),
    # No goal: the summary on a daemon with every cache off (its token looked up too).
    ("summary_all_off", "summary, every cache off (token looked up too)", None),
]


def load(path):
    runs, meta = [], {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        if "meta" in r:
            meta.update(r["meta"])
        else:
            runs.append(r)
    return runs, meta


def series(runs, phase, target, key):
    out = {}
    for r in runs:
        if r.get("phase") == phase and r.get("target") == target and r.get(key) is not None:
            out[r["round"]] = r[key]
    return out


def cpu_per_req(r):
    if r.get("cpu_s") is None or not r.get("requests"):
        return None
    return r["cpu_s"] / r["requests"] * 1e6


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt_num(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_stat(s, digits=0):
    if s is None:
        return "–"
    med, lo, hi = s
    return f"{fmt_num(med, digits)} [{fmt_num(lo, digits)}–{fmt_num(hi, digits)}]"


def ratio(runs, a, b, key="rps"):
    """Median of a / median of b, and the range of per-round ratios."""
    sa, sb = series(runs, *a, key), series(runs, *b, key)
    if not sa or not sb:
        return None
    med = statistics.median(sa.values()) / statistics.median(sb.values()) \
        if statistics.median(sb.values()) else None
    per = [sa[r] / sb[r] for r in sa if r in sb and sb[r]]
    return med, (min(per) if per else None), (max(per) if per else None)


def fmt_ratio(rt):
    if rt is None or rt[0] is None:
        return "–"
    med, lo, hi = rt
    if lo is None:
        return f"{med:.2f}×"
    return f"{med:.2f}× [{lo:.2f}–{hi:.2f}]"


def mib(kib):
    try:
        return int(kib) / 1024.0
    except (TypeError, ValueError):
        return None


def verdict(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**missed**"


def build(runs, meta):
    L = []
    quick = meta.get("quick") == "1"
    L.append(f"# policytrack benchmark{' (quick smoke run: not a result)' if quick else ''}")
    L.append("")
    L.append(f"Run {meta.get('date', '?')}, commit {meta.get('commit', '?')} "
             f"({meta.get('branch', '?')}), in {meta.get('total_seconds', '?')} s "
             f"(set-up {meta.get('setup_seconds', '?')} s).")
    L.append("")
    L.append("| machine | |")
    L.append("| --- | --- |")
    for k, label in (("nproc", "cores"), ("cpu_model", "CPU"), ("ram", "RAM"),
                     ("kernel", "kernel"), ("os", "OS")):
        L.append(f"| {label} | {meta.get(k, '?')} |")
    for k in ("postgres", "pgbench", "libevent", "cjson", "wrk", "nginx", "gcc"):
        L.append(f"| {k} | {meta.get(k, '?')} |")
    L.append("")
    L.append(f"Data: {meta.get('tasks', '?')} tasks, {meta.get('events', '?')} events "
             f"({meta.get('data_source', '?')}"
             + (f", generated in {meta['gen_seconds']} s" if "gen_seconds" in meta else "")
             + f"). Daemon pool: {meta.get('pool_size', '?')} connections; pgbench runs "
             f"`-M prepared -c {meta.get('pool_size', '?')} -j 2` on the daemon's own SQL "
             "(`policytrack sql NAME`). wrk: `-t2 -c64`, keep-alive. Every workload: a "
             f"warm-up, then {meta.get('rounds', '?')} alternating rounds of "
             f"{meta.get('duration_s', '?')} s; figures are medians [min–max] over the "
             "rounds, ratios are of medians [range of the per-round ratios].")
    L.append("")

    # ---- targets
    L.append("## Targets (issue 9)")
    L.append("")
    L.append("| target | measured | goal | |")
    L.append("| --- | --- | --- | --- |")

    def med(phase, target, key="rps"):
        s = stats(series(runs, phase, target, key).values())
        return s[0] if s else None

    def target_row(name, rt, goal, ok_fn, detail=""):
        ok = None if rt is None or rt[0] is None else ok_fn(rt[0])
        L.append(f"| {name} | {fmt_ratio(rt)}{detail} | {goal} | {verdict(ok)} |")

    rt = ratio(runs, ("healthz", "daemon"), ("healthz", "bare_evhttp"))
    target_row("no-database endpoint (`/healthz`) vs the bare evhttp handler", rt, "≥ 0.8×",
               lambda v: v >= 0.8,
               f" ({fmt_num(med('healthz', 'daemon'))} vs {fmt_num(med('healthz', 'bare_evhttp'))} req/s)")
    rt = ratio(runs, ("task_get", "daemon"), ("task_get", "pgbench"))
    target_row("point read vs pgbench of the same SQL", rt, "≥ 0.5×", lambda v: v >= 0.5,
               f" ({fmt_num(med('task_get', 'daemon'))} vs {fmt_num(med('task_get', 'pgbench'))}/s)")
    rt = ratio(runs, ("task_list", "daemon"), ("task_list", "pgbench"))
    target_row("20-row list vs pgbench of the same SQL", rt, "≥ 0.5×", lambda v: v >= 0.5,
               f" ({fmt_num(med('task_list', 'daemon'))} vs {fmt_num(med('task_list', 'pgbench'))}/s)")
    rt = ratio(runs, ("task_update", "daemon"), ("task_update", "pgbench"))
    target_row("status change vs pgbench of the same statement", rt, "≥ 0.8×",
               lambda v: v >= 0.8,
               f" ({fmt_num(med('task_update', 'daemon'))} vs {fmt_num(med('task_update', 'pgbench'))}/s)")
    rt = ratio(runs, ("dashboard", "daemon"), ("healthz", "bare_evhttp"))
    target_row("dashboard summary vs the bare evhttp handler", rt, "≥ 0.5×",
               lambda v: v >= 0.5,
               f" ({fmt_num(med('dashboard', 'daemon'))} vs {fmt_num(med('healthz', 'bare_evhttp'))} req/s)")

    # CPU per request: daemon over the list rounds, bare handler over its rounds.
    d_cpu = stats([cpu_per_req(r) for r in runs
                   if r.get("phase") == "task_list" and r.get("target") == "daemon"])
    b_cpu = stats([cpu_per_req(r) for r in runs
                   if r.get("phase") == "healthz" and r.get("target") == "bare_evhttp"])
    if d_cpu and b_cpu and b_cpu[0]:
        rv = d_cpu[0] / b_cpu[0]
        L.append(f"| daemon CPU per list request vs the bare handler's per request | "
                 f"{rv:.2f}× ({d_cpu[0]:.1f} vs {b_cpu[0]:.1f} µs, from /proc utime+stime) | "
                 f"≤ 2× | {verdict(rv <= 2.0)} |")
    else:
        L.append("| daemon CPU per list request vs the bare handler's | – | ≤ 2× | not measured |")

    conns = mib(meta.get("rss_conns_kib"))
    seen = meta.get("conns_open_seen")
    if conns is not None:
        L.append(f"| RSS with 1,000 keep-alive connections | {conns:.1f} MiB "
                 f"(max of samples; {seen} connections open at most) | ≤ 64 MiB | "
                 f"{verdict(conns <= 64)} |")
    else:
        L.append("| RSS with 1,000 keep-alive connections | – | ≤ 64 MiB | not measured |")
    base, after = mib(meta.get("rss_baseline_kib")), mib(meta.get("rss_after_kib"))
    n = meta.get("requests_since_baseline")
    if base is not None and after is not None:
        grew = after - base
        enough = n is not None and int(n) >= 1000000
        ok = grew <= 1.0 if enough else None
        L.append(f"| RSS flat over 1,000,000 requests | {base:.1f} → {after:.1f} MiB "
                 f"({grew:+.2f} MiB over {int(n):,} requests) | growth ≤ 1 MiB | "
                 f"{verdict(ok) if enough else 'not measured (fewer requests: quick run)'} |")
    else:
        L.append("| RSS flat over 1,000,000 requests | – | growth ≤ 1 MiB | not measured |")
    q = stats(series(runs, "login", "health_quiet", "p99_ms").values())
    s = stats(series(runs, "login", "health_storm", "p99_ms").values())
    if q and s:
        allowed = q[0] + max(0.5 * q[0], 1.0)
        L.append(f"| `/healthz` p99 during a login storm | {s[0]:.2f} ms vs {q[0]:.2f} ms quiet "
                 f"(medians) | unmoved: ≤ quiet + max(50%, 1 ms) = {allowed:.2f} ms | "
                 f"{verdict(s[0] <= allowed)} |")
    else:
        L.append("| `/healthz` p99 during a login storm | – | unmoved | not measured |")
    L.append("")

    L.extend(issue15(runs, meta, med, d_cpu, b_cpu))

    # ---- every figure
    L.append("## Every workload")
    L.append("")
    L.append("wrk's latencies are at 64 connections, pgbench's at the pool size: compare "
             "req/s across the two tools, not latency. CPU is the server process's (the "
             "daemon, the bare handler, nginx), not PostgreSQL's.")
    L.append("")
    L.append("| workload | req/s | p50 ms | p99 ms | errors | CPU µs/req |")
    L.append("| --- | --- | --- | --- | --- | --- |")
    seen_keys = []
    for r in runs:
        k = (r.get("phase"), r.get("target"))
        if r.get("tool") in ("wrk", "pgbench") and k not in seen_keys and k[0] != "reference":
            seen_keys.append(k)
    for k in seen_keys:
        rs = [r for r in runs if (r.get("phase"), r.get("target")) == k]
        cpu = stats([cpu_per_req(r) for r in rs if r.get("server") != "postgres"])
        L.append(f"| {LABELS.get(k, ' / '.join(k))} "
                 f"| {fmt_stat(stats([r.get('rps') for r in rs]))} "
                 f"| {fmt_stat(stats([r.get('p50_ms') for r in rs]), 2)} "
                 f"| {fmt_stat(stats([r.get('p99_ms') for r in rs]), 2)} "
                 f"| {sum(r.get('errors', 0) for r in rs)} "
                 f"| {fmt_stat(cpu, 1)} |")
    L.append("")

    # ---- the machine's references
    if any(r.get("phase") == "reference" for r in runs):
        L.append("## The machine's references (issue 9 asks for them in every run)")
        L.append("")
        L.append("PostgreSQL alone on minimal statements of the bench's own (`pgbench -M prepared "
                 f"-c {meta.get('pool_size', '?')} -j 2`, rounds of "
                 f"{meta.get('reference_seconds', '?')} s), and the two HTTP floors above.")
        L.append("")
        L.append("| reference | req/s | p99 ms | issue 9's figure |")
        L.append("| --- | --- | --- | --- |")
        for k, label, figure in REFERENCES:
            rs = [r for r in runs if (r.get("phase"), r.get("target")) == k]
            if rs:
                L.append(f"| {label} | {fmt_stat(stats([r.get('rps') for r in rs]))} "
                         f"| {fmt_stat(stats([r.get('p99_ms') for r in rs]), 2)} | {figure} |")
        L.append("")

    # ---- every ratio
    L.append("## Every ratio (req/s, medians)")
    L.append("")
    L.append("| | ratio |")
    L.append("| --- | --- |")
    pairs = [
        (("healthz", "daemon"), ("healthz", "bare_evhttp")),
        (("healthz", "daemon"), ("healthz", "nginx")),
        (("healthz", "bare_evhttp"), ("healthz", "nginx")),
        (("task_get", "daemon"), ("task_get", "pgbench")),
        (("task_list", "daemon"), ("task_list", "pgbench")),
        (("task_list", "daemon"), ("task_list", "pgbench_7d8dfa3")),
        (("task_list", "pgbench"), ("task_list", "pgbench_7d8dfa3")),
        (("task_update", "daemon"), ("task_update", "pgbench")),
        (("dashboard", "daemon"), ("dashboard", "pgbench")),
        (("dashboard", "daemon"), ("dashboard", "nginx")),
        (("dashboard", "daemon"), ("healthz", "bare_evhttp")),
        (("task_get", "daemon"), ("healthz", "bare_evhttp")),
        (("task_list", "daemon"), ("healthz", "bare_evhttp")),
        (("task_get", "pgbench"), ("reference", "point_select")),
        (("task_list", "pgbench"), ("reference", "list_20")),
        (("task_update", "pgbench"), ("reference", "update_insert")),
        (("dashboard", "pgbench"), ("reference", "group_by")),
    ]
    for a, b in pairs:
        rt = ratio(runs, a, b)
        if rt:
            L.append(f"| {LABELS.get(a, a)} ÷ {LABELS.get(b, b)} | {fmt_ratio(rt)} |")
    d_h = stats([cpu_per_req(r) for r in runs
                 if r.get("phase") == "healthz" and r.get("target") == "daemon"])
    if d_h and b_cpu and b_cpu[0]:
        L.append(f"| daemon CPU per /healthz ÷ bare handler's CPU per request | "
                 f"{d_h[0] / b_cpu[0]:.2f}× ({d_h[0]:.1f} vs {b_cpu[0]:.1f} µs) |")
    if d_cpu and b_cpu and b_cpu[0]:
        L.append(f"| daemon CPU per list request ÷ bare handler's CPU per request | "
                 f"{d_cpu[0] / b_cpu[0]:.2f}× ({d_cpu[0]:.1f} vs {b_cpu[0]:.1f} µs) |")
    L.append("")

    # ---- memory
    L.append("## Memory (daemon VmRSS)")
    L.append("")
    L.append("| when | MiB |")
    L.append("| --- | --- |")
    for k, label in (("rss_idle_kib", "idle, just started"),
                     ("rss_baseline_kib", "after a short pass of every workload (baseline)"),
                     ("rss_after_kib",
                      f"after {int(meta.get('requests_since_baseline', 0) or 0):,} more requests"),
                     ("rss_conns_kib", "with 1,000 keep-alive connections busy (max sample)"),
                     ("rss_end_kib", "after those connections closed")):
        v = mib(meta.get(k))
        if v is not None:
            L.append(f"| {label} | {v:.1f} |")
    L.append("")

    # ---- login storm
    if q or s:
        L.append("## Login storm")
        L.append("")
        L.append("`/healthz` probed at 100 Hz over one keep-alive connection (bench/tool.py "
                 "probe), alone and while wrk `-t2 -c64` signs in as fast as it can.")
        L.append("")
        L.append("| | p50 ms | p99 ms | max ms | samples | errors |")
        L.append("| --- | --- | --- | --- | --- | --- |")
        for t, label in (("health_quiet", "quiet"), ("health_storm", "during the storm")):
            rs = [r for r in runs if r.get("phase") == "login" and r.get("target") == t]
            if rs:
                L.append(f"| {label} | {fmt_stat(stats([r['p50_ms'] for r in rs]), 2)} "
                         f"| {fmt_stat(stats([r['p99_ms'] for r in rs]), 2)} "
                         f"| {fmt_stat(stats([r['max_ms'] for r in rs]), 2)} "
                         f"| {sum(r['samples'] for r in rs)} | {sum(r['errors'] for r in rs)} |")
        storms = [r for r in runs if r.get("phase") == "login" and r.get("target") == "storm"]
        if storms:
            ok = stats([r["wrk"].get("signed_in", 0) / (r["wrk"]["duration_us"] / 1e6)
                        for r in storms])
            tot = {k: sum(r["wrk"].get(k, 0) for r in storms)
                   for k in ("signed_in", "throttled", "overloaded", "other")}
            L.append("")
            L.append(f"The storm: {fmt_stat(ok, 1)} sign-ins per second (201), over "
                     f"{meta.get('login_users', '?')} users; answers in all: "
                     f"{tot['signed_in']} signed in, {tot['throttled']} throttled (429), "
                     f"{tot['overloaded']} overloaded (503), {tot['other']} other.")
        L.append("")

    # ---- notes
    L.append("## How it was measured")
    L.append("")
    L.append("- All on one machine, loopback only; the load generators share the cores "
             "with the servers and PostgreSQL.")
    lvl = meta.get("log_level", "?")
    if lvl in ("info", "debug"):
        logging = (f"`--log-level {lvl}`, its default: an access-log line per request, "
                   f"{int(meta.get('daemon_log_bytes', 0) or 0) / 1e6:,.0f} MB of log in all, "
                   "written to a file in /dev/shm; nginx runs with `access_log off`, the bare "
                   "handler logs nothing")
    else:
        logging = f"`--log-level {lvl}`: no access log, like nginx (`access_log off`)"
    L.append(f"- policytrackd: release build (`build-bench`), default settings; {logging}.")
    L.append("- The bare handler (`bench/bare/bare_evhttp.c`) and nginx (one worker, "
             "keep-alive, no request cap per connection) answer the very bytes of the "
             "daemon's `/healthz` (body, Content-Type, X-Request-Id); nginx also serves the "
             f"dashboard summary's bytes ({meta.get('summary_bytes', '?')} B).")
    L.append("- Reads use an observer's token; task ids are uniform over "
             f"{meta.get('task_id_range', '?')} for wrk and pgbench alike; the list rotates "
             f"through the same filters in both: {meta.get('list_filters', '?')}.")
    L.append("- PATCH: one agency officer per wrk thread "
             f"({meta.get('patch_agencies', '?')}; {meta.get('patch_tasks', '?')} open tasks), "
             "each walking its own tasks with If-Match from the last ETag; every change is a "
             "real transition (in_progress → blocked with a note, blocked/not_started → "
             "in_progress). pgbench sends the same statement and the same transitions "
             "as a coordinator, If-Match NULL.")
    patches = [r for r in runs if r.get("phase") == "task_update" and r.get("target") == "daemon"]
    if patches:
        tot = {k: sum(r["wrk"].get(k, 0) for r in patches)
               for k in ("ok", "stale", "refused", "other", "unmatched")}
        L.append(f"- PATCH answers over the measured rounds: {tot['ok']} changed (200), "
                 f"{tot['stale']} stale (412), {tot['refused']} refused (409), "
                 f"{tot['other']} other, {tot['unmatched']} not matched to a task.")
    L.append("- pgbench cannot send NULL: a NULL parameter is `CAST(NULLIF(:v, 'NULL') AS "
             "type)`. In a generic plan that NULLIF is evaluated per row where the daemon's "
             "`$n IS NULL` is not; measured by hand on `task_list` at 20k tasks it makes "
             "pgbench's generic plan 5–20% slower, so the list ratio is flattered by about "
             "that much.")
    L.append("- CPU: utime+stime from /proc/PID/stat over each run, divided by the requests "
             "answered in it.")
    L.append(f"- PostgreSQL: the bench's own throwaway cluster (`PT_PG_CLUSTER=bench scripts/pg`), unix socket; "
             f"{meta.get('pg_settings', '?')}. Durability is traded for speed there (no fsync), "
             "which flatters every write figure, the daemon's and pgbench's alike.")
    L.append(f"- Daemon errors logged during the run: {meta.get('daemon_errors_logged', '?')}.")
    if meta.get("log_level") in ("info", "debug"):
        L.append("- The daemon's answers other than 2xx, from its access log (route → status: "
                 f"count; warm-ups included): {meta.get('daemon_non2xx') or 'none'}.")
    L.append("")
    return "\n".join(L)


def issue15(runs, meta, med, d_cpu, b_cpu):
    """Issue 15's targets and the mixed workload's figures."""
    L = []
    mixed = any(r.get("phase") == "mixed_writes" for r in runs)
    uncached = [r for r in runs if r.get("phase") == "uncached"]
    frozen = any(r.get("phase") == "task_list" and r.get("target") == "pgbench_7d8dfa3" for r in runs)
    if not mixed and not uncached and not frozen and not any(r.get("phase") == "task_update" for r in runs):
        return L
    L.append("## Targets (issue 15)")
    L.append("")
    L.append(f"At this run's size: {meta.get('tasks', '?')} tasks, {meta.get('events', '?')} "
             "events (the issue states its goals for 200,000 tasks and 10,000,000 events: "
             "`bench/run --scale 10`).")
    L.append("")
    L.append("| target | measured | goal | |")
    L.append("| --- | --- | --- | --- |")
    rate = meta.get("write_rate", "?")
    for t, label in MIXED_TARGETS[:4]:
        rps, p99 = med("mixed_writes", t), med("mixed_writes", t, "p99_ms")
        if rps is None:
            L.append(f"| {label} under {rate} status changes/s | – | ≥ 10,000 req/s, "
                     "p99 ≤ 20 ms | not measured |")
            continue
        ok = rps >= 10000 and p99 is not None and p99 <= 20
        L.append(f"| {label} under {rate} status changes/s | {fmt_num(rps)} req/s, "
                 f"p99 {fmt_num(p99, 2)} ms | ≥ 10,000 req/s, p99 ≤ 20 ms | {verdict(ok)} |")
    for t, label, goal in UNCACHED_GOALS:
        rs = [r for r in uncached if r.get("target") == t]
        if goal is None:
            continue
        if not rs or rs[0].get("p50_ms") is None:
            L.append(f"| uncached {label} | – | ≤ {goal:g} ms | not measured |")
            continue
        v = rs[0]["p50_ms"]
        L.append(f"| uncached {label} (p50 of {rs[0]['samples']} single requests over HTTP) "
                 f"| {v:.2f} ms | ≤ {goal:g} ms | {verdict(v <= goal)} |")
    upd = med("task_update", "daemon")
    L.append(f"| status changes (wrk, agency officers on their own tasks) | {fmt_num(upd)}/s "
             f"| ≥ 3,000/s | {verdict(None if upd is None else upd >= 3000)} |")
    rt = ratio(runs, ("task_update", "daemon"), ("reference", "update_insert"))
    L.append(f"| status changes vs the update-plus-insert reference | {fmt_ratio(rt)} "
             f"| ≥ 0.25× | {verdict(None if rt is None or rt[0] is None else rt[0] >= 0.25)} |")
    # "Today's rate" is that of issue 15's day (7d8dfa3), when the daemon ran at
    # 1.01-1.02x of pgbench of its statement: that statement, frozen in
    # bench/reference/, is the reference, measured in this run.
    rt = ratio(runs, ("task_list", "daemon"), ("task_list", "pgbench_7d8dfa3"))
    detail = (f" ({fmt_num(med('task_list', 'daemon'))} vs "
              f"{fmt_num(med('task_list', 'pgbench_7d8dfa3'))}/s)" if rt else "")
    L.append(f"| 20-row list vs pgbench of the list statement of issue 15's day "
             f"(`bench/reference/task_list_7d8dfa3.sql`; that day's daemon ran at 1.01–1.02× "
             f"of it) | {fmt_ratio(rt)}{detail} | ≥ 3× | "
             f"{verdict(None if rt is None or rt[0] is None else rt[0] >= 3.0)} |")
    if d_cpu and b_cpu and b_cpu[0]:
        rv = d_cpu[0] / b_cpu[0]
        L.append(f"| daemon CPU per list request vs the bare handler's | {rv:.2f}× | ≤ 3× "
                 f"| {verdict(rv <= 3.0)} |")
    L.append("")
    if mixed:
        L.append(f"### Mixed workload: reads at rest and under {rate} status changes a second")
        L.append("")
        L.append("wrk `-t2 -c64` on one endpoint at a time (the lists rotate through the "
                 "task_list filters), each round once at rest and once while `bench/mixed.py "
                 f"writer` changes statuses at {rate}/s as the agency officers, on a schedule "
                 "(a slow answer does not lower the rate). Medians [min–max] over the rounds.")
        L.append("")
        L.append("| reads | at rest req/s | under writes req/s | ratio | p99 ms at rest "
                 "| p99 ms under writes | writes done/s | write p99 ms |")
        L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for t, label in MIXED_TARGETS:
            rest = stats(series(runs, "mixed_rest", t, "rps").values())
            busy = stats(series(runs, "mixed_writes", t, "rps").values())
            if not busy:
                continue
            w = [r for r in runs if r.get("phase") == "mixed_writer" and r.get("target") == t]
            L.append(f"| {label} | {fmt_stat(rest)} | {fmt_stat(busy)} "
                     f"| {fmt_ratio(ratio(runs, ('mixed_writes', t), ('mixed_rest', t)))} "
                     f"| {fmt_stat(stats(series(runs, 'mixed_rest', t, 'p99_ms').values()), 2)} "
                     f"| {fmt_stat(stats(series(runs, 'mixed_writes', t, 'p99_ms').values()), 2)} "
                     f"| {fmt_stat(stats([r.get('rate') for r in w]), 1)} "
                     f"| {fmt_stat(stats([r.get('p99_ms') for r in w]), 2)} |")
        writers = [r for r in runs if r.get("phase") == "mixed_writer"]
        L.append("")
        L.append(f"Writes over the mixed rounds: {sum(r['ok'] for r in writers)} changed, "
                 f"{sum(r['stale'] for r in writers)} stale (412), "
                 f"{sum(r['other'] for r in writers)} other.")
        L.append("")
    if uncached:
        L.append("### Single requests, dashboard answers not kept")
        L.append("")
        L.append("A second daemon with `--dashboard-cache 0` (every dashboard computed; the "
                 "token's identity kept, as for any reader), one request at a time on one "
                 "keep-alive connection, the paths interleaved; the last row is a third daemon "
                 "with every cache off (`--cache-max-age-ms 0`: the token looked up each time): "
                 f"{meta.get('history_dates', '?')}.")
        L.append("")
        L.append("| request | p50 ms | p99 ms | max ms | samples | errors | bytes |")
        L.append("| --- | --- | --- | --- | --- | --- | --- |")
        for t, label, _ in UNCACHED_GOALS:
            for r in uncached:
                if r.get("target") == t:
                    L.append(f"| {label} | {fmt_num(r.get('p50_ms'), 2)} "
                             f"| {fmt_num(r.get('p99_ms'), 2)} | {fmt_num(r.get('max_ms'), 2)} "
                             f"| {r.get('samples')} | {r.get('errors')} | {r.get('bytes')} |")
        L.append("")
    return L


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs, meta = load(sys.argv[1])
    text = build(runs, meta)
    print(text)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
