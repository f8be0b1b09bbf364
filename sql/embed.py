#!/usr/bin/env python3
"""Compiles sql/ into C: every statement the programs send, and the
repeatable definitions (functions, views) that `policytrack migrate` applies.

Run by meson at build time: embed.py OUT.c OUT.h FILE.sql...

A statement is sql/GROUP/NAME.sql; NAME is unique across groups and becomes
the C symbol sql_NAME and the statement's prepared name. Its file opens with a
header of `--` lines: a summary first, then one `-- $N name type` line per
parameter, in order ($1 first), then anything else (`-- returns: ...`). The
text sent is the rest of the file. The build fails when the parameters the
text uses are not exactly $1..$N of the header.

A fragment is sql/fragments/NAME.sql: a piece of SQL that several
statements share (a JSON shape, a scope rule), with a header like a
statement's. `{{NAME}}` in a statement or fragment is replaced by the
fragment's text; the parameters a fragment uses must mean the same in every
statement that includes it (its header says which). What is embedded, printed
by `policytrack sql` and prepared is the expanded text.

A statement whose header has the line `-- plans: one per filter set` is
sent as variants: each optional filter written `($N::type IS NULL OR cond)`
(a guard) becomes `true` when $N is NULL and `(cond)` otherwise, so every
set of filters a request names gets a statement of its own whose generic
plan PostgreSQL can keep (pg/sql.h, sql_variant_text). A further line
`-- plans: as written when $N is given` (one or more $N) sends the sets
that name any of those filters as written instead, planned for their
values: for a filter whose best plan depends on its value (a substring
search, where a trigram index helps only a pattern of three characters or
more). The text embedded is
the statement as written, guards and all: what `policytrack sql` prints,
pgbench runs, and the daemon sends through a pooler in unnamed mode. The
build records each guard's byte offsets and every parameter's type OID
(variants are prepared with the types declared, since a NULL filter's $N no
longer appears in the text).

A definition is sql/definitions/NN_name.sql: applied in name order, each
recorded with its checksum, re-applied when it changes.

Every .sql file under sql/ must be given (sql/meson.build lists them): one
that is not fails the build, so none is silently left out.
"""
import os
import re
import sys

NAME = re.compile(r"[a-z][a-z0-9_]*")
PARAM = re.compile(r"--\s*\$(\d+)\s+([a-z_][a-z0-9_]*)\s+([a-z][a-z0-9_ \[\]]*?)\s*(?::.*)?$")
USED = re.compile(r"\$(\d+)")


def c_string(text):
    out = []
    for line in text.encode("utf-8").splitlines(keepends=True):
        chunk = []
        for b in line:
            ch = chr(b)
            if ch == "\\":
                chunk.append("\\\\")
            elif ch == '"':
                chunk.append('\\"')
            elif ch == "\n":
                chunk.append("\\n")
            elif 32 <= b < 127 and ch != "?":  # no trigraphs
                chunk.append(ch)
            else:
                chunk.append("\\%03o" % b)
        out.append('"' + "".join(chunk) + '"')
    return "\n\t".join(out) if out else '""'


def strip_strings(sql):
    """The text without its quoted literals and comments, to find $N in."""
    return re.sub(r"'(?:[^']|'')*'|--[^\n]*", "''", sql)


GUARD = re.compile(rb"\(\$(\d+)::([a-z][a-z0-9_]*(?:\[\])?) IS NULL\s+OR\s")
LITERAL = re.compile(rb"'(?:[^']|'')*'")
VARIANTS = "-- plans: one per filter set"
AS_WRITTEN = re.compile(r"-- plans: as written when (\$\d+(?: or \$\d+)*) is given$")
# The types a variant's parameters may be declared with (pg_type.oid, stable across releases).
TYPE_OIDS = {"text": 25, "bool": 16, "boolean": 16, "bigint": 20, "int8": 20, "int": 23, "integer": 23,
             "int4": 23, "smallint": 21, "date": 1082, "jsonb": 3802, "json": 114, "uuid": 2950,
             "timestamptz": 1184, "numeric": 1700, "text[]": 1009, "bigint[]": 1016}


