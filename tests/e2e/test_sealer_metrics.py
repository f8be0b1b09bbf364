"""The audit sealer's /metrics series (lib/pg/sealer.c, docs/operations.md):
events written elsewhere (here by psql) are sealed by the daemon's timer,
and its counters say so: calls answered, events sealed, no failure, and how
long the last call took. The exposition passes promtool, when there is one."""

import os
import shutil
import subprocess

import ptutil

EVENT = ("INSERT INTO events (subject_type, subject_id, kind, note) "
         "VALUES ('task', (SELECT min(id) FROM tasks), 'task.noted', 'sealer metrics {n}');")


def sealer_values(d):
    types, samples = d.metrics()
    for family, kind in (("policytrack_audit_seals_total", "counter"),
                         ("policytrack_audit_events_sealed_total", "counter"),
                         ("policytrack_audit_seal_failures_total", "counter"),
                         ("policytrack_audit_seal_last_duration_seconds", "gauge")):
        assert types.get(family) == kind, (family, types.get(family))
    return {name: value for name, _, value in samples if name.startswith("policytrack_audit_")}


def test_the_sealer_counts_what_it_seals(daemons):
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        d = daemons.start(database_url=db.app_url)
        # Whatever the first ticks did (the seed's events are sealed by the migration).
        ptutil.wait_for(lambda: sealer_values(d)["policytrack_audit_seals_total"] >= 1, 5.0,
                        "a first seal call")
        before = sealer_values(d)
        ptutil.psql(db.owner_url, "\n".join(EVENT.format(n=n) for n in range(3)) + "\n")
        ptutil.wait_for(lambda: sealer_values(d)["policytrack_audit_events_sealed_total"]
                        >= before["policytrack_audit_events_sealed_total"] + 3, 5.0,
                        "the three events counted as sealed")
        after = sealer_values(d)
        assert after["policytrack_audit_events_sealed_total"] == before["policytrack_audit_events_sealed_total"] + 3
        assert after["policytrack_audit_seals_total"] > before["policytrack_audit_seals_total"]
        assert after["policytrack_audit_seal_failures_total"] == 0
        assert 0 <= after["policytrack_audit_seal_last_duration_seconds"] < 5
        assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM events_unsealed") == "0"
        # In the exposition format promtool accepts (test_health requires
        # promtool; here it only adds to the test).
        promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
        if promtool:
            cp = subprocess.run([promtool, "check", "metrics"], input=d.get("/metrics").body,
                                capture_output=True, timeout=30)
            assert cp.returncode == 0, cp.stdout.decode() + cp.stderr.decode()
