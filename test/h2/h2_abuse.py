#!/usr/bin/python3
"""HTTP/2 conformance and abuse cases against siphon's h2c listener (issue 8).

usage: /usr/bin/python3 h2_abuse.py HOST PORT [--tls] [--soak] [CASE...]
       /usr/bin/python3 h2_abuse.py --list

The h2spec categories rewritten as byte-exact cases -- connection preface,
frame sizes, HPACK errors, stream states, flow control, pseudo-header rules --
and the floods: rapid reset, CONTINUATION, SETTINGS, PING, empty DATA,
stream and HPACK-bomb floods. Frames are built by hand (so they can be
wrong on purpose); header blocks are encoded with Debian's python3-hpack (a
dependency of python3-h2) and valid frames checked against python3-hyperframe.

Prints one JSON object per case (--list: the same without running them):
  {"name", "group", "path", "reaches", "ok", "got", "expected", "ms"}
`reaches` says whether `path` may reach a handler; the Node test
(test/75.http2-abuse.test.mjs) checks the handler counters afterwards.
`ok` also needs the next ordinary request, on a new connection, answered.
A case stops reading as soon as its expectation holds, so only a failing
case waits out its whole read.
"""
import json
import socket
import ssl
import struct
import sys
import threading
import time

from hpack import Encoder
from hyperframe.frame import DataFrame, HeadersFrame, SettingsFrame