def find_guards(body, path, errors):
    """(param, start, cond, end) byte offsets of each `($N::type IS NULL OR cond)`:
    the guard is body[start:end], its condition body[cond:end - 1]."""
    data = body.encode("utf-8")
    guards, pos = [], 0
    while True:
        m = GUARD.search(data, pos)
        if not m:
            return guards
        depth, i = 0, m.start()
        while i < len(data):
            if data[i:i + 1] == b"'":
                i = LITERAL.match(data, i).end()
                continue
            if data[i:i + 1] == b"(":
                depth += 1
            elif data[i:i + 1] == b")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if depth:
            errors.append(f"{path}: the guard at byte {m.start()} has no closing parenthesis")
            return guards
        if GUARD.search(data[m.end():i]):
            errors.append(f"{path}: a guard inside the guard of ${m.group(1).decode()}")
        guards.append((int(m.group(1)), m.start(), m.end(), i + 1))
        pos = i + 1


INCLUDE = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")


def expand(text, fragments, path, errors, depth=0):
    def sub(m):
        name = m.group(1)
        if name not in fragments:
            errors.append(f"{path}: no fragment {{{{{name}}}}} (sql/fragments/{name}.sql)")
            return m.group(0)
        if depth > 8:
            errors.append(f"{path}: fragments include each other too deeply at {name}")
            return m.group(0)
        text_in = expand(fragments[name], fragments, path, errors, depth + 1)
        # Indent the fragment's later lines to where it is included, for `policytrack sql`.
        column = m.start() - (m.string.rfind("\n", 0, m.start()) + 1)
        return text_in.replace("\n", "\n" + " " * column)
    return INCLUDE.sub(sub, text)


