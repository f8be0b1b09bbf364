#!/usr/bin/env python3
"""The manual pages list every option the programs know: each flag and
variable of `policytrackd --help`, each command of `policytrack help` with
each option of its usage. Without a warning from groff, when it is here.

usage: check_man.py POLICYTRACKD POLICYTRACK POLICYTRACKD.8 POLICYTRACK.1
"""

import re
import shutil
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def plain(page):
    """The roff source with escapes a reader does not see undone."""
    return re.sub(r"\\f[BIRP]|\\&", "", page).replace("\\-", "-").replace("\\e", "\\")


def main():
    daemon, cli, daemon_man, cli_man = sys.argv[1:5]
    failures = []
    with open(daemon_man, encoding="utf-8") as f:
        dpage = plain(f.read())
    with open(cli_man, encoding="utf-8") as f:
        cpage = plain(f.read())

    help_text = run(daemon, "--help")
    flags = re.findall(r"^  (--[\w-]+)", help_text, re.M) + re.findall(r"\s(-\w)\s", help_text)
    variables = re.findall(r"\b(POLICYTRACK_[A-Z_]+)\b", help_text)
    if len(flags) < 20 or len(variables) < 20:
        failures.append(f"--help lists only {len(flags)} flags and {len(variables)} variables")
    for name in flags + variables:
        if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", dpage):
            failures.append(f"policytrackd.8 does not list {name}")
    for row in run(daemon, "--print-config-table").splitlines()[2:]:
        flag = row.split("`")[1]
        reload = row.rstrip(" |").rsplit("| ", 1)[1]
        entry = dpage.split(f"\n.TP\n{flag} ", 1)[-1].split("\n.TP\n", 1)[0]
        said = "SIGHUP reloads it." if reload == "reloads" else "A change needs a restart."
        if said not in entry:
            failures.append(f"policytrackd.8 does not say of {flag}: {said}")

    listing = run(cli, "help")
    commands = re.findall(r"^  (\w+)\s+\S", listing.split("Commands:", 1)[1], re.M)
    if len(commands) < 8:
        failures.append(f"`policytrack help` lists only {len(commands)} commands")
    for name in commands:
        if f'.SS "{name}"' not in cpage:
            failures.append(f"policytrack.1 has no section for the command {name}")
        usage = run(cli, "help", name)
        section = cpage.split(f'.SS "{name}"', 1)[-1].split(".SS ", 1)[0]
        for opt in sorted(set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", usage))):
            if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", section):
                failures.append(f"policytrack.1 does not list {opt} under {name}")

    groff = shutil.which("groff")
    if groff:
        for page in (daemon_man, cli_man):
            cp = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page], capture_output=True,
                                text=True, env={"LC_ALL": "C.UTF-8"})
            if cp.returncode != 0 or cp.stderr.strip():
                failures.append(f"groff warns about {page}:\n{cp.stderr}")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(flags)} daemon flags, {len(variables)} variables, {len(commands)} commands checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
