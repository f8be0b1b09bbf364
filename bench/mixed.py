#!/usr/bin/python3
"""The mixed workload's drivers for bench/run (issue 15): the paced writer and
the single-request latency probe. Both talk plain HTTP/1.1 on keep-alive
connections to 127.0.0.1 and stop by themselves.

  mixed.py writer HOST PORT PATCHDIR RATE SECONDS
      Status changes at a fixed RATE a second (spread over the agency
      officers of PATCHDIR, one thread and one connection each) for SECONDS:
      PATCHDIR/thread<N>.txt as wrk/patch.lua reads them (a token, then
      "id version status" lines). A send is due at a fixed schedule, not
      after the previous answer, so a slow answer does not lower the rate it
      is measured under; a thread that falls behind sends at once. Prints one
      JSON object: sent, ok, stale (412), other, the achieved rate, and the
      writes' p50/p99 in ms.
  mixed.py latency HOST PORT TOKEN COUNT NAME=PATH...
      Each PATH COUNT times, one request at a time on one connection, the
      paths interleaved; prints one JSON line per NAME with its p50, p99 and
      max in ms and the bytes of its answer.
"""

import json
import math
import os
import re
import socket
import sys
import threading
import time

from http1 import read_response

NOTE = "bench: waiting on a partner agency's figures"


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))]


class Connection:
    """One keep-alive HTTP/1.1 connection, re-made after an error."""

    def __init__(self, host, port):
        self.host, self.port, self.sock = host, int(port), None

    def request(self, method, path, headers, body=b""):
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=10)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            head.append(f"Content-Length: {len(body)}")
        try:
            self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            return self._response()
        except (OSError, ConnectionError):
            self.close()
            raise

    def _response(self):
        status, head, body = read_response(self.sock)
        etag = re.search(rb'(?i)\r\netag:\s*"(\d+)"', head)
        return status, (etag.group(1).decode() if etag else None), body

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def read_patch_file(path):
    with open(path, encoding="utf-8") as f:
        token = f.readline().strip()
        tasks = []
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                tasks.append({"id": parts[0], "version": parts[1], "status": parts[2]})
    if not tasks:
        raise SystemExit(f"{path}: no task")
    return token, tasks


def writer_thread(host, port, token, tasks, interval, seconds, out):
    conn = Connection(host, port)
    start = time.monotonic()
    n = 0
    while True:
        due = start + n * interval
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        t = tasks[n % len(tasks)]
        n += 1
        if t["status"] == "in_progress":
            body, want = {"status": "blocked", "note": NOTE}, "blocked"
        else:
            body, want = {"status": "in_progress"}, "in_progress"
        t0 = time.perf_counter()
        try:
            status, etag, _ = conn.request("PATCH", f"/api/v1/tasks/{t['id']}", {
                "Authorization": f"Bearer {token}",
                "If-Match": f'"{t["version"]}"',
                "Content-Type": "application/json",
            }, json.dumps(body).encode())
        except (OSError, ConnectionError):
            out["other"] += 1
            continue
        out["lat"].append((time.perf_counter() - t0) * 1000.0)
        if etag:
            t["version"] = etag
        if status == 200:
            out["ok"] += 1
            t["status"] = want
        elif status == 412:
            out["stale"] += 1
        else:
            out["other"] += 1
    out["sent"] = n
    conn.close()


def cmd_writer(host, port, patch_dir, rate, seconds):
    rate, seconds = float(rate), float(seconds)
    files = sorted(f for f in os.listdir(patch_dir) if re.fullmatch(r"thread\d+\.txt", f))
    if not files:
        raise SystemExit(f"{patch_dir}: no thread<N>.txt")
    results, threads = [], []
    started = time.monotonic()
    for name in files:
        token, tasks = read_patch_file(os.path.join(patch_dir, name))
        out = {"sent": 0, "ok": 0, "stale": 0, "other": 0, "lat": []}
        results.append(out)
        th = threading.Thread(target=writer_thread, args=(
            host, port, token, tasks, len(files) / rate, seconds, out))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    lat = [v for r in results for v in r["lat"]]
    total = {k: sum(r[k] for r in results) for k in ("sent", "ok", "stale", "other")}
    total.update(tool="writer", rate_wanted=rate, seconds=round(elapsed, 2),
                 rate=round(total["ok"] / elapsed, 1) if elapsed > 0 else None,
                 p50_ms=percentile(lat, 50), p99_ms=percentile(lat, 99))
    print(json.dumps(total, sort_keys=True))


def cmd_latency(host, port, token, count, *named):
    conn = Connection(host, port)
    paths = []
    for item in named:
        name, _, path = item.partition("=")
        paths.append((name, path))
    lat = {name: [] for name, _ in paths}
    size, errors = {}, {name: 0 for name, _ in paths}
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(int(count)):
        for name, path in paths:
            t0 = time.perf_counter()
            try:
                status, _, body = conn.request("GET", path, headers)
            except (OSError, ConnectionError):
                errors[name] += 1
                continue
            if status != 200:
                errors[name] += 1
                continue
            lat[name].append((time.perf_counter() - t0) * 1000.0)
            size[name] = len(body)
    conn.close()
    for name, path in paths:
        v = lat[name]
        print(json.dumps({"tool": "latency", "target": name, "path": path, "samples": len(v),
                          "errors": errors[name], "bytes": size.get(name),
                          "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99),
                          "max_ms": max(v) if v else None}, sort_keys=True))


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "writer" and len(args) == 5:
        cmd_writer(*args)
    elif cmd == "latency" and len(args) >= 5:
        cmd_latency(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
