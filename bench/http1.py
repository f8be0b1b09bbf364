"""The bench's HTTP/1.1 response reader, shared by tool.py's probe and
mixed.py's drivers: both send one request at a time on a keep-alive
connection and read an answer framed by Content-Length (the daemon, the
bare handler and nginx frame every answer so)."""

import re

_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


def read_response(sock):
    """Reads one response from sock: (status as int, head bytes, body bytes).
    Raises ConnectionError when the server closes first."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = _LENGTH.search(head)
    need = int(m.group(1)) if m else 0
    parts, have = [rest], len(rest)
    while have < need:
        chunk = sock.recv(max(65536, need - have))
        if not chunk:
            raise ConnectionError("closed by the server")
        parts.append(chunk)
        have += len(chunk)
    return int(head.split(b" ", 2)[1]), head, b"".join(parts)[:need]