LIST = "--list" in sys.argv
HOST, PORT = (None, 0) if LIST else (sys.argv[1], int(sys.argv[2]))
SOAK = "--soak" in sys.argv
TLS = "--tls" in sys.argv
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIORITY_FLAG = 0x1, 0x1, 0x4, 0x8, 0x20
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
          "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
          "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def settings(*pairs, ack=False):
    return frame(SETTINGS, ACK if ack else 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def request_headers(path, method="GET", extra=(), pseudo=None):
    fields = pseudo if pseudo is not None else [(":method", method), (":scheme", "http"), (":path", path), (":authority", "x")]
    return list(fields) + list(extra)


def connect():
    sock = socket.create_connection((HOST, PORT), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not TLS:
        return sock
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    sock = context.wrap_socket(sock, server_hostname="localhost")
    assert sock.selected_alpn_protocol() == "h2", "the server offers h2 by ALPN"
    return sock


class Conn:
    def __init__(self, preface=True, window=None):
        self.sock = connect()
        self.port = self.sock.getsockname()[1]
        self.encoder = Encoder()
        self.buf = b""
        self.until = None  # the case's expectation, set by main()
        self.auto_window = True
        # The start of each answer body (handlers echo what they saw).
        self.bodies = {}
        self.got = {"goaway": None, "rst": {}, "status": {}, "data": {}, "frames": 0, "closed": False, "pings": 0, "settings_acks": 0}
        if preface:
            pairs = [(0x4, window)] if window is not None else []
            self.send(PREFACE + settings(*pairs))

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.got["closed"] = True
            return False

    def block(self, fields):
        return self.encoder.encode(fields)

    def headers(self, stream, fields, end_stream=True, end_headers=True, raw_block=None):
        flags = (END_STREAM if end_stream else 0) | (END_HEADERS if end_headers else 0)
        return frame(HEADERS, flags, stream, raw_block if raw_block is not None else self.block(fields))

    def read(self, seconds=2.0, until=None):
        """Reads frames for up to `seconds`, or until the connection closes or until(got)
        (by default the case's expectation) holds."""
        until = until or self.until
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.got["closed"]:
            if until and until(self.got):
                break
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(1 << 16)
            except (socket.timeout, ssl.SSLWantReadError):
                break
            except OSError:
                self.got["closed"] = True
                break
            if not chunk:
                self.got["closed"] = True
                break
            self.buf += chunk
            self._parse()
        return self.got

    def _parse(self):
        while len(self.buf) >= 9:
            length = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + length:
                return
            ftype, flags = self.buf[3], self.buf[4]
            stream = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            self.got["frames"] += 1
            if ftype == GOAWAY:
                self.got["goaway"] = ERRORS[int.from_bytes(payload[4:8], "big")] if int.from_bytes(payload[4:8], "big") < len(ERRORS) else "UNKNOWN"
            elif ftype == RST_STREAM:
                code = int.from_bytes(payload[:4], "big")
                self.got["rst"][stream] = ERRORS[code] if code < len(ERRORS) else "UNKNOWN"
            elif ftype == HEADERS:
                # The status is the first field; the server's encoder only uses the static table for it.
                from hpack import Decoder
                if not hasattr(self, "decoder"):
                    self.decoder = Decoder()
                try:
                    fields = self.decoder.decode(payload)
                    status = dict(fields).get(":status")
                    if status is not None:
                        self.got["status"][stream] = int(status)
                except Exception:  # noqa: BLE001 - a CONTINUATION-split block; not used by these cases
                    pass
            elif ftype == DATA:
                self.got["data"][stream] = self.got["data"].get(stream, 0) + length
                if len(self.bodies.get(stream, b"")) < 4096:
                    self.bodies[stream] = self.bodies.get(stream, b"") + payload
                if length and self.auto_window:
                    # Keep the server able to send: give back what it used.
                    self.send(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", length)) + frame(WINDOW_UPDATE, 0, stream, struct.pack(">I", length)))
            elif ftype == SETTINGS and not flags & ACK:
                self.send(settings(ack=True))
            elif ftype == SETTINGS:
                self.got["settings_acks"] += 1
            elif ftype == PING and flags & ACK:
                self.got["pings"] += 1
            elif ftype == PING:
                self.send(frame(PING, ACK, 0, payload))  # as every client library does

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# Expectations ---------------------------------------------------------------

def conn_error(*codes):
    """A connection error: GOAWAY with one of `codes`, or (as h2spec allows) the
    connection closed without a GOAWAY; the stream is never answered."""
    def check(got, stream):
        ended = got["goaway"] in codes or (got["goaway"] is None and got["closed"])
        return ended and stream not in got["status"]
    check.text = f"GOAWAY {'|'.join(codes)} (or closed)"
    return check


def stopped(*codes):
    """A flood ends the connection: GOAWAY with one of `codes`, or closed outright
    (a reset socket loses the GOAWAY queued before it)."""
    def check(got, stream):
        return got["goaway"] in codes or got["closed"]
    check.text = f"GOAWAY {'|'.join(codes)} or closed"
    return check


def ignored(got, stream):
    """nghttp2 ignores the frame on purpose: the stream is never answered."""
    return stream not in got["status"] and got["goaway"] in (None, "PROTOCOL_ERROR", "STREAM_CLOSED")


ignored.text = "never answered (ignored or refused)"


def dropped_or_refused(field):
    """Refused (400, RST_STREAM or GOAWAY), or answered with the invalid field left
    out: nghttp2 drops a field with a bad name or value before node:http2 sees it."""
    def check(got, stream, bodies=None):
        status = got["status"].get(stream)
        if status is None:
            return stream in got["rst"] or got["goaway"] is not None
        if status == 400:
            return True
        try:
            seen = json.loads((bodies or {}).get(stream, b"{}"))["headers"]
        except (ValueError, KeyError):
            return False
        return status == 200 and field not in seen and not any("injected" in k for k in seen)
    check.text = f"refused, or answered without the {field!r} field"
    check.wants_bodies = True
    return check


def stream_error(*codes):
    """A stream error: RST_STREAM with one of `codes` on the case's stream, or the
    same as a connection error. node:http2 makes some stream errors connection
    errors, and over TLS its GOAWAY can be lost when it destroys the socket."""
    def check(got, stream):
        ended = got["rst"].get(stream) in codes or got["goaway"] in codes or (got["goaway"] is None and got["closed"])
        return ended and stream not in got["status"]
    check.text = f"RST_STREAM or GOAWAY {'|'.join(codes)} (or closed)"
    return check


def refused_status(*statuses):
    """An HTTP answer refusing the request (siphon's admission), or a stream/connection error."""
    def check(got, stream):
        status = got["status"].get(stream)
        return status in statuses or (status is None and (stream in got["rst"] or got["goaway"] is not None))
    check.text = f"{'|'.join(map(str, statuses))}, or a stream/connection error"
    return check


def answered(status=200):
    def check(got, stream):
        return got["status"].get(stream) == status
    check.text = f"answered {status}"
    return check


def complete(got, stream):
    """Answered, and the connection still usable."""
    return got["status"].get(stream) == 200 and not got["closed"] and got["goaway"] is None


complete.text = "answered 200 on a connection that stays open"


# Cases ----------------------------------------------------------------------
CASES = []


def case(group, expected, reaches=False, stream=1, slow=False):
    """`slow` cases wait out a server time limit; they run beside the others."""
    def register(fn):
        CASES.append((group, fn.__name__, fn, expected, reaches, stream, slow))
        return fn
    return register


P = lambda name: f"/count/h2-{name}"  # noqa: E731


def sends(group, name, expected, build, stream=1):
    """A case that sends what build(c) returns, then reads."""
    def fn(c: Conn):
        c.send(build(c))
        c.read()
    fn.__name__ = name
    case(group, expected, stream=stream)(fn)


def opened(c, name):
    """HEADERS opening stream 1 for a POST whose body is still to come."""
    return c.headers(1, request_headers(P(name), "POST"), end_stream=False)


def block(c, name, extra=()):
    return c.block(request_headers(P(name), extra=extra))


ZERO8 = b"\0" * 8
CANCEL = struct.pack(">I", 8)
MAX_WINDOW = struct.pack(">I", 0x7FFFFFFF)

# Connection preface (RFC 9113 §3.4)
sends("preface", "first_frame_not_settings", conn_error("PROTOCOL_ERROR"), lambda c: PREFACE + frame(PING, 0, 0, ZERO8))
sends("preface", "preface_then_settings_on_a_stream", conn_error("PROTOCOL_ERROR", "FRAME_SIZE_ERROR"), lambda c: PREFACE + frame(SETTINGS, 0, 1))

# Frame sizes (§4.2, §6)
sends("frame size", "data_over_max_frame_size", conn_error("FRAME_SIZE_ERROR"),
      lambda c: opened(c, "data_over_max_frame_size") + frame(DATA, END_STREAM, 1, b"d" * 16385))
# Without Huffman coding, so the block really is over 16384 bytes.
sends("frame size", "headers_over_max_frame_size", conn_error("FRAME_SIZE_ERROR"), lambda c: frame(
    HEADERS, END_HEADERS | END_STREAM, 1, c.encoder.encode(request_headers(P("headers_over_max_frame_size"), extra=[("x-big", "b" * 17000)]), huffman=False)))
sends("frame size", "settings_length_not_multiple_of_6", conn_error("FRAME_SIZE_ERROR"), lambda c: frame(SETTINGS, 0, 0, b"\0" * 5))
sends("frame size", "settings_ack_with_payload", conn_error("FRAME_SIZE_ERROR"), lambda c: frame(SETTINGS, ACK, 0, b"\0" * 6))
sends("frame size", "ping_of_7_bytes", conn_error("FRAME_SIZE_ERROR"), lambda c: frame(PING, 0, 0, b"\0" * 7))
sends("frame size", "window_update_of_3_bytes", conn_error("FRAME_SIZE_ERROR"), lambda c: frame(WINDOW_UPDATE, 0, 0, b"\0\0\1"))
sends("frame size", "priority_of_4_bytes", stream_error("FRAME_SIZE_ERROR"), lambda c: frame(PRIORITY, 0, 1, b"\0" * 4))
sends("frame size", "rst_stream_of_3_bytes", conn_error("FRAME_SIZE_ERROR"),
      lambda c: opened(c, "rst_stream_of_3_bytes") + frame(RST_STREAM, 0, 1, b"\0" * 3))
sends("frame size", "padding_longer_than_the_frame", conn_error("PROTOCOL_ERROR", "FRAME_SIZE_ERROR"),
      lambda c: frame(HEADERS, END_HEADERS | END_STREAM | PADDED, 1, bytes([255]) + block(c, "padding_longer_than_the_frame")))

# HPACK (§4.3, RFC 7541): header blocks broken on purpose.
for name, raw in [
    ("index_beyond_the_tables", bytes([0xFF, 0xFF, 0x7F])),  # indexed field 16510
    ("index_zero", bytes([0x80])),
    ("string_longer_than_the_block", bytes([0x40, 0x7F, 0x10]) + b"abc"),
    ("huffman_string_with_eos", bytes([0x40, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x61])),
    ("integer_overflow", bytes([0xFF]) + b"\xFF" * 10 + b"\x01"),
]:
    sends("hpack", name, conn_error("COMPRESSION_ERROR"), lambda c, raw=raw: c.headers(1, None, raw_block=raw))
sends("hpack", "table_size_update_over_the_limit", conn_error("COMPRESSION_ERROR"),
      lambda c: c.headers(1, None, raw_block=bytes([0x3F, 0xE1, 0xFF, 0xFF, 0x0F]) + block(c, "table_size_update_over_the_limit")))

# Stream states (§5.1)
sends("stream states", "data_on_an_idle_stream", conn_error("PROTOCOL_ERROR", "STREAM_CLOSED"), lambda c: frame(DATA, END_STREAM, 1, b"x"))
sends("stream states", "headers_on_an_even_stream", conn_error("PROTOCOL_ERROR"), lambda c: frame(HEADERS, END_HEADERS | END_STREAM, 2, block(c, "headers_on_an_even_stream")), stream=2)
sends("stream states", "continuation_without_headers", conn_error("PROTOCOL_ERROR"), lambda c: frame(CONTINUATION, END_HEADERS, 1, block(c, "continuation_without_headers")))
sends("stream states", "other_frame_inside_a_header_block", conn_error("PROTOCOL_ERROR"),
      lambda c: frame(HEADERS, END_STREAM, 1, block(c, "other_frame_inside_a_header_block")) + frame(PING, 0, 0, ZERO8))
sends("stream states", "continuation_on_another_stream", conn_error("PROTOCOL_ERROR"), lambda c: (
    lambda b: frame(HEADERS, END_STREAM, 1, b[:3]) + frame(CONTINUATION, END_HEADERS, 3, b[3:]))(block(c, "continuation_on_another_stream")))
sends("stream states", "data_on_stream_zero", conn_error("PROTOCOL_ERROR"), lambda c: frame(DATA, 0, 0, b"x"))
sends("stream states", "headers_on_stream_zero", conn_error("PROTOCOL_ERROR"), lambda c: frame(HEADERS, END_HEADERS | END_STREAM, 0, block(c, "headers_on_stream_zero")))
sends("stream states", "ping_on_a_stream", conn_error("PROTOCOL_ERROR"), lambda c: frame(PING, 0, 1, ZERO8))
sends("stream states", "goaway_on_a_stream", conn_error("PROTOCOL_ERROR"), lambda c: frame(GOAWAY, 0, 1, ZERO8))
sends("stream states", "rst_stream_on_an_idle_stream", conn_error("PROTOCOL_ERROR"), lambda c: frame(RST_STREAM, 0, 1, CANCEL))
sends("stream states", "rst_stream_on_stream_zero", conn_error("PROTOCOL_ERROR"), lambda c: frame(RST_STREAM, 0, 0, CANCEL))
sends("stream states", "push_promise_from_a_client", conn_error("PROTOCOL_ERROR"), lambda c: opened(c, "push_promise_from_a_client")
      + frame(PUSH_PROMISE, END_HEADERS, 1, b"\0\0\0\x02" + c.block(request_headers("/x"))))
sends("stream states", "stream_depends_on_itself", stream_error("PROTOCOL_ERROR"), lambda c: frame(
    HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, struct.pack(">IB", 1, 16) + block(c, "stream_depends_on_itself")))


# RFC 9113 calls this a connection error; nghttp2 deliberately ignores HEADERS on
# a stream id below the last one (it may be a closed stream) -- never answered.
@case("stream states", ignored)
def stream_id_going_backwards(c: Conn):
    c.send(c.headers(3, request_headers(P("stream_id_going_backwards") + "-first")))
    c.read(until=lambda g: 3 in g["status"])
    c.send(c.headers(1, request_headers(P("stream_id_going_backwards"))))
    c.read(1, until=lambda g: 1 in g["status"] or g["goaway"])


@case("stream states", stream_error("STREAM_CLOSED", "PROTOCOL_ERROR"))
def data_after_end_stream(c: Conn):
    c.send(c.headers(1, request_headers(P("data_after_end_stream") + "-first", "POST"), end_stream=True))
    c.send(frame(DATA, 0, 1, b"late"))
    c.read(until=lambda g: 1 in g["rst"] or g["goaway"])
    c.got["status"].pop(1, None)  # the first request may be answered; the DATA must be refused


@case("stream states", complete, reaches=True)
def unknown_frame_type_is_ignored(c: Conn):
    c.send(frame(0xEE, 0xFF, 0, b"ignore me") + frame(0xEF, 0, 1, b""))
    c.send(c.headers(1, request_headers(P("unknown_frame_type_is_ignored"))))
    c.read(until=lambda g: 1 in g["status"])


def timed(check, low, high, key):
    """`check`, and the server acted between `low` and `high` seconds in."""
    def both(got, stream):
        return check(got, stream) and low <= got.get(key, -1) <= high
    both.text = f"{check.text}, after {low}-{high} s"
    return both


@case("stream states", timed(stream_error("CANCEL"), 8, 15, "cancelled_after"), slow=True)
def request_body_that_stops_arriving(c: Conn):
    """Slowloris over HTTP/2: half a body, then silence (the client still answers PINGs)."""
    c.send(opened(c, "request_body_that_stops_arriving") + frame(DATA, 0, 1, b"half"))
    started = time.monotonic()
    c.read(20, until=lambda g: 1 in g["rst"] or g["goaway"] or g["closed"])
    c.got["cancelled_after"] = round(time.monotonic() - started, 1)


# node:http2 stops reading once it sent a GOAWAY for a protocol error, so the
# stream opened before it never ends; the server must still close the socket.
def goaway_then_closed(got, stream):
    return got["goaway"] == "FRAME_SIZE_ERROR" and got["closed"] is True


goaway_then_closed.text = "GOAWAY FRAME_SIZE_ERROR, then the socket closed"


@case("stream states", timed(goaway_then_closed, 0, 25, "closed_after"), slow=True)
def connection_left_open_after_a_goaway(c: Conn):
    c.send(opened(c, "connection_left_open_after_a_goaway") + frame(RST_STREAM, 0, 1, b"\0" * 3))
    started = time.monotonic()
    c.read(30, until=lambda g: g["closed"])
    c.got["closed_after"] = round(time.monotonic() - started, 1)


# Flow control (§5.2, §6.9)
sends("flow control", "window_update_of_zero_on_the_connection", conn_error("PROTOCOL_ERROR"), lambda c: frame(WINDOW_UPDATE, 0, 0, b"\0" * 4))
sends("flow control", "window_update_of_zero_on_a_stream", stream_error("PROTOCOL_ERROR"),
      lambda c: opened(c, "window_update_of_zero_on_a_stream") + frame(WINDOW_UPDATE, 0, 1, b"\0" * 4))
sends("flow control", "connection_window_over_2_31", conn_error("FLOW_CONTROL_ERROR"), lambda c: frame(WINDOW_UPDATE, 0, 0, MAX_WINDOW))
sends("flow control", "stream_window_over_2_31", stream_error("FLOW_CONTROL_ERROR"),
      lambda c: opened(c, "stream_window_over_2_31") + frame(WINDOW_UPDATE, 0, 1, MAX_WINDOW))
sends("flow control", "initial_window_size_over_2_31", conn_error("FLOW_CONTROL_ERROR"), lambda c: settings((0x4, 0x80000000)))
sends("flow control", "max_frame_size_below_16384", conn_error("PROTOCOL_ERROR"), lambda c: settings((0x5, 16383)))
sends("flow control", "enable_push_of_2", conn_error("PROTOCOL_ERROR"), lambda c: settings((0x2, 2)))


# A client that goes past the server's window cannot be caught reliably: nghttp2
# refills the window as node:http2 reads, and counts the refill from the moment
# it queues the WINDOW_UPDATE. The server side of flow control can (h2spec 6.9.1).
@case("flow control", lambda got, stream: got["status"].get(stream) == 200 and got["data"].get(stream) == 1, reaches=True)
def one_byte_window_gets_one_byte(c: Conn):
    c.auto_window = False
    c.send(settings((0x4, 1)))
    c.send(c.headers(1, request_headers(P("one_byte_window_gets_one_byte"))))
    c.read(1, until=lambda g: g["data"].get(1))
    c.read(0.3, until=lambda g: False)  # nothing more may come


one_byte_window_gets_one_byte.text = "the first answer DATA frame is 1 byte, and nothing follows"


@case("flow control", answered(200), reaches=True)
def window_of_zero_then_opened(c: Conn):
    # The client lets nothing through, then opens its window: the answer must still come.
    c.send(settings((0x4, 0)))
    c.send(c.headers(1, request_headers(P("window_of_zero_then_opened"))))
    c.read(0.5, until=lambda g: 1 in g["status"])
    c.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 1 << 20)))
    c.read(until=lambda g: 1 in g["status"] and g["data"].get(1))


