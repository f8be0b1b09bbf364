#!/usr/bin/env python3
"""Starts the installed policytrackd as the service would (its account, its
configuration file) with a $NOTIFY_SOCKET of ours, and checks that it says
READY=1, answers /healthz, applies SIGHUP and says STOPPING=1 on SIGTERM.

usage: service_start.py DAEMON CONFIG ACCOUNT
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def main():
    daemon, config, account = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        os.chmod(path, 0o777)  # the service's account sends to it
        sock.settimeout(20)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NOTIFY_SOCKET": path}
        # setpriv executes the daemon in its place (no child, as systemd's User=).
        proc = subprocess.Popen(["setpriv", f"--reuid={account}", f"--regid={account}", "--init-groups",
                                 "--", daemon, "--config-file", config, "--listen", "127.0.0.1:0"],
                                env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            ready = sock.recv(4096).decode()
            assert ready == "READY=1", ready
            url = None
            for line in proc.stderr:
                rec = json.loads(line)
                if rec.get("msg") == "listening":
                    url = rec["url"]
                    break
            assert url, "no listening line"
            with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
                assert r.status == 200
            # The reload reads the file again as the service's account.
            daemon_pid = proc.pid
            os.kill(daemon_pid, signal.SIGHUP)
            deadline = time.monotonic() + 10
            for line in proc.stderr:
                rec = json.loads(line)
                if rec.get("msg") == "configuration reloaded":
                    break
                assert time.monotonic() < deadline, "no reload line"
            os.kill(daemon_pid, signal.SIGTERM)
            assert sock.recv(4096).decode() == "STOPPING=1"
            assert proc.wait(20) == 0, "exit status"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print(f"{daemon} started as {account}: READY=1, /healthz 200, SIGHUP reloaded, STOPPING=1, exit 0")


if __name__ == "__main__":
    main()
