#!/usr/bin/python3
"""Small helpers for bench/run; each subcommand prints what the script needs.

  tool.py ports N
      N free TCP ports on 127.0.0.1, one a line.
  tool.py pgscript POLICYTRACK TEMPLATE > SCRIPT
      A pgbench script from TEMPLATE: every line `@NAME bind...@` becomes the
      statement the daemon sends for NAME (`POLICYTRACK sql NAME`), with its
      $n parameters turned into pgbench variables, and `;`. Each bind is
      PARAM=:var (the variable), PARAM=?var (NULLIF(:var, 'NULL'): the value
      NULL means SQL NULL; pgbench -D refuses empty values) or PARAM=NULL
      (NULLIF(:bench_null, 'NULL'), run with -D bench_null=NULL).
      Every occurrence of $n is written CAST(... AS type), the type --params
      declares: the daemon sends $n once, with one type for all its uses,
      while pgbench makes each occurrence a parameter of its own. PARAM is the name `POLICYTRACK sql NAME
      --params` gives; every parameter must be bound. Other lines are copied.
      `@PATH.sql bind...@` takes the statement from a file instead (a frozen
      reference, bench/reference/): its `-- $n name type` lines declare the
      parameters, its other `--` lines are dropped.
  tool.py pgresult OUTPUT LOGPREFIX key=value...
      One JSON line from a pgbench run: its stdout (OUTPUT) and its
      per-transaction logs (LOGPREFIX.*), plus the key=value fields.
  tool.py wrkresult OUTPUT key=value...
      One JSON line from a wrk run's `BENCH {...}` line plus the fields.
  tool.py probe HOST PORT PATH SECONDS HZ
      A low-rate latency probe: one keep-alive connection, one GET every
      1/HZ s; prints one JSON object (samples, errors, p50/p99/max in ms).
"""

import glob
import json
import math
import re
import socket
import subprocess
import sys
import time

from http1 import read_response