def split_header(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = []
    while lines and lines[0].startswith("--"):
        header.append(lines.pop(0))
    return header, "\n".join(lines).strip()


def parse_statement(path, fragments, errors):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = []
    while lines and lines[0].startswith("--"):
        header.append(lines.pop(0))
    body = expand("\n".join(lines).strip(), fragments, path, errors)
    if body.endswith(";"):
        body = body[:-1].rstrip()
    if not header:
        errors.append(f"{path}: no header comment (a summary, then `-- $N name type` lines)")
        return None
    summary = header[0][2:].strip()
    params = []
    for h in header[1:]:
        if re.match(r"--\s*\$\d", h):
            m = PARAM.match(h)
            if not m:
                errors.append(f"{path}: parameter line {h!r} is not `-- $N name type`")
                continue
            n, pname, ptype = int(m.group(1)), m.group(2), m.group(3).strip()
            if n != len(params) + 1:
                errors.append(f"{path}: parameter ${n} out of order (expected ${len(params) + 1})")
            params.append(f"${n} {pname} {ptype}")
    used = {int(n) for n in USED.findall(strip_strings(body))}
    declared = set(range(1, len(params) + 1))
    if used != declared:
        errors.append(f"{path}: the text uses {sorted(used)} but the header declares "
                      f"{sorted(declared)}")
    if not body:
        errors.append(f"{path}: no statement after the header")
    guards, types, as_written = [], [], 0
    if VARIANTS in header:
        guards = find_guards(body, path, errors)
        if not guards or len(guards) > 64:
            errors.append(f"{path}: `{VARIANTS}` wants 1 to 64 guards `($N::type IS NULL OR ...)`, "
                          f"found {len(guards)}")
        for p in params:
            ptype = p.split(" ", 2)[2]
            if ptype not in TYPE_OIDS:
                errors.append(f"{path}: no type OID for {ptype!r} (sql/embed.py TYPE_OIDS)")
            types.append(TYPE_OIDS.get(ptype, 0))
    for h in header:
        m = AS_WRITTEN.match(h)
        if h.startswith("-- plans: as written") and not m:
            errors.append(f"{path}: {h!r} is not `-- plans: as written when $N [or $M...] is given`")
        if not m:
            continue
        for n in (int(x) for x in USED.findall(m.group(1))):
            bits = [i for i, g in enumerate(guards) if g[0] == n]
            if not bits:
                errors.append(f"{path}: `-- plans: as written when ${n}`: no guard of ${n}")
            for i in bits:
                as_written |= 1 << i
    return summary, params, body, guards, types, as_written


def main():
    out_c, out_h, root, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    errors = []
    given = {os.path.realpath(f) for f in files}
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(".sql") and os.path.realpath(os.path.join(dirpath, n)) not in given:
                errors.append(f"{os.path.join(dirpath, n)}: not listed in sql/meson.build")
    statements, definitions, fragments = {}, [], {}
    for path in files:
        if os.path.basename(os.path.dirname(path)) == "fragments":
            header, body = split_header(path)
            if not header:
                errors.append(f"{path}: no header comment saying what it is and which parameters it uses")
            fragments[os.path.basename(path)[:-4]] = body
    for path in sorted(files):
        group = os.path.basename(os.path.dirname(path))
        name = os.path.basename(path)[:-4] if path.endswith(".sql") else ""
        if group == "fragments":
            continue
        if group == "definitions":
            if not re.fullmatch(r"\d\d_[a-z0-9_]+", name):
                errors.append(f"{path}: a definition is named NN_lower_snake.sql")
                continue
            with open(path, encoding="utf-8") as f:
                definitions.append((name, f.read()))
            continue
        if not NAME.fullmatch(name) or not NAME.fullmatch(group):
            errors.append(f"{path}: statements are sql/group/lower_snake.sql")
            continue
        if name in statements:
            errors.append(f"{path}: a statement named {name} is already in {statements[name][0]}")
            continue
        parsed = parse_statement(path, fragments, errors)
        if parsed:
            statements[name] = (group,) + parsed
    if errors:
        for e in errors:
            print(f"embed.py: {e}", file=sys.stderr)
        return 1
    names = sorted(statements)
    with open(out_h, "w", encoding="utf-8") as h:
        h.write("/* Generated by sql/embed.py from sql/; do not edit. */\n")
        h.write("#ifndef PT_SQL_NAMES_H\n#define PT_SQL_NAMES_H\n\n#include \"pg/sql.h\"\n\n")
        for n in names:
            h.write(f"extern const struct sql_statement sql_{n};\n")
        h.write("\n#endif\n")
    with open(out_c, "w", encoding="utf-8") as c:
        c.write("/* Generated by sql/embed.py from sql/; do not edit. */\n")
        c.write('#include "pg/sql_names.h"\n\n')
        for index, n in enumerate(names):
            group, summary, params, body, guards, types, as_written = statements[n]
            c.write(f"static const char *const params_{n}[] = {{\n")
            for p in params:
                c.write(f"\t{c_string(p)},\n")
            c.write("\tNULL,\n};\n")
            variants = "NULL, NULL, 0"
            if guards:
                c.write(f"static const struct sql_guard guards_{n}[] = {{\n")
                for g in guards:
                    c.write("\t{ %d, %d, %d, %d },\n" % g)
                c.write(f"}};\nstatic const unsigned int types_{n}[] = {{ {', '.join(map(str, types))} }};\n")
                variants = f"guards_{n}, types_{n}, UINT64_C({as_written:#x})"
            c.write(f"const struct sql_statement sql_{n} = {{\n\t{c_string(n)},\n\t{index},\n\t{c_string(group)},\n"
                    f"\t{c_string(summary)},\n\t{c_string(body)},\n\t{len(params)},\n\tparams_{n},\n"
                    f"\t{len(guards)},\n\t{variants},\n}};\n\n")
        c.write("const struct sql_statement *const sql_statements[] = {\n")
        for n in names:
            c.write(f"\t&sql_{n},\n")
        c.write("};\nconst size_t sql_statements_count = %d;\n\n" % len(names))
        c.write("const struct sql_definition sql_definitions[] = {\n")
        for name, text in definitions:
            c.write(f"\t{{ {c_string(name)},\n\t{c_string(text)} }},\n")
        if not definitions:
            c.write("\t{ NULL, NULL },\n")
        c.write("};\nconst size_t sql_definitions_count = %d;\n" % len(definitions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
