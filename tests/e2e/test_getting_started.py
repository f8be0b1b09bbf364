"""docs/getting-started.md and its Chinese twin, run as written.

Every ```sh block of each guide is run, in order, in one bash (so variables
and functions carry from block to block, as in a reader's terminal), with
`set -euo pipefail`, against a fresh database and daemon: PT is the daemon's
URL, POLICYTRACK_MIGRATE_DATABASE_URL the database, as the guide's first block
expects. Then the outcome is checked through the API, so a guide that runs
but no longer does what it says fails too.
"""

import os
import re
import subprocess
import tempfile

import pytest

import ptutil

GUIDES = ["docs/getting-started.md", "docs/getting-started.zh-CN.md"]

BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)


def sh_blocks(path):
    return BLOCK.findall((ptutil.ROOT / path).read_text(encoding="utf-8"))


def script_of(blocks):
    """One bash script: each block announced on stderr, so a failure says which."""
    parts = ["set -euo pipefail"]
    for i, block in enumerate(blocks, 1):
        first = block.strip().splitlines()[0]
        parts.append(f"echo '>>> block {i}: {first.replace(chr(39), '')}' >&2")
        parts.append(block)
    return "\n".join(parts) + "\n"


def test_guides_have_the_same_commands():
    """The two languages tell one story: the same commands, in the same order."""
    en, zh = (sh_blocks(p) for p in GUIDES)
    assert len(en) >= 10, "the guide's sh blocks are missing"
    assert en == zh, "docs/getting-started.md and its zh-CN twin run different commands"


@pytest.mark.parametrize("path", GUIDES)
def test_guide_runs_as_written(path, fresh_db, daemons):
    ptutil.migrate(fresh_db.owner_url)
    d = daemons.start(database_url=fresh_db.app_url)
    env = ptutil.program_env({
        "PT": f"http://127.0.0.1:{d.port}",
        "POLICYTRACK_MIGRATE_DATABASE_URL": fresh_db.owner_url,
    })
    with tempfile.TemporaryDirectory(prefix="pt-guide-") as work:
        # The guide runs from a checkout and puts "$PWD/build" on PATH: here
        # that is the build under test.
        os.symlink(ptutil.BUILD_DIR, f"{work}/build")
        script = script_of(sh_blocks(path))
        cp = subprocess.run(["bash", "-c", script], cwd=work, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=70)  # the test cap is 75 s
        report = ptutil.sanitizer_excerpt(cp.stderr)
        assert not report, report
        assert cp.returncode == 0, (f"{path}: exit {cp.returncode}\nstdout:\n{ptutil.tail(cp.stdout)}"
                                    f"\nstderr:\n{ptutil.tail(cp.stderr)}")
        with open(f"{work}/by-province.csv", "rb") as f:
            csv = f.read()
    assert csv.startswith(b"\xef\xbb\xbf") and b"CN-LN" in csv

    # What the day did, seen by the auditor (an observer made by the guide).
    token = ptutil.issue_token(fresh_db.owner_url, "audit")
    h = ptutil.bearer(token)
    reports = d.get("/api/v1/reports?period=2017-Q2", headers=h).json()["items"]
    assert [(r["province"]["code"] if isinstance(r["province"], dict) else r["province"], r["state"])
            for r in reports] == [("CN-LN", "accepted")], reports
    done = d.get("/api/v1/tasks?agency=sipo&province=CN-LN&status=completed", headers=h).json()["items"]
    assert len(done) == 1 and done[0]["evidence"], done
    files = d.get(f"/api/v1/tasks/{done[0]['id']}/files", headers=h).json()
    assert len(files["items"]) == 1, files
    comp = d.get("/api/v1/dashboard/reporting-compliance?period=2017-Q2", headers=h).json()
    states = {r["province"]["code"]: r["state"] for r in comp["periods"][0]["provinces"]}
    assert states["CN-LN"] == "accepted", comp