def value(text):
    """key=value values: numbers as numbers, the rest as text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def fields(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        out[k] = value(v)
    return out


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100.0 * len(sorted_values)) - 1))
    return sorted_values[k]


def cmd_ports(n):
    socks = []
    for _ in range(int(n)):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    for s in socks:
        print(s.getsockname()[1])
    for s in socks:
        s.close()


_stmt_cache = {}


def statement_file(path):
    """A statement kept as a file (bench/reference/): its `-- $n name type`
    header lines are its parameters, the rest after the `--` header its text."""
    lines = open(path, encoding="utf-8").read().split("\n")
    params = [line[3:] for line in lines if re.match(r"^-- \$\d+ ", line)]
    sql = "\n".join(line for line in lines if not line.startswith("--")).strip().rstrip(";")
    return sql, params


def statement(binary, name):
    if name not in _stmt_cache:
        if name.endswith(".sql"):
            sql, params = statement_file(name)
        else:
            sql = subprocess.run([binary, "sql", name], check=True, capture_output=True,
                                 text=True).stdout.strip().rstrip(";")
            params = subprocess.run([binary, "sql", name, "--params"], check=True,
                                    capture_output=True, text=True).stdout.split("\n")
        names = {}
        for line in params:
            if not line.strip():
                continue
            m = re.match(r"^\$(\d+)\s+(\S+)\s+(\S+)$", line.strip())
            if not m:
                sys.exit(f"tool.py: cannot read parameter line {line!r} of {name}")
            names[m.group(2)] = (int(m.group(1)), m.group(3))
        _stmt_cache[name] = (sql, names)
    return _stmt_cache[name]


def expand(binary, name, binds):
    sql, names = statement(binary, name)
    by_number = {}
    for b in binds:
        param, _, spec = b.partition("=")
        if param not in names:
            sys.exit(f"tool.py: {name} has no parameter '{param}' "
                     f"(it has: {', '.join(names)})")
        number, typ = names[param]
        if spec == "NULL":
            expr = "NULLIF(:bench_null, 'NULL')"
        elif spec.startswith("?"):
            expr = f"NULLIF(:{spec[1:]}, 'NULL')"
        elif spec.startswith(":"):
            expr = spec
        else:
            sys.exit(f"tool.py: bind {b!r}: say PARAM=:var, PARAM=?var or PARAM=NULL")
        by_number[number] = f"CAST({expr} AS {typ})"
    missing = [p for p, (n, _) in names.items() if n not in by_number]
    if missing:
        sys.exit(f"tool.py: {name}: parameters not bound: {', '.join(missing)}")
    used = set(int(n) for n in re.findall(r"\$(\d+)", sql))
    declared = set(n for n, _ in names.values())
    if used != declared:
        sys.exit(f"tool.py: {name}: the SQL uses ${sorted(used)}, --params lists "
                 f"${sorted(declared)}")
    # Replace $n (never $1 inside $12) in one pass.
    out = re.sub(r"\$(\d+)", lambda m: by_number[int(m.group(1))], sql)
    # pgbench wants the statement on one line: drop -- comments (not inside
    # quotes), which would otherwise swallow the rest of it.
    out = re.sub(r"('(?:[^']|'')*')|--[^\n]*", lambda m: m.group(1) or "", out)
    # pgbench takes :name anywhere, string literals included, for a variable:
    # split a literal after each colon ('400:status:' -> '400:' || 'status:'),
    # so that a colon is followed by a quote and the literal stays the same.
    out = re.sub(r"'(?:[^']|'')*'",
                 lambda m: m.group(0).replace(":", ":' || '") if re.search(r":[A-Za-z_]", m.group(0))
                 else m.group(0), out)
    if "\n" in out:
        out = " ".join(out.split("\n"))
    return out + ";"


def cmd_pgscript(binary, template):
    for line in open(template, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r"^\s*@(\w+|\S+\.sql)((?:\s+\S+)*)\s*@\s*$", line)
        if m:
            print(expand(binary, m.group(1), m.group(2).split()))
        else:
            print(line)


def cmd_pgresult(output, prefix, extra):
    text = open(output, encoding="utf-8", errors="replace").read()
    rec = {"tool": "pgbench"}
    m = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", text, re.M)
    rec["rps"] = float(m.group(1)) if m else None
    m = re.search(r"^number of transactions actually processed: (\d+)", text, re.M)
    rec["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"^number of failed transactions: (\d+)", text, re.M)
    rec["failed"] = int(m.group(1)) if m else 0
    lat = []
    for path in glob.glob(prefix + ".*"):
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2].isdigit():
                    lat.append(int(parts[2]))
    lat.sort()
    for p in (50, 90, 99):
        v = percentile(lat, p)
        rec[f"p{p}_ms"] = None if v is None else v / 1000.0
    rec["max_ms"] = lat[-1] / 1000.0 if lat else None
    rec["errors"] = rec["failed"] + (0 if rec["rps"] is not None else 1)
    rec.update(extra)
    print(json.dumps(rec, sort_keys=True))


def cmd_wrkresult(output, extra):
    text = open(output, encoding="utf-8", errors="replace").read()
    m = re.search(r"^BENCH (\{.*\})\s*$", text, re.M)
    if not m:
        sys.exit(f"tool.py: no BENCH line in {output}:\n{text}")
    w = json.loads(m.group(1))
    rec = {"tool": "wrk"}
    secs = w["duration_us"] / 1e6
    rec["requests"] = w["requests"]
    rec["rps"] = w["requests"] / secs if secs > 0 else None
    for k in ("p50", "p90", "p99", "max"):
        rec[f"{k}_ms"] = w[f"{k}_us"] / 1000.0
    rec["errors"] = sum(w[k] for k in ("connect_errors", "read_errors", "write_errors",
                                       "status_errors", "timeouts"))
    rec["wrk"] = w
    rec.update(extra)
    print(json.dumps(rec, sort_keys=True))


def cmd_probe(host, port, path, seconds, hz):
    seconds, hz = float(seconds), float(hz)
    period = 1.0 / hz
    lat, errors = [], 0
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "User-Agent: bench-probe\r\n\r\n").encode()
    sock = None

    def connect():
        s = socket.create_connection((host, int(port)), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    start = time.monotonic()
    nxt = start
    while time.monotonic() - start < seconds:
        try:
            if sock is None:
                sock = connect()
            t0 = time.perf_counter()
            sock.sendall(request)
            status, _, _ = read_response(sock)
            dt = time.perf_counter() - t0
            if status != 200:
                errors += 1
            lat.append(dt * 1000.0)
        except (OSError, ConnectionError):
            errors += 1
            if sock:
                sock.close()
            sock = None
        nxt += period
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            nxt = time.monotonic()
    if sock:
        sock.close()
    lat.sort()
    print(json.dumps({
        "samples": len(lat), "errors": errors,
        "p50_ms": percentile(lat, 50), "p90_ms": percentile(lat, 90),
        "p99_ms": percentile(lat, 99), "max_ms": lat[-1] if lat else None,
    }))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "ports":
        cmd_ports(*args)
    elif cmd == "pgscript":
        cmd_pgscript(*args)
    elif cmd == "pgresult":
        cmd_pgresult(args[0], args[1], fields(args[2:]))
    elif cmd == "wrkresult":
        cmd_wrkresult(args[0], fields(args[1:]))
    elif cmd == "probe":
        cmd_probe(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
