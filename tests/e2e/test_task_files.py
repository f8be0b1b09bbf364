"""Evidence files on tasks: upload through the API with the type told by the
content, a per-route size cap, scope as for task changes, the audit event with
the file's SHA-256, listing, and downloads that give back the same bytes with
safe headers."""

import concurrent.futures
import hashlib
import io
import itertools
import json
import secrets
import struct
import time
import urllib.parse
import zipfile
import zlib

import pytest

import ptutil

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"


# --------------------------------------------------------------------------
# Tiny valid samples, built here


def pdf(filler=b""):
    body = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n")
    return body + (b"% " + filler + b"\n" if filler else b"") + b"trailer <</Root 1 0 R>>\n%%EOF\n"


def png():
    """A 1x1 white PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def jpeg():
    """A JFIF header and the end marker: what a type check by content looks at."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def ooxml(main_part, content_type, extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships/officeDocument" Target="{main_part}"/></Relationships>')
        z.writestr(main_part, '<?xml version="1.0"?><document/>')
        for name in extra:
            z.writestr(name, b"\x00" * 16)
    return buf.getvalue()


def docx(extra=()):
    return ooxml("word/document.xml",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", extra)


def xlsx():
    return ooxml("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")


def pptx():
    return ooxml("ppt/presentation.xml",
                 "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")


def odt():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ole(streams):
    """An OLE2 compound file (512-byte sectors): sector 0 the FAT, sector 1 the directory."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3e, 3, 0xfffe, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, 0xfffffffe, 0, 0xfffffffe, 0)
    struct.pack_into("<I", header, 0x4c, 0)
    for i in range(1, 109):
        struct.pack_into("<I", header, 0x4c + 4 * i, 0xffffffff)
    fat = struct.pack("<II", 0xfffffffd, 0xfffffffe) + b"\xff" * (512 - 8)
    directory = bytearray(512)
    for i, (name, kind) in enumerate([("Root Entry", 5)] + list(streams)):
        entry = name.encode("utf-16-le")
        directory[128 * i:128 * i + len(entry)] = entry
        struct.pack_into("<HB", directory, 128 * i + 0x40, len(entry) + 2, kind)
    return bytes(header) + fat + bytes(directory)


def doc():
    return ole([("WordDocument", 2), ("1Table", 2)])


def xls():
    return ole([("Workbook", 2)])


SAMPLES = {
    "pdf": (pdf, "application/pdf", "scan.pdf"),
    "png": (png, "image/png", "photo.png"),
    "jpeg": (jpeg, "image/jpeg", "photo.JPG"),
    "docx": (docx, DOCX, "minutes.docx"),
    "xlsx": (xlsx, XLSX, "figures.xlsx"),
    "pptx": (pptx, PPTX, "briefing.pptx"),
    "doc": (doc, "application/msword", "old.doc"),
    "xls": (xls, "application/vnd.ms-excel", "old.xls"),
    "odt": (odt, ODT, "note.odt"),
}


# --------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    """Tokens by name: most, most_ln (bound to Liaoning), sipo, coord, prov, obs.
    Files go to most's tasks, which no other test changes, so that the
    histories other tests count stay as they expect."""
    specs = {"most": ("agency", {"agency": "most"}),
             "most_ln": ("agency", {"agency": "most", "province": "CN-LN"}),
             "sipo": ("agency", {"agency": "sipo"}), "coord": ("coordinator", {}),
             "prov": ("province", {"province": "CN-LN"}), "obs": ("observer", {})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(migrated_db, role, **scope)
        out[name] = {"headers": ptutil.bearer(ptutil.issue_token(migrated_db, user)), "username": user}
    return out


@pytest.fixture(scope="module")
def most_tasks(migrated_db):
    """most's tasks outside Liaoning, a different one per use (round and round);
    from the last, as the workflow's tests take theirs from the first."""
    ids = ptutil.psql_value(migrated_db, """
        SELECT string_agg(t.id::text, ' ' ORDER BY t.id DESC)
        FROM tasks t
        WHERE t.agency_code = 'most' AND t.province_code <> 'CN-LN'""")
    return itertools.cycle(int(i) for i in ids.split())


def all_files(d, who, task):
    """Every file of a task, following `next` two at a time."""
    out, path = [], f"/api/v1/tasks/{task}/files?limit=2"
    while path:
        r = d.get(path, headers=who["obs"]["headers"])
        assert r.status == 200, r
        page = r.json()
        assert len(page["items"]) <= 2 and page["limit"] == 2, page
        out += page["items"]
        path = page["next"]
    return out


def upload(d, headers, task, data, media_type, name, timeout=30.0):
    h = dict(headers)
    if media_type is not None:
        h["Content-Type"] = media_type
    query = "" if name is None else "?name=" + urllib.parse.quote(name, safe="")
    return d.request("POST", f"/api/v1/tasks/{task}/files{query}", headers=h, body=data, timeout=timeout)


def stored(migrated_db, task):
    """(files, events) the database holds for a task."""
    files = ptutil.psql_value(migrated_db, f"SELECT count(*) FROM task_files WHERE task_id = {int(task)}")
    events = ptutil.psql_value(migrated_db, f"SELECT count(*) FROM events WHERE subject_type = 'task' "
                                            f"AND subject_id = {int(task)}")
    return int(files), int(events)


def events_of(d, who, task):
    r = d.get(f"/api/v1/tasks/{task}/events?limit=200", headers=who["obs"]["headers"])
    assert r.status == 200, r
    return r.json()["items"]


def filename_star(disposition):
    """The name a Content-Disposition's filename* gives (RFC 5987, UTF-8)."""
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename*":
            charset, _, encoded = value.partition("''")
            assert charset.upper() == "UTF-8", disposition
            return urllib.parse.unquote(encoded, encoding="utf-8", errors="strict")
    raise AssertionError(f"no filename* in {disposition!r}")


# --------------------------------------------------------------------------
# Uploads that are taken


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_accepted_type_round_trips(d, who, most_tasks, kind):
    make, media_type, name = SAMPLES[kind]
    data = make()
    task = next(most_tasks)
    r = upload(d, who["most"]["headers"], task, data, media_type, name)
    assert r.status == 201, r
    f = r.json()
    sha = hashlib.sha256(data).hexdigest()
    assert f["media_type"] == media_type and f["size"] == len(data) and f["sha256"] == sha, f
    assert f["name"] == name and f["task_id"] == task, f
    assert f["uploaded_by"]["username"] == who["most"]["username"], f
    assert r.header("Location") == f["href"] == f"/api/v1/tasks/{task}/files/{f['id']}", r

    got = d.get(f["href"], headers=who["obs"]["headers"])
    assert got.status == 200, got
    assert got.body == data
    assert got.media_type == media_type
    assert got.header("Content-Disposition").startswith("attachment;"), got
    assert filename_star(got.header("Content-Disposition")) == name
    assert got.header("X-Content-Type-Options") == "nosniff"
    csp = [d.strip() for d in got.header("Content-Security-Policy").split(";")]
    assert "sandbox" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, got
    assert got.header("ETag") == f'"{sha}"'
    assert "no-store" in got.header("Cache-Control")


def test_octet_stream_lets_the_content_tell(d, who, most_tasks):
    task = next(most_tasks)
    r = upload(d, who["most"]["headers"], task, png(), "application/octet-stream", "photo.png")
    assert r.status == 201, r
    assert r.json()["media_type"] == "image/png"


def test_a_coordinator_attaches_to_any_task(d, who, most_tasks):
    r = upload(d, who["coord"]["headers"], next(most_tasks), pdf(), "application/pdf; charset=binary", "verified.pdf")
    assert r.status == 201, r


def test_the_event_records_the_file_and_the_chain_holds(d, who, most_tasks, migrated_db):
    task = next(most_tasks)
    data = pdf(b"event")
    version = d.get(f"/api/v1/tasks/{task}", headers=who["most"]["headers"]).json()["version"]
    r = upload(d, who["most"]["headers"], task, data, "application/pdf", "proof.pdf")
    assert r.status == 201, r
    f = r.json()
    last = events_of(d, who, task)[-1]
    assert last["kind"] == "task.file_attached", last
    assert last["actor"]["username"] == who["most"]["username"]
    assert last["changes"] == {"file": {"from": None, "to": {
        "id": f["id"], "name": "proof.pdf", "media_type": "application/pdf", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()}}}, last
    # Attaching evidence is not a change of the task: no one's If-Match goes stale.
    assert d.get(f"/api/v1/tasks/{task}", headers=who["most"]["headers"]).json()["version"] == version
    ptutil.run_cli(["audit", "verify", "--database-url", migrated_db], expect_rc=0)


def test_a_chinese_name_round_trips(d, who, most_tasks):
    task = next(most_tasks)
    name = "验收报告（第一批）2024年 \"终稿\";v2.pdf"
    r = upload(d, who["most"]["headers"], task, pdf(b"zh"), "application/pdf", name)
    assert r.status == 201, r
    assert r.json()["name"] == name
    listed = all_files(d, who, task)
    assert [x["name"] for x in listed if x["id"] == r.json()["id"]] == [name]
    got = d.get(r.json()["href"], headers=who["prov"]["headers"])
    disposition = got.header("Content-Disposition")
    assert filename_star(disposition) == name
    # The plain filename is ASCII, quoted, with nothing that could end it early.
    plain = disposition.split("filename=", 1)[1].split(";", 1)[0]
    assert plain.startswith('"') and plain.endswith('.pdf"') and plain.isascii(), disposition
    assert '\\' not in plain and plain.count('"') == 2, disposition


def test_listing_pages_and_read_rules(d, who, most_tasks, migrated_db):
    task = next(most_tasks)
    ids = []
    for i in range(3):
        r = upload(d, who["most"]["headers"], task, pdf(str(i).encode()), "application/pdf", f"p{i}.pdf")
        assert r.status == 201, r
        ids.append(r.json()["id"])
    listed = all_files(d, who, task)
    assert [x["id"] for x in listed][-3:] == ids, listed
    assert [x["name"] for x in listed][-3:] == ["p0.pdf", "p1.pdf", "p2.pdf"]
    assert all("content" not in x for x in listed)
    # Everyone signed in reads tasks, so everyone reads their files; no one unsigned.
    for name in ("obs", "prov", "sipo"):
        assert d.get(f"/api/v1/tasks/{task}/files/{ids[0]}", headers=who[name]["headers"]).status == 200
    ptutil.assert_problem(d.get(f"/api/v1/tasks/{task}/files/{ids[0]}"), 401)
    ptutil.assert_problem(d.get(f"/api/v1/tasks/{task}/files"), 401)
    # A file is found only under its own task.
    other = next(most_tasks)
    ptutil.assert_problem(d.get(f"/api/v1/tasks/{other}/files/{ids[0]}", headers=who["obs"]["headers"]), 404)
    assert ids[0] not in [x["id"] for x in all_files(d, who, other)]
    ptutil.assert_problem(d.get(f"/api/v1/tasks/{task}/files/999999999", headers=who["obs"]["headers"]), 404)
    ptutil.assert_problem(d.get(f"/api/v1/tasks/{task}/files/x1", headers=who["obs"]["headers"]), 404)
    ptutil.assert_problem(d.get("/api/v1/tasks/999999999/files", headers=who["obs"]["headers"]), 404)
    # HEAD: the GET's headers and length, no bytes.
    h = d.request("HEAD", f"/api/v1/tasks/{task}/files/{ids[1]}", headers=who["obs"]["headers"])
    assert h.status == 200 and h.body == b"" and int(h.header("Content-Length")) == len(pdf(b"1")), h


def test_the_same_bytes_are_stored_once(d, who, most_tasks, migrated_db):
    data = pdf(b"twice " + secrets.token_hex(8).encode())
    sha = hashlib.sha256(data).hexdigest()
    for _ in range(2):
        r = upload(d, who["most"]["headers"], next(most_tasks), data, "application/pdf", "same.pdf")
        assert r.status == 201, r
    assert ptutil.psql_value(migrated_db, f"SELECT count(*) FROM file_blobs WHERE sha256 = '{sha}'") == "1"
    assert ptutil.psql_value(migrated_db, f"SELECT count(*) FROM task_files WHERE sha256 = '{sha}'") == "2"


def test_the_daemon_may_not_change_or_remove_evidence(d, who, most_tasks, migrated_db):
    task = next(most_tasks)
    assert upload(d, who["most"]["headers"], task, pdf(b"keep"), "application/pdf", "keep.pdf").status == 201
    for sql in (f"UPDATE task_files SET name = 'x.pdf' WHERE task_id = {task}",
                f"DELETE FROM task_files WHERE task_id = {task}",
                "UPDATE file_blobs SET content = '\\x00' WHERE false",
                "DELETE FROM file_blobs WHERE false"):
        cp = ptutil.psql(migrated_db, sql, check=False)
        assert cp.returncode != 0 and "permission denied" in cp.stderr, (sql, cp.stderr)


def test_a_large_file_over_the_general_body_limit(d, who, most_tasks):
    """5 MiB: over --max-body-bytes (1 MiB), within --max-upload-bytes (20 MiB);
    large enough that the pool replaces the connections that carried it."""
    task = next(most_tasks)
    data = pdf(b"x" * (5 * 1024 * 1024))
    r = upload(d, who["most"]["headers"], task, data, "application/pdf", "big.pdf")
    assert r.status == 201, r
    got = d.get(r.json()["href"], headers=who["obs"]["headers"], timeout=30)
    assert got.status == 200 and got.body == data
    # The pool goes on serving.
    assert d.get(f"/api/v1/tasks/{task}/files", headers=who["obs"]["headers"]).status == 200
    assert d.get("/readyz").status == 200


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def test_large_answers_stay_on_one_pool_connection(daemons, migrated_db, who, most_tasks):
    """A 3 MiB download (under the 4 MiB that replaces any connection, over the
    1 MiB that makes one connection the bulky one) sent again and again on
    every connection of the pool: libpq's input buffer keeps an answer's size
    on the connection that read it, so without the bulky connection RSS would
    rise by about 3 MiB for each of the other three; here it does not."""
    d = daemons.start("--pool-size", "4", database_url=migrated_db)
    task = next(most_tasks)
    data = pdf(secrets.token_hex(3 * 512 * 1024).encode())
    r = upload(d, who["most"]["headers"], task, data, "application/pdf", "three.pdf")
    assert r.status == 201, r
    href = r.json()["href"]

    def get():
        got = d.get(href, headers=who["obs"]["headers"], timeout=30)
        return got.status == 200 and got.body == data

    assert get()
    time.sleep(0.5)
    before = rss_kib(d.pid)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
        assert all(ex.map(lambda _: get(), range(24)))
    time.sleep(0.5)
    grown = rss_kib(d.pid) - before
    with open(f"/proc/{d.pid}/maps") as f:
        asan = "libasan" in f.read()  # ASan keeps freed memory in quarantine: RSS says nothing
    if not asan:
        assert grown < 5 * 1024, f"RSS grew by {grown} KiB after 24 downloads of 3 MiB on 4 connections"
    # The pool goes on serving, and what it replaced is no reconnect.
    assert d.get(f"/api/v1/tasks/{task}/files", headers=who["obs"]["headers"]).status == 200
    assert ptutil.metric_value(d, "policytrack_db_reconnects_total") == 0


# --------------------------------------------------------------------------
# Uploads that are refused, changing nothing


def refused(d, who, migrated_db, task, status, *args, user="most"):
    before = stored(migrated_db, task)
    r = upload(d, who[user]["headers"], task, *args)
    body = ptutil.assert_problem(r, status)
    assert stored(migrated_db, task) == before, f"a refused upload ({status}) stored something"
    return r, body


@pytest.fixture(scope="module")
def refusal_task(most_tasks):
    return next(most_tasks)


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize("data,media_type,name,says", [
    (png(), "application/pdf", "scan.pdf", ["PNG", "application/pdf"]),
    (pdf(), "image/png", "scan.png", ["PDF", "image/png"]),
    (ELF, "application/octet-stream", "tool.pdf", ["PDF, PNG, JPEG"]),
    (EXE, "application/pdf", "setup.pdf", ["PDF, PNG, JPEG"]),
    (HTML, "text/html", "page.html", ["PDF, PNG, JPEG"]),
    (HTML, "application/pdf", "page.pdf", ["PDF, PNG, JPEG"]),
    (docx(extra=["word/vbaProject.bin"]), DOCX, "macro.docx", ["macros"]),
    (ole([("WordDocument", 2), ("Macros", 1)]), "application/msword", "macro.doc", ["macros"]),
    (ole([("PowerPoint Document", 2)]), "application/vnd.ms-powerpoint", "old.ppt", ["PPT"]),
    (b"PK\x03\x04" + b"\x00" * 40, "application/zip", "a.zip", ["ZIP"]),
], ids=["png-as-pdf", "pdf-as-png", "elf", "exe", "html", "html-as-pdf", "docm", "doc-macros", "ppt",
        "broken-zip"])
def test_type_lies_and_unknown_types_are_415(d, who, refusal_task, migrated_db, data, media_type, name, says):
    r, body = refused(d, who, migrated_db, refusal_task, 415, data, media_type, name)
    for word in says:
        assert word in body["detail"], body
    assert "application/pdf" in r.header("Accept-Post"), r


def test_name_and_body_problems(d, who, most_tasks, migrated_db):
    task = next(most_tasks)
    _, body = refused(d, who, migrated_db, task, 400, pdf(), "application/pdf", "scan.png")
    assert ".pdf" in body["errors"]["name"], body
    _, body = refused(d, who, migrated_db, task, 400, pdf(), "application/pdf", None)
    assert "required" in body["errors"]["name"], body
    for bad in ("../../etc/passwd.pdf", "C:\\scan.pdf", ".pdf", "a\x01.pdf", "x" * 201 + ".pdf"):
        _, body = refused(d, who, migrated_db, task, 400, pdf(), "application/pdf", bad)
        assert "name" in body["errors"], (bad, body)
    _, body = refused(d, who, migrated_db, task, 400, b"", "application/pdf", "empty.pdf")
    assert "empty" in body["detail"], body
    refused(d, who, migrated_db, task, 415, pdf(), None, "scan.pdf")


def test_scope_is_that_of_task_changes(d, who, most_tasks, migrated_db):
    task = next(most_tasks)  # outside Liaoning
    _, body = refused(d, who, migrated_db, task, 404, pdf(), "application/pdf", "a.pdf", user="sipo")
    assert body["detail"] == f"there is no task '{task}'", body
    refused(d, who, migrated_db, task, 404, pdf(), "application/pdf", "a.pdf", user="most_ln")
    refused(d, who, migrated_db, 999999999, 404, pdf(), "application/pdf", "a.pdf")
    body = ptutil.assert_problem(upload(d, who["most"]["headers"], "x12", pdf(), "application/pdf", "a.pdf"), 404)
    assert body["detail"] == "there is no task 'x12'", body
    for user in ("obs", "prov"):
        refused(d, who, migrated_db, task, 403, pdf(), "application/pdf", "a.pdf", user=user)
    # most_ln may attach to most's Liaoning tasks.
    r = d.get("/api/v1/tasks?agency=most&province=CN-LN&limit=1", headers=who["obs"]["headers"])
    ln_task = r.json()["items"][0]["id"]
    assert upload(d, who["most_ln"]["headers"], ln_task, pdf(), "application/pdf", "ln.pdf").status == 201


# --------------------------------------------------------------------------
# The caps, with a daemon of their own


def raw_upload_head(task, token_headers, length, name="big.pdf"):
    head = (f"POST /api/v1/tasks/{task}/files?name={name} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/pdf\r\nContent-Length: {length}\r\n")
    for k, v in token_headers.items():
        head += f"{k}: {v}\r\n"
    return (head + "\r\n").encode()


def test_caps_per_route(daemons, migrated_db, who, d, most_tasks):
    small = daemons.start("--max-body-bytes", "4096", "--max-upload-bytes", "65536", "--max-uploads", "1",
                          database_url=migrated_db)
    task = next(most_tasks)
    headers = who["most"]["headers"]
    # Over --max-body-bytes, within --max-upload-bytes: taken.
    data = pdf(b"y" * 50000)
    r = upload(small, headers, task, data, "application/pdf", "mid.pdf")
    assert r.status == 201, r
    # Every other route keeps --max-body-bytes.
    r = small.request("PATCH", f"/api/v1/tasks/{task}", body=b" " * 5000,
                      headers={"Content-Type": "application/json", "If-Match": '"1"', **headers})
    ptutil.assert_problem(r, 413)
    # Over --max-upload-bytes: 413 before the body is read, naming the cap; nothing stored.
    before = stored(migrated_db, task)
    c = small.raw()
    c.send(raw_upload_head(task, headers, 65537))
    resp = c.read_response()
    body = ptutil.assert_problem(resp, 413)
    assert "65536" in body["detail"], body
    assert stored(migrated_db, task) == before
    # One upload over --max-body-bytes at a time (--max-uploads 1): a second waits its turn (503).
    first = small.raw()
    first.send(raw_upload_head(task, headers, len(data)) + data[:10000])
    ptutil.wait_for(lambda: ptutil.metric_value(small, "policytrack_uploads_in_progress") == 1, 5,
                    "the first upload holding its place")
    second = small.raw()
    second.send(raw_upload_head(task, headers, len(data)))
    ptutil.assert_problem(second.read_response(), 503)
    # Small files do not count against it.
    assert upload(small, headers, task, pdf(), "application/pdf", "small.pdf").status == 201
    first.send(data[10000:])
    assert first.read_response().status == 201
    ptutil.wait_for(lambda: ptutil.metric_value(small, "policytrack_uploads_in_progress") == 0, 5,
                    "the place freed by the answer")
    assert upload(small, headers, task, data, "application/pdf", "again.pdf").status == 201


def test_a_slow_upload_that_keeps_coming_is_taken_and_a_stalled_one_is_cut(daemons, migrated_db, who, most_tasks):
    """--read-timeout-ms is for a whole request, but a file may take longer on a
    slow link: each 64 KiB that arrives earns the deadline anew."""
    slow = daemons.start("--read-timeout-ms", "600", "--max-body-bytes", "4096", database_url=migrated_db)
    task = next(most_tasks)
    headers = who["most"]["headers"]
    data = pdf(b"s" * (5 * 64 * 1024))
    c = slow.raw(timeout=10)
    c.send(raw_upload_head(task, headers, len(data)))
    step = 80 * 1024
    for i in range(0, len(data), step):
        time.sleep(0.3)  # 6 pieces, ~1.8 s in all: three deadlines' worth
        assert c.send(data[i:i + step])
    r = c.read_response(timeout=10)
    assert r.status == 201, r
    assert json.loads(r.body)["size"] == len(data)
    # One that stops sending is cut off at the deadline, and stores nothing.
    before = stored(migrated_db, task)
    stalled = slow.raw(timeout=10)
    stalled.send(raw_upload_head(task, headers, len(data)) + data[:100 * 1024])
    ptutil.assert_problem(stalled.read_response(timeout=5), 408)
    assert stored(migrated_db, task) == before
    ptutil.wait_for(lambda: ptutil.metric_value(slow, "policytrack_uploads_in_progress") == 0, 5,
                    "the stalled upload's place freed")


def test_a_chunked_upload(daemons, migrated_db, who, most_tasks):
    small = daemons.start("--max-body-bytes", "4096", "--max-upload-bytes", "65536", database_url=migrated_db)
    task = next(most_tasks)
    data = pdf(b"c" * 20000)
    head = (f"POST /api/v1/tasks/{task}/files?name=chunked.pdf HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n"
            f"Authorization: {who['most']['headers']['Authorization']}\r\n\r\n").encode()
    body = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 3000]), data[i:i + 3000]) for i in range(0, len(data), 3000))
    c = small.raw()
    c.send(head + body + b"0\r\n\r\n")
    r = c.read_response()
    assert r.status == 201, r
    assert json.loads(r.body)["sha256"] == hashlib.sha256(data).hexdigest()
    # Chunks adding up to more than the cap: 413, wherever they cross it.
    c = small.raw()
    c.send(head + b"".join(b"%x\r\n%s\r\n" % (30000, b"c" * 30000) for _ in range(3)))
    body = ptutil.assert_problem(c.read_response(), 413)
    assert "65536" in body["detail"], body
