"""scripts/run, as people start it: against a database given in the
environment (so it starts none), with daemon arguments after `--`; it says
the address the daemon really serves on."""

import os
import signal
import subprocess
import threading
import time

import ptutil


def test_run_prints_the_address_it_serves_on(migrated_db):
    port = ptutil.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYTRACK_")}
    env["POLICYTRACK_DATABASE_URL"] = migrated_db
    env["POLICYTRACK_MIGRATE_DATABASE_URL"] = ptutil.migrate_db_url()
    proc = subprocess.Popen([str(ptutil.ROOT / "scripts" / "run"), "--", "--listen", f"127.0.0.1:{port}"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines, stderr = [], []
    threading.Thread(target=lambda: stderr.extend(proc.stderr), daemon=True).start()
    serving = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if "serving on" in line:
                serving.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert serving.wait(60), f"scripts/run said nothing of serving:\n{''.join(lines)}\n{''.join(stderr[-30:])}"
        said = [x for x in lines if "serving on" in x][0]
        assert f"http://127.0.0.1:{port}" in said, f"scripts/run says {said.strip()!r}, serving on port {port}"
        assert ":8080" not in said, said
        deadline = time.monotonic() + 10
        while True:
            try:
                r = ptutil.http_request(port, "GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "nothing listens where scripts/run said"
                time.sleep(0.1)
        assert r.status == 200, r
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait(10)
    assert rc == 0, f"scripts/run exited {rc}\n{''.join(stderr[-30:])}"