# Pseudo-header and field rules (§8.2, §8.3)
def bad_request(name, fields, expected=stream_error("PROTOCOL_ERROR")):
    def fn(c: Conn):
        c.send(c.headers(1, fields))
        c.read()
    fn.__name__ = name
    case("pseudo-headers", expected)(fn)


bad_request("missing_method", [(":scheme", "http"), (":path", P("missing_method")), (":authority", "x")])
bad_request("missing_path", [(":method", "GET"), (":scheme", "http"), (":authority", "x")])
bad_request("missing_scheme", [(":method", "GET"), (":path", P("missing_scheme")), (":authority", "x")])
bad_request("empty_path", [(":method", "GET"), (":scheme", "http"), (":path", ""), (":authority", "x")])
bad_request("duplicate_path", [(":method", "GET"), (":scheme", "http"), (":path", P("duplicate_path")), (":path", "/other"), (":authority", "x")])
bad_request("pseudo_header_after_a_field", [(":method", "GET"), (":scheme", "http"), ("x-a", "1"), (":path", P("pseudo_header_after_a_field")), (":authority", "x")])
bad_request("unknown_pseudo_header", request_headers(P("unknown_pseudo_header")) + [(":foo", "bar")])
bad_request("status_in_a_request", request_headers(P("status_in_a_request")) + [(":status", "200")])
bad_request("upper_case_field_name", request_headers(P("upper_case_field_name"), extra=[("X-Upper", "1")]))
bad_request("connection_header", request_headers(P("connection_header"), extra=[("connection", "keep-alive")]))
bad_request("transfer_encoding_header", request_headers(P("transfer_encoding_header"), extra=[("transfer-encoding", "chunked")]))
bad_request("te_other_than_trailers", request_headers(P("te_other_than_trailers"), extra=[("te", "gzip")]))
# nghttp2 drops these fields (its on_invalid_header callback is not set by
# node:http2), so the request itself may reach its handler -- without them.
def dropped_field(name, field, value):
    def fn(c: Conn):
        c.send(c.headers(1, request_headers(P(name), extra=[(field, value)])))
        c.read()
    fn.__name__ = name
    case("pseudo-headers", dropped_or_refused(field), reaches=True)(fn)


