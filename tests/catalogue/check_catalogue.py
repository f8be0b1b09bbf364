#!/usr/bin/python3
"""Check the catalogue's data (data/documents/ne-ip-2017.json, imported) against the source text.

    /usr/bin/python3 tests/catalogue/check_catalogue.py \
        --database-url "$(scripts/pg url policytrack DB)" \
        --source docs/source/notice.zh-Hans.txt

Talks to PostgreSQL through `psql` (stdlib only). Prints one TAP line per check
(`ok - ...` / `not ok - ...`, details as `# ...` lines) and a final `1..N`;
exits 0 when every check holds, 1 when one fails, 2 when it cannot run.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

AGENCIES = [  # code, name in the notice, English abbreviation: the notice's order
    ("sipo", "知识产权局", "SIPO"),
    ("ndrc", "发展改革委", "NDRC"),
    ("most", "科技部", "MOST"),
    ("miit", "工业和信息化部", "MIIT"),
    ("moa", "农业部", "MOA"),
    ("moc", "文化部", "MOC"),
    ("gacc", "海关总署", "GACC"),
    ("saic", "工商总局", "SAIC"),
    ("ncac", "版权局", "NCAC"),
]
PROVINCES = [  # code, name, short name as measures use it
    ("CN-NM", "内蒙古自治区", "内蒙古"),
    ("CN-LN", "辽宁省", "辽宁"),
    ("CN-JL", "吉林省", "吉林"),
    ("CN-HL", "黑龙江省", "黑龙江"),
]

# Sentences of chapters 三-七 deliberately NOT made measures, because they ask
# for no action (a statement of fact or purpose with no call to act), keyed by
# the code of the section that holds them ("3.1", or "3" for text of a chapter
# outside its parts), verbatim, in text order.
#
# Empty: every sentence of 三-七 in the source asks for an action (each opens
# with or is governed by a verb of action: 加强, 支持, 推进, 建立, 探索, 鼓励,
# 发挥 ...), so all 97 are measures. A sentence added here must be quoted
# exactly as in the source, with a comment saying why it is not a measure.
NON_ACTIONABLE = {}

CN_NUM = "一二三四五六七八九十"
CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, desc, details=()):
        self.n += 1
        print(("ok" if ok else "not ok") + " - " + desc)
        if not ok:
            self.failed += 1
            details = list(details)
            for d in details[:12]:
                print("#   " + str(d))
            if len(details) > 12:
                print("#   ... and %d more" % (len(details) - 12))
        return ok

    def done(self):
        print("1..%d" % self.n)
        return 0 if self.failed == 0 else 1


class Db:
    """Runs queries through psql -At -F '\\t'. Text that may hold tabs or
    newlines is fetched hex-encoded (hx) and decoded here."""

    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        env = dict(os.environ, PGCLIENTENCODING="UTF8")
        proc = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t",
             "-d", self.url, "-c", sql],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        if proc.returncode != 0:
            raise RuntimeError("psql failed: %s\n  query: %s"
                               % (proc.stderr.decode("utf-8", "replace").strip(), sql))
        out = proc.stdout.decode("utf-8")
        return [tuple(line.split("\t")) for line in out.split("\n") if line != ""]


def hx(col):
    return "coalesce(encode(convert_to(%s, 'UTF8'), 'hex'), 'NULL')" % col


def unhex(s):
    return None if s == "NULL" else bytes.fromhex(s).decode("utf-8")


def sentences(text):
    """Split at 。, keeping it; text after the last 。 is a sentence too."""
    parts = re.findall(r"[^。]*。|[^。]+$", text)
    assert "".join(parts) == text
    return parts


def parse_source(path):
    """The Opinions' structure: chapters 一、… and parts (一)… with their text."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    chapters = []
    ch = part = None
    for line in lines:
        m = re.match(r"^([一二三四五六七八九十]+)、(.+)$", line)
        if m:
            ch = {"n": CN_NUM.index(m.group(1)) + 1, "title": m.group(2),
                  "paras": [], "parts": []}
            chapters.append(ch)
            part = None
            continue
        m = re.match(r"^[(（]([一二三四五六七八九十]+)[)）](.+)$", line)
        if m and ch is not None:
            part = {"n": CN_NUM.index(m.group(1)) + 1, "title": m.group(2), "paras": []}
            ch["parts"].append(part)
            continue
        if ch is not None and line.strip():
            (part or ch)["paras"].append(line)
    return chapters


