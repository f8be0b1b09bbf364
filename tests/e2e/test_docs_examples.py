"""Every example exchange in docs/*.md and the README answers as the doc says.

An example is an ```http block holding a request (method, path, headers, a
blank line, a body) followed by an ```http block holding its answer (the
status line, headers, a blank line, JSON). The answer must have that status,
those headers and the JSON shown, where shown means a subset: an object's
keys shown must be there with matching values, a list's items shown must
start the list, and "…" matches any value (at the end of a string: any rest).
A request names its caller by role: `Authorization: Bearer $COORDINATOR`
(also $ADMIN, $AGENCY: sipo in CN-LN, $PROVINCE: CN-LN, $OBSERVER).
`<!-- example: no-database -->` before a request runs it against a daemon
whose database is unreachable.

The README's `curl -s http://127.0.0.1:8080/PATH   # {JSON}` lines are
checked the same way, and the defaults the docs quote are compared with what
the programs print, so a number in the docs is read from the service.
"""

import json
import re

import pytest

import ptutil

DOCS = sorted(p for p in (ptutil.ROOT / "docs").glob("*.md")) + [ptutil.ROOT / "README.md"]

EXAMPLE = re.compile(r"(?:<!-- example: ([a-z-]+) -->\s*)?```http\n(.*?)^```\s*```http\n(HTTP/1\.1 .*?)^```",
                     re.S | re.M)

ROLES = {
    "ADMIN": ("admin", None, None),
    "COORDINATOR": ("coordinator", None, None),
    "AGENCY": ("agency", "sipo", "CN-LN"),
    "PROVINCE": ("province", None, "CN-LN"),
    "OBSERVER": ("observer", None, None),
}


def examples():
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in EXAMPLE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(pytest.param(m.group(1) or "database", m.group(2), m.group(3),
                                      id=f"{path.name}:{line}"))
    return found


def split_message(text):
    head, _, body = text.partition("\n\n")
    lines = head.strip("\n").splitlines()
    headers = [tuple(x.strip() for x in h.split(":", 1)) for h in lines[1:]]
    return lines[0], headers, body.strip()


def matches(shown, actual, where="$"):
    """Problems where actual does not show what shown shows (empty: it does)."""
    if isinstance(shown, str) and shown.endswith("…"):
        if isinstance(actual, str) and actual.startswith(shown[:-1]) or shown == "…":
            return []
        return [f"{where}: {actual!r} does not start with {shown[:-1]!r}"]
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: {actual!r} is not an object"]
        out = []
        for k, v in shown.items():
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            else:
                out += matches(v, actual[k], f"{where}.{k}")
        return out
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) < len(shown):
            return [f"{where}: {actual!r} is not a list of at least {len(shown)}"]
        return [p for i, v in enumerate(shown) for p in matches(v, actual[i], f"{where}[{i}]")]
    if shown != actual or type(shown) is not type(actual):
        return [f"{where}: {actual!r}, the doc says {shown!r}"]
    return []


@pytest.fixture(scope="module")
def service(module_daemons):
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        tokens = {}
        for name, (role, agency, province) in ROLES.items():
            user = ptutil.make_user(db.owner_url, role, agency=agency, province=province)
            tokens[name] = ptutil.issue_token(db.owner_url, user)
        d = module_daemons.start(database_url=db.app_url)
        yield {"database": d, "tokens": tokens, "module_daemons": module_daemons}
        module_daemons.finish()


def daemon_for(service, context):
    if context == "database":
        return service["database"]
    if context == "no-database":
        if "no-database" not in service:
            service["no-database"] = service["module_daemons"].start(
                database_url="host=/nonexistent dbname=policytrack connect_timeout=1")
        return service["no-database"]
    pytest.fail(f"unknown example context {context!r}")