dropped_field("field_name_with_a_space", "x a", "1")
dropped_field("field_name_with_a_colon", "x:a", "1")
dropped_field("field_value_with_crlf", "x-a", "a\r\nx-injected: 1")
dropped_field("field_value_with_lf", "x-a", "a\nx-injected: 1")
dropped_field("field_value_with_nul", "x-a", "a\0b")
dropped_field("field_value_with_a_control_character", "x-a", "a\x01b")
bad_request("host_differs_from_authority", request_headers(P("host_differs_from_authority"), extra=[("host", "elsewhere")]), refused_status(400))
bad_request("path_with_raw_non_ascii", request_headers("/count/h2-path_with_raw_non_ascii-\u00e9"), refused_status(400))


@case("pseudo-headers", refused_status(400))
def content_length_longer_than_the_body(c: Conn):
    c.send(c.headers(1, request_headers(P("content_length_longer_than_the_body"), "POST", extra=[("content-length", "10")]), end_stream=False))
    c.send(frame(DATA, END_STREAM, 1, b"short"))
    c.read()


@case("pseudo-headers", refused_status(400))
def content_length_shorter_than_the_body(c: Conn):
    c.send(c.headers(1, request_headers(P("content_length_shorter_than_the_body"), "POST", extra=[("content-length", "2")]), end_stream=False))
    c.send(frame(DATA, END_STREAM, 1, b"longer than two"))
    c.read()


