#!/usr/bin/env python3
"""Writes a manual page from its template and the programs' own help, so the
page cannot drift from the code: policytrackd(8) from the option table
(`policytrackd --print-config-table` and `--help`), policytrack(1) from the
CLI's usage (`policytrack help` and `policytrack help COMMAND`). Run by
meson at build time; tests/unit/check_man.py checks the result.

usage: gen_man.py daemon|cli PROGRAM TEMPLATE OUTPUT VERSION
"""

import re
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def esc(text):
    """Roff-escapes free text: backslashes, dashes of options, en dashes, other non-ASCII."""
    text = text.replace("\\", "\\e").replace("–", "\\(en").replace("—", "\\(em")
    # A dash that starts an option (or is one), not a hyphen inside a word.
    text = re.sub(r"(?<![\w-])(--?[A-Za-z][\w-]*)", lambda m: m.group(1).replace("-", "\\-"), text)
    # Any other non-ASCII character (the Chinese terms some options name) as
    # groff's Unicode escape: groff reads its input as Latin-1.
    return re.sub(r"[^\x00-\x7f]", lambda m: "\\[u%04X]" % ord(m.group(0)), text)


def line(text):
    """A text line that roff will not take for a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def daemon_options(program):
    out = []
    rows = run(program, "--print-config-table").splitlines()[2:]
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split(" | ")]
        if len(cells) != 5:
            sys.exit(f"gen_man.py: unexpected row in --print-config-table: {row!r}")
        flag, env, default, meaning, sighup = (c.strip("`") for c in cells)
        out.append(".TP")
        out.append(f"\\fB{esc(flag)}\\fR \\fIvalue\\fR, \\fB{env}\\fR")
        text = esc(meaning) + "."
        default_text = "none" if default == "(none)" else f"\\fB{esc(default)}\\fR"
        out.append(line(text))
        out.append(f"Default: {default_text}. "
                   + ("SIGHUP reloads it." if sighup == "reloads" else "A change needs a restart."))
    # The flags outside the table (--version, --help, ...), from --help.
    help_text = run(program, "--help")
    for m in re.finditer(r"^  (--[\w-]+(?:, -\w)?)\s{2,}(\S.*)$", help_text, re.M):
        if " POLICYTRACK_" in m.group(0):
            continue
        out.append(".TP")
        out.append(f"\\fB{esc(m.group(1))}\\fR")
        out.append(line(esc(m.group(2))))
    return "\n".join(out)


def cli_commands(program):
    listing = run(program, "help")
    names = re.findall(r"^  (\w+)\s+\S", listing.split("Commands:", 1)[1], re.M)
    out = []
    for name in names:
        text = run(program, "help", name)
        usage, _, details = text.partition("\n\n")
        forms = []
        for u in usage.splitlines():
            u = re.sub(r"^(usage:)?\s*", "", u)
            if u.startswith("policytrack "):
                forms.append(u)
            elif forms:  # a form continued on the next line
                forms.append(" " * (len(f"policytrack {name} ") + 2) + u)
        out.append(f'.SS "{name}"')
        out.append(".nf")
        for form in forms:
            if form.startswith(" "):
                out.append(esc(form))
                continue
            rest = form[len(f"policytrack {name}"):]
            out.append(f"\\fBpolicytrack {name}\\fR{esc(rest)}")
        out.append(".fi")
        for block in details.strip("\n").split("\n\n"):
            lines = block.splitlines()
            if lines and lines[0] == "Options:":
                out.append(".PP\nOptions:")
                for opt in lines[1:]:
                    m = re.match(r"^  (-\S.*?)(?:\s{2,}(\S.*))?$", opt)
                    if m:
                        out.append(".TP")
                        out.append(f"\\fB{esc(m.group(1))}\\fR")
                        if m.group(2):
                            out.append(line(esc(m.group(2))))
                    else:
                        out.append(line(esc(opt.strip())))
            else:
                out.append(".PP")
                out.extend(line(esc(l.strip())) for l in lines)
    return "\n".join(out)


def main():
    kind, program, template, output, version = sys.argv[1:6]
    with open(template, encoding="utf-8") as f:
        page = f.read()
    page = page.replace("@VERSION@", version)
    if kind == "daemon":
        page = page.replace("@OPTIONS@", daemon_options(program))
    else:
        page = page.replace("@COMMANDS@", cli_commands(program))
    leftover = re.findall(r"@[A-Z_]+@", page)
    if leftover:
        sys.exit(f"gen_man.py: {template}: unknown placeholder {leftover[0]}")
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