def named_places(text, provinces, localities):
    """Provinces and localities a text names. A name found only inside a longer
    name that is also found (沈阳 in 沈阳经济区) does not count on its own."""
    occ = []
    for code, short in provinces:
        for m in re.finditer(re.escape(short), text):
            occ.append((m.start(), m.end(), None, code))
    for name, prov in localities:
        for m in re.finditer(re.escape(name), text):
            occ.append((m.start(), m.end(), name, prov))
    kept = [o for o in occ
            if not any(p[0] <= o[0] and o[1] <= p[1] and p[1] - p[0] > o[1] - o[0] for p in occ)]
    provs = {o[3] for o in kept}
    locs = {o[2] for o in kept if o[2] is not None}
    return provs, locs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", required=True, help="libpq URL or conninfo")
    ap.add_argument("--source", required=True, help="docs/source/notice.zh-Hans.txt")
    args = ap.parse_args()
    try:
        with open(args.source, encoding="utf-8") as f:
            source = f.read()
        chapters = parse_source(args.source)
        return run(Db(args.database_url), source, chapters)
    except (OSError, RuntimeError, UnicodeDecodeError) as e:
        print("Bail out! %s" % e)
        return 2


def run(db, source, chapters):
    t = Tap()

    # --- agencies and provinces
    ag = db.rows("SELECT code, %s, coalesce(abbr_en, ''), %s FROM agencies ORDER BY sort_order"
                 % (hx("name_zh"), hx("name_en")))
    got = [(c, unhex(n), a) for c, n, a, _ in ag]
    t.check(got == AGENCIES,
            "9 agencies sipo ndrc most miit moa moc gacc saic ncac, named as in the notice, in its order",
            ["expected %s" % (AGENCIES,), "got      %s" % (got,)])
    bad = [c for c, n, _, _ in ag if unhex(n) not in source]
    t.check(not bad, "every agency's Chinese name occurs in the source", bad)
    pr = db.rows("SELECT code, %s, %s, %s FROM provinces ORDER BY sort_order"
                 % (hx("name_zh"), hx("short_zh"), hx("name_en")))
    got = [(c, unhex(n), unhex(s)) for c, n, s, _ in pr]
    t.check(got == PROVINCES, "4 provinces CN-NM CN-LN CN-JL CN-HL with their names",
            ["expected %s" % (PROVINCES,), "got      %s" % (got,)])
    prov_codes = [p[0] for p in PROVINCES]
    short = [(c, s) for c, _, s in PROVINCES]

    # --- the document
    docs = db.rows("SELECT %s, %s, array_to_string(issuers, ' '), array_to_string(recipients, ' '), "
                   "signed_on, published_on, %s, %s FROM documents"
                   % (hx("title_zh"), hx("title_en"), hx("preamble_zh"), hx("preamble_en")))
    ok = (len(docs) == 1
          and docs[0][2].split() == [a[0] for a in AGENCIES]
          and docs[0][3].split() == prov_codes
          and docs[0][4] == "2017-02-27" and docs[0][5] == "2017-03-28")
    t.check(ok, "one document: issuers the nine agencies, recipients the four provinces, "
                "signed 2017-02-27, published 2017-03-28", [str(docs)[:300]])
    ok = (len(docs) == 1 and unhex(docs[0][0]) in source and unhex(docs[0][6]) in source
          and bool(unhex(docs[0][1])) and bool(unhex(docs[0][7])))
    t.check(ok, "the document's title and preamble occur verbatim in the source, with English")

    # --- sections
    secs = db.rows("SELECT s.code, s.chapter, coalesce(s.part, 0), %s, %s, %s, %s, "
                   "coalesce(p.code, '') FROM sections s LEFT JOIN sections p ON p.id = s.parent_id"
                   % (hx("s.title_zh"), hx("s.title_en"), hx("s.body_zh"), hx("s.body_en")))
    sec = {r[0]: {"chapter": int(r[1]), "part": int(r[2]), "title_zh": unhex(r[3]),
                  "title_en": unhex(r[4]), "body_zh": unhex(r[5]), "body_en": unhex(r[6]),
                  "parent": r[7]} for r in secs}
    want_ch = {str(c["n"]): c for c in chapters}
    bad = ["chapter %s: source %r, db %r" % (c, want_ch.get(c, {}).get("title"),
                                             sec.get(c, {}).get("title_zh"))
           for c in sorted(set(want_ch) | {k for k in sec if "." not in k})
           if c not in want_ch or c not in sec or sec[c]["title_zh"] != want_ch[c]["title"]]
    t.check(sorted(want_ch) == [str(i) for i in range(1, 8)] and not bad,
            "chapters 1-7 present with their titles as in the source", bad)
    want_parts = {"%d.%d" % (c["n"], p["n"]): (c, p) for c in chapters for p in c["parts"]}
    db_parts = {k for k in sec if "." in k}
    bad = ["%s: missing" % k for k in sorted(set(want_parts) - db_parts)]
    bad += ["%s: not in the source" % k for k in sorted(db_parts - set(want_parts))]
    bad += ["%s: title %r, source %r" % (k, sec[k]["title_zh"], want_parts[k][1]["title"])
            for k in sorted(db_parts & set(want_parts))
            if sec[k]["title_zh"] != want_parts[k][1]["title"]]
    bad += ["%s: parent %r" % (k, sec[k]["parent"]) for k in sorted(db_parts)
            if sec[k]["parent"] != k.split(".")[0]]
    t.check(not bad, "every part (一)... of the source present (%d) under its chapter, "
                     "with its title as in the source" % len(want_parts), bad)
    bad = []
    for c in chapters:
        holders = [(str(c["n"]), c)] + [("%d.%d" % (c["n"], p["n"]), p) for p in c["parts"]]
        for code, obj in holders:
            if c["n"] > 2 or not obj["paras"]:
                continue
            body = "\n\n".join(obj["paras"])
            s = sec.get(code)
            if not s or s["body_zh"] != body or not s["body_en"]:
                bad.append(code)
    t.check(not bad, "the text of 一, 二(一) and 二(二) (the goals) is kept verbatim in "
                     "sections.body_zh, with body_en", bad)

    # --- measures
    ms = db.rows("SELECT m.code, m.item, s.code, %s, %s, m.joint, m.sort_order "
                 "FROM measures m JOIN sections s ON s.id = m.section_id ORDER BY m.sort_order"
                 % (hx("m.text_zh"), hx("m.text_en")))
    meas = [{"code": r[0], "item": int(r[1]), "section": r[2], "zh": unhex(r[3]),
             "en": unhex(r[4]), "joint": r[5] == "t"} for r in ms]
    t.check(len(meas) >= 90, "at least 90 measures (%d)" % len(meas))
    bad = [m["code"] for m in meas if m["code"] != "%s.%d" % (m["section"], m["item"])]
    by_part = {}
    for m in meas:
        by_part.setdefault(m["section"], []).append(m)
    for code, lst in sorted(by_part.items()):
        items = sorted(m["item"] for m in lst)
        if items != list(range(1, len(items) + 1)):
            bad.append("%s: items %s" % (code, items))
    t.check(not bad, "every measure's code is its section's code and its item; items "
                     "run 1..n without gaps in each part", bad)
    bad = [m["code"] for m in meas if "." not in m["section"] or sec[m["section"]]["chapter"] < 3]
    t.check(not bad, "measures belong only to parts of chapters 三-七", bad)
    bad = [m["code"] for m in meas if m["zh"] not in source]
    t.check(not bad, "every text_zh occurs verbatim in the source", bad)
    bad = [m["code"] for m in meas if not m["zh"].endswith("。") or m["zh"].count("。") != 1]
    t.check(not bad, "every text_zh is one whole sentence ending at 。", bad)
    bad = []
    covered = 0
    for c in chapters:
        if c["n"] < 3:
            continue
        holders = [(str(c["n"]), c)] + [("%d.%d" % (c["n"], p["n"]), p) for p in c["parts"]]
        for code, obj in holders:
            want = sentences("".join(obj["paras"])) if obj["paras"] else []
            have = sorted(by_part.get(code, []), key=lambda m: m["item"])
            skip = list(NON_ACTIONABLE.get(code, []))
            i = 0
            for s in want:
                if i < len(have) and have[i]["zh"] == s:
                    i += 1
                    covered += 1
                elif skip and skip[0] == s:
                    skip.pop(0)
                    covered += 1
                else:
                    bad.append("%s: sentence neither a measure (next: %s) nor allowed as "
                               "non-actionable: %s" % (code, have[i]["code"] if i < len(have)
                                                       else "none", s))
                    break
            else:
                if i < len(have):
                    bad.append("%s: measures beyond the source's sentences: %s"
                               % (code, [m["code"] for m in have[i:]]))
                if skip:
                    bad.append("%s: allow-list entries not found in order: %s" % (code, skip))
    t.check(not bad, "the measures of each part in order, with the %d allow-listed "
                     "non-actionable sentence(s), cover every sentence of 三-七 (%d)"
            % (sum(len(v) for v in NON_ACTIONABLE.values()), covered), bad)

    # --- agencies and provinces per measure
    ma = db.rows("SELECT m.code, ma.agency_code, ma.role, btrim(ma.rationale) <> '' "
                 "FROM measure_agencies ma JOIN measures m ON m.id = ma.measure_id")
    mp = db.rows("SELECT m.code, mp.province_code, btrim(mp.rationale) <> '' "
                 "FROM measure_provinces mp JOIN measures m ON m.id = mp.measure_id")
    ml = db.rows("SELECT m.code, %s, l.province_code, btrim(ml.rationale) <> '' "
                 "FROM measure_localities ml JOIN measures m ON m.id = ml.measure_id "
                 "JOIN localities l ON l.id = ml.locality_id" % hx("l.name_zh"))
    agencies_of, provinces_of, localities_of = {}, {}, {}
    for code, a, role, _ in ma:
        agencies_of.setdefault(code, {})[a] = role
    for code, p, _ in mp:
        provinces_of.setdefault(code, set()).add(p)
    for code, l, p, _ in ml:
        localities_of.setdefault(code, set()).add((unhex(l), p))
    bad = [m["code"] for m in meas if "lead" not in agencies_of.get(m["code"], {}).values()]
    t.check(not bad, "every measure has at least one lead agency", bad)
    bad = []
    for m in meas:
        roles = agencies_of.get(m["code"], {})
        leads = sum(1 for r in roles.values() if r == "lead")
        if m["joint"] and leads < 1:
            bad.append("%s: joint without a lead %s" % (m["code"], roles))
        if not m["joint"] and leads != 1:
            bad.append("%s: not joint but %d leads" % (m["code"], leads))
    t.check(not bad, "a measure has exactly one lead; a joint one may have several", bad)
    bad = [m["code"] for m in meas if not provinces_of.get(m["code"])]
    t.check(not bad, "every measure targets at least one province", bad)
    bad = [r[0] for r in ma + mp + ml if r[-1] != "t"]
    t.check(not bad, "every mapping row (agency, province, locality) has a rationale", bad)

    # --- tasks
    tk = db.rows("SELECT m.code, t.agency_code, t.province_code, t.role, t.status, t.progress, "
                 "t.due_date IS NULL, t.version - (SELECT count(*) FROM events e WHERE e.subject_type = 'task' "
                 "AND e.subject_id = t.id AND e.kind IN ('task.reassigned', 'task.redated')) "
                 "FROM tasks t JOIN measures m ON m.id = t.measure_id")
    keys = [(r[0], r[1], r[2]) for r in tk]
    dups = sorted(k for k, n in collections.Counter(keys).items() if n > 1)
    t.check(not dups, "no duplicate task (measure, agency, province)", dups)
    expected = sum(len(agencies_of.get(m["code"], {})) * len(provinces_of.get(m["code"], set()))
                   for m in meas)
    want = {(m["code"], a, p): r for m in meas
            for a, r in agencies_of.get(m["code"], {}).items()
            for p in provinces_of.get(m["code"], set())}
    have = {(r[0], r[1], r[2]): r[3] for r in tk}
    bad = ["missing %s" % (k,) for k in sorted(set(want) - set(have))]
    bad += ["unexpected %s" % (k,) for k in sorted(set(have) - set(want))]
    bad += ["%s: role %s, mapping says %s" % (k, have[k], want[k])
            for k in sorted(set(want) & set(have)) if have[k] != want[k]]
    t.check(len(tk) == expected and not bad,
            "task count (%d) equals the sum over measures of agencies x provinces (%d), "
            "one task per pair with the agency's role" % (len(tk), expected), bad)
    bad = [r[:3] for r in tk if (r[4], r[5], r[6], r[7]) != ("not_started", "0", "t", "1")]
    t.check(not bad, "every task starts not_started, progress 0, no due date, version 1 "
                     "(plus one per re-assignment by an import)", bad)

    # --- places named in the text
    locs = db.rows("SELECT %s, province_code, %s FROM localities" % (hx("name_zh"), hx("name_en")))
    loc_list = [(unhex(n), p) for n, p, _ in locs]
    bad = [n for n, _ in loc_list if n not in source]
    t.check(not bad, "every locality's name occurs in the source as written", bad)
    one, none, many, lbad = [], [], [], []
    for m in meas:
        provs, named_locs = named_places(m["zh"], short, loc_list)
        target = provinces_of.get(m["code"], set())
        if len(provs) == 1 and target != provs:
            one.append("%s names %s, targets %s" % (m["code"], sorted(provs), sorted(target)))
        if not provs and target != set(prov_codes):
            none.append("%s names no place, targets %s" % (m["code"], sorted(target)))
        if len(provs) > 1 and target != provs:
            many.append("%s names %s, targets %s" % (m["code"], sorted(provs), sorted(target)))
        rows = localities_of.get(m["code"], set())
        have_names = {n for n, _ in rows}
        for n in sorted(named_locs - have_names):
            lbad.append("%s names %s: no measure_localities row" % (m["code"], n))
        for n, p in sorted(rows):
            if n not in m["zh"]:
                lbad.append("%s: locality %s is not in its text" % (m["code"], n))
            if p not in target:
                lbad.append("%s: locality %s is in %s, not a target" % (m["code"], n, p))
    t.check(not one, "a measure naming exactly one province (辽宁, 吉林, 黑龙江, 内蒙古, or a "
                     "locality of one) targets only that province", one)
    t.check(not none, "a measure naming no place targets all four provinces", none)
    t.check(not many, "a measure naming several provinces targets exactly those", many)
    t.check(not lbad, "every locality named in a measure's text has a measure_localities row "
                      "(and every such row's locality is named there, in a target province)", lbad)

    # --- English
    bad = []
    for c, _, _, en in ag:
        if not unhex(en) or CJK.search(unhex(en)):
            bad.append("agency %s" % c)
    for c, _, _, en in pr:
        if not unhex(en) or CJK.search(unhex(en)):
            bad.append("province %s" % c)
    for n, p, en in locs:
        if not unhex(en) or CJK.search(unhex(en)):
            bad.append("locality %s" % unhex(n))
    for m in meas:
        if not m["en"] or not m["en"].strip() or CJK.search(m["en"]):
            bad.append("measure %s" % m["code"])
    for code, s in sorted(sec.items()):
        if not s["title_en"] or CJK.search(s["title_en"]):
            bad.append("section %s" % code)
    t.check(not bad, "every agency, province, locality, section and measure has an English "
                     "name/text (non-empty, no Chinese characters)", bad)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