@case("pseudo-headers", stream_error("PROTOCOL_ERROR"))
def pseudo_header_in_trailers(c: Conn):
    c.send(c.headers(1, request_headers(P("pseudo_header_in_trailers"), "POST"), end_stream=False))
    c.send(frame(DATA, 0, 1, b"body"))
    c.send(c.headers(1, [(":path", "/other")], end_stream=True))
    c.read()


@case("pseudo-headers", complete, reaches=True)
def a_valid_request_with_trailers(c: Conn):
    c.send(c.headers(1, request_headers(P("a_valid_request_with_trailers"), "POST"), end_stream=False))
    c.send(frame(DATA, 0, 1, b"body"))
    c.send(c.headers(1, [("x-trailer", "1")], end_stream=True))
    c.read(until=lambda g: 1 in g["status"])


# Floods ---------------------------------------------------------------------
SCALE = 10 if SOAK else 1


def flood(c: Conn, bursts, reading=True, settle=3):
    """Sends each burst until the server ends the connection, then waits for the end.
    Without `reading`, nothing the server sends back is read while flooding."""
    for burst in bursts:
        if not c.send(burst):
            break
        if reading:
            c.read(0.001)
            if c.got["goaway"] or c.got["closed"]:
                break
    c.read(settle, until=lambda g: g["goaway"] or g["closed"])


