"""The catalogue in a freshly migrated database holds the whole notice, checked
against the project's copy of the source text by tests/catalogue/check_catalogue.py
(counts, verbatim text and sentence coverage, mappings, tasks)."""

import subprocess

import ptutil


def test_catalogue_matches_the_source(fresh_db):
    # A database of its own: the checker also asserts the tasks' initial state.
    ptutil.migrate(fresh_db.owner_url)
    checker = ptutil.ROOT / "tests" / "catalogue" / "check_catalogue.py"
    source = ptutil.ROOT / "docs" / "source" / "notice.zh-Hans.txt"
    r = subprocess.run(["/usr/bin/python3", str(checker), "--database-url", fresh_db.owner_url,
                        "--source", str(source)], capture_output=True, text=True, timeout=120)
    failed = [line for line in r.stdout.splitlines() if line.startswith("not ok")]
    assert r.returncode == 0 and not failed, f"catalogue checks failed:\n{r.stdout}\n{r.stderr}"
    assert "1..0" not in r.stdout, "the checker ran no checks"