@pytest.mark.parametrize("context,request_text,answer_text", examples())
def test_example_answers_as_documented(service, context, request_text, answer_text):
    d = daemon_for(service, context)
    request_line, headers, body = split_message(request_text)
    method, target = request_line.split()[:2]
    sent = {}
    for name, value in headers:
        for role, token in service["tokens"].items():
            value = value.replace(f"${role}", token)
        sent[name] = value
    r = d.request(method, target, headers=sent, body=body.encode() if body else None)

    status_line, want_headers, want_body = split_message(answer_text)
    want_status = int(status_line.split()[1])
    assert r.status == want_status, f"{method} {target}: {r.status}, the doc says {want_status}: {r.body[:600]!r}"
    for name, value in want_headers:
        got = r.header(name)
        assert got is not None and (got == value or got.split(";")[0].strip() == value
                                    or value.endswith("…") and got.startswith(value[:-1])), \
            f"{method} {target}: {name}: {got!r}, the doc says {value!r}"
    if want_body:
        problems = matches(json.loads(want_body), r.json())
        assert not problems, f"{method} {target}:\n" + "\n".join(problems) + f"\nanswer: {r.body[:800]!r}"


def test_docs_have_examples():
    assert len(examples()) >= 8


README_CURL = re.compile(r"^curl -s http://127\.0\.0\.1:8080(/\S+)\s+#\s*(\{.*\})\s*$", re.M)


def test_readme_answers_are_the_services(service):
    """The README's hand checks show what the daemon answers: schema_version
    and all, read from the running service rather than typed."""
    text = (ptutil.ROOT / "README.md").read_text(encoding="utf-8")
    found = README_CURL.findall(text)
    assert found, "README.md: no `curl -s http://127.0.0.1:8080/PATH  # {JSON}` lines"
    for path, shown in found:
        r = service["database"].get(path)
        assert r.status == 200, f"README: GET {path} answered {r.status}"
        problems = matches(json.loads(shown), r.json())
        assert not problems, f"README: GET {path}:\n" + "\n".join(problems)


def config_defaults():
    """flag -> default, from policytrackd --print-config-table."""
    cp = ptutil.run_daemon_once(["--print-config-table"])
    rows = {}
    for line in cp.stdout.splitlines():
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("--"):  # flag, environment, default, meaning[, SIGHUP]
            rows[cells[0]] = cells[2]
    return rows


def test_quoted_defaults_are_the_programs():
    """Defaults the README and the docs quote in prose are the programs' own."""
    defaults = config_defaults()
    readme = (ptutil.ROOT / "README.md").read_text(encoding="utf-8")
    help_text = ptutil.run_cli(["help"], expect_rc=0).stdout

    # The address scripts/run serves on, quoted throughout the README.
    listen = defaults["--listen"]
    assert f"serve on http://{listen}" in readme, f"README does not say it serves on {listen}"
    # The CLI's time zone default, as the README and `policytrack help` say it.
    zone = re.search(r"`\$POLICYTRACK_TIME_ZONE` \(default `([^`]+)`\)", readme)
    assert zone, "README no longer quotes the CLI's time zone default"
    assert zone.group(1) == defaults["--time-zone"]
    assert f"$POLICYTRACK_TIME_ZONE (default {zone.group(1)})" in " ".join(help_text.split())

    docs = {p.name: p.read_text(encoding="utf-8") for p in (ptutil.ROOT / "docs").glob("*.md")}
    mib = re.search(r"`--max-upload-bytes` \((\d+) MiB by default\)", docs["workflow.md"])
    assert mib and int(mib.group(1)) * 1048576 == int(defaults["--max-upload-bytes"])
    mib = re.search(r"`--max-body-bytes` \((\d+) MiB\)", docs["workflow.md"])
    assert mib and int(mib.group(1)) * 1048576 == int(defaults["--max-body-bytes"])
    acquire = re.search(r"`--acquire-timeout-ms` \((\d+) s by default\)", docs["operations.md"])
    assert acquire and int(acquire.group(1)) * 1000 == int(defaults["--acquire-timeout-ms"])


def test_performance_quotes_the_latest_run():
    """docs/performance.md's figures are bench/results/latest.md's run."""
    latest = (ptutil.ROOT / "bench" / "results" / "latest.md").read_text(encoding="utf-8")
    run = re.search(r"commit ([0-9a-f]{7,40})", latest)
    assert run, "bench/results/latest.md names no commit"
    page = (ptutil.ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r"latest run (?:is of |\()([0-9a-f]{7,40})", page))
    assert quoted == {run.group(1)}, f"docs/performance.md quotes {quoted}, the latest run is {run.group(1)}"