# nghttp2's own limit on stream resets (1.57+) answers with GOAWAY INTERNAL_ERROR.
@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "NO_ERROR", "INTERNAL_ERROR"))
def rapid_reset(c: Conn):
    """CVE-2023-44487: open a stream and cancel it at once, thousands of times."""
    def pair(stream):
        return c.headers(stream, request_headers(P("rapid_reset"))) + frame(RST_STREAM, 0, stream, CANCEL)
    flood(c, (b"".join(pair(1 + 2 * (i + j)) for j in range(200)) for i in range(0, 10000 * SCALE, 200)))


@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "COMPRESSION_ERROR", "NO_ERROR"))
def continuation_flood(c: Conn):
    """CVE-2024-27316 family: a header block that never ends."""
    c.send(c.headers(1, request_headers(P("continuation_flood")), end_headers=False, end_stream=True))
    piece = frame(CONTINUATION, 0, 1, c.block([("x-flood", "a" * 10)]))
    flood(c, (piece * 50 for _ in range(2000 * SCALE)))


@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "NO_ERROR"))
def settings_flood(c: Conn):
    """Settings the server must acknowledge, sent faster than it can (acks never read)."""
    flood(c, (settings((0x1, 4096)) * 1000 for _ in range(200 * SCALE)), reading=False, settle=5)


