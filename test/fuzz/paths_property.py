#!/usr/bin/python3
"""Property test for hostile paths (issue 8), run by test/71.limits-paths.test.mjs.

usage: /usr/bin/python3 paths_property.py http://127.0.0.1:PORT [examples]

Hypothesis builds request targets out of every character a target may carry
plus percent-escapes of arbitrary bytes (invalid UTF-8, NUL, encoded slashes,
lone '%'). For each, over a raw socket to the hostile script's /p/{x} route:
the answer is 200, req.path is the path exactly as sent, path_params["x"] is
urllib's decoding (errors="replace") and query_params matches parse_qsl
(last value wins). Needs Debian's python3-hypothesis (/usr/bin/python3).
"""
import json
import socket
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

URL = urlsplit(sys.argv[1])
EXAMPLES = int(sys.argv[2]) if len(sys.argv) > 2 else 300

# pchar minus "/" (a {param} is one segment), plus a few that need no escaping in practice.
SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@"
piece = st.one_of(
    st.text(alphabet=SAFE, min_size=1, max_size=6),
    st.binary(min_size=1, max_size=4).map(lambda b: "".join(f"%{x:02x}" if i % 2 else f"%{x:02X}" for i, x in enumerate(b))),
    st.sampled_from(["%", "%%", "%2", "%zz", "%2f", "%2F", "%00", "%252e", "%c0%ae", "..", ".", "%e2%82", "%ff"]),
)
segment = st.lists(piece, min_size=1, max_size=8).map("".join)
query_piece = st.one_of(piece, st.sampled_from(["=", "&", "+", "/", "?"]))
query = st.lists(query_piece, max_size=10).map("".join)


def exchange(target):
    with socket.create_connection((URL.hostname, URL.port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("ascii"))
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def last_values(qs):
    return dict(parse_qsl(qs, keep_blank_values=True, errors="replace"))


count = 0


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(segment, st.one_of(st.none(), query))
def test_paths(seg, qs):
    global count
    count += 1
    path = "/p/" + seg
    target = path if qs is None else f"{path}?{qs}"
    status, body = exchange(target)
    assert status == 200, (target, status, body[:200])
    got = json.loads(body)
    assert got["path"] == path, (target, got["path"])
    if seg != "fixed":
        assert got["params"] == {"x": unquote(seg, errors="replace")}, (target, got["params"])
    assert got["query"] == (last_values(qs) if qs else {}), (target, got["query"])


if __name__ == "__main__":
    test_paths()
    print(f"ok: {count} examples against {sys.argv[1]}")