@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "NO_ERROR"))
def ping_flood(c: Conn):
    """PINGs the server must answer, acks never read (CVE-2019-9512)."""
    flood(c, (frame(PING, 0, 0, ZERO8) * 1000 for _ in range(200 * SCALE)), reading=False, settle=5)


@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "NO_ERROR"))
def empty_data_flood(c: Conn):
    """Zero-length DATA frames without END_STREAM (CVE-2019-9518)."""
    c.send(opened(c, "empty_data_flood"))
    flood(c, (frame(DATA, 0, 1, b"") * 1000 for _ in range(200 * SCALE)), settle=5)


@case("floods", stopped("ENHANCE_YOUR_CALM", "PROTOCOL_ERROR", "NO_ERROR"))
def reset_flood(c: Conn):
    """Requests the server must reset (upper-case field names), thousands of times (CVE-2019-9514)."""
    def bad(stream):
        return c.headers(stream, request_headers(P("reset_flood"), extra=[("X-Bad", "1")]))
    flood(c, (b"".join(bad(1 + 2 * (i + j)) for j in range(200)) for i in range(0, 10000 * SCALE, 200)))


def streams_over_the_limit_check(got, stream):
    # 100 streams may be open at once; the rest are refused, never queued without bound.
    refused = sum(1 for code in got["rst"].values() if code in ("REFUSED_STREAM", "PROTOCOL_ERROR", "ENHANCE_YOUR_CALM"))
    return (refused >= 1 or got["goaway"] is not None) and len(got["status"]) <= 100 + 5


streams_over_the_limit_check.text = "streams beyond SETTINGS_MAX_CONCURRENT_STREAMS (100) refused"


@case("floods", streams_over_the_limit_check, reaches=True)
def streams_over_the_limit(c: Conn):
    for i in range(300):
        c.send(c.headers(1 + 2 * i, request_headers("/slow/1500")))
    c.read(4)


@case("floods", stopped("ENHANCE_YOUR_CALM", "COMPRESSION_ERROR", "PROTOCOL_ERROR", "NO_ERROR"), stream=3)
def hpack_bomb(c: Conn):
    """One 4 KiB field put in the dynamic table, then referenced 16,000 times by index (CVE-2016-6581)."""
    big = ("x-bomb", "b" * 4000)
    c.send(c.headers(1, request_headers(P("hpack_bomb_seed"), extra=[big])))
    c.read(0.3)
    # Index 62 is the newest dynamic entry: the big field. 16,000 one-byte references.
    block = c.block(request_headers(P("hpack_bomb"))) + bytes([0x80 | 62]) * 16000
    chunks = [block[i:i + 16000] for i in range(0, len(block), 16000)]
    c.send(frame(HEADERS, END_STREAM | (END_HEADERS if len(chunks) == 1 else 0), 3, chunks[0])
           + b"".join(frame(CONTINUATION, END_HEADERS if i == len(chunks) - 1 else 0, 3, ch) for i, ch in enumerate(chunks[1:], 1)))
    c.read(3, until=lambda g: 3 in g["rst"] or g["goaway"])
    if 3 in c.got["rst"] and not c.got["goaway"]:
        c.got["goaway"] = c.got["rst"][3]  # a stream error is as good here


@case("floods", lambda got, stream: stream not in got["status"] or got["data"].get(stream, 0) < (1 << 20), reaches=True, slow=True)
def a_reader_that_never_opens_its_window(c: Conn):
    """A 1 MiB answer to a client whose window is 0: the stream is dropped once stalled."""
    c.send(settings((0x4, 0)))
    c.send(c.headers(1, request_headers(f"/big/{1 << 20}")))
    started = time.monotonic()
    c.read(14, until=lambda g: 1 in g["rst"] or g["goaway"] or g["closed"])
    c.got["stalled_for"] = round(time.monotonic() - started, 1)
    if not (1 in c.got["rst"] or c.got["goaway"] or c.got["closed"]):
        c.got["status"][1] = "still open"
        c.got["data"][1] = 1 << 30


a_reader_that_never_opens_its_window.text = "the stream reset or the connection closed within 14 s"


def self_check():
    """The hand-built frames are what hyperframe builds for the same valid frames."""
    data = DataFrame(1, data=b"abc", flags=["END_STREAM"])
    assert frame(DATA, END_STREAM, 1, b"abc") == data.serialize(), "DATA frame layout"
    headers = HeadersFrame(3, data=b"\x82", flags=["END_HEADERS"])
    assert frame(HEADERS, END_HEADERS, 3, b"\x82") == headers.serialize(), "HEADERS frame layout"
    assert settings((0x4, 0)) == SettingsFrame(0, settings={0x4: 0}).serialize(), "SETTINGS frame layout"


def describe(check):
    return getattr(check, "text", None) or check.__name__


def next_request_answered():
    """An ordinary request on a new connection is answered."""
    c = Conn()
    try:
        c.send(c.headers(1, request_headers("/count/h2-next")))
        return c.read(5, until=lambda g: 1 in g["status"])["status"].get(1) == 200
    finally:
        c.close()


def run(group, name, fn, expected, stream):
    c = Conn(preface=group != "preface")
    if getattr(expected, "wants_bodies", False):
        c.until = lambda g: expected(g, stream, c.bodies)
    else:
        c.until = lambda g: expected(g, stream)
    try:
        fn(c)
    finally:
        c.close()
    got = c.got
    got["port"] = c.port
    return got, bool(c.until(got))


PRINTING = threading.Lock()


def report(group, name, fn, expected, reaches, stream, listing=False):
    started = time.monotonic()
    got, ok = {}, None
    if not listing:
        try:
            got, ok = run(group, name, fn, expected, stream)
            got["next_answered"] = next_request_answered()
            ok = ok and got["next_answered"]
        except Exception as exc:  # noqa: BLE001 - report, never crash the run
            got, ok = {"exception": repr(exc)}, False
    shown = {k: v for k, v in got.items() if k not in ("data", "rst", "status")}
    for key in ("rst", "status"):
        if key in got:
            shown[key] = dict(list(got[key].items())[:5])
            shown[f"{key}_count"] = len(got[key])
    line = json.dumps({"group": group, "name": name, "path": P(name), "reaches": reaches, "ok": ok,
                       "expected": describe(expected), "got": shown, "ms": round((time.monotonic() - started) * 1000)}, default=str)
    with PRINTING:
        print(line, flush=True)


def main():
    self_check()
    only = [a for a in sys.argv[3:] if not a.startswith("--")]
    chosen = [c for c in CASES if not only or c[1] in only]
    if LIST:
        for group, name, fn, expected, reaches, stream, _ in chosen:
            report(group, name, fn, expected, reaches, stream, listing=True)
        return
    beside = [threading.Thread(target=report, args=c[:6]) for c in chosen if c[6]]
    for thread in beside:
        thread.start()
    for c in chosen:
        if not c[6]:
            report(*c[:6])
    for thread in beside:
        thread.join()


if __name__ == "__main__":
    main()
