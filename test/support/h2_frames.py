#!/usr/bin/python3
"""Raw HTTP/2 frames for bridge's tests: the floods a server must survive, and a slow request
that watches a drain. Header blocks come from Debian's python3-hpack (part of python3-h2);
frames are written by hand, because a well-behaved client library refuses to send floods.

usage: h2_frames.py HOST PORT MODE
  rapid-reset   HEADERS then RST_STREAM, 1,000 times (CVE-2023-44487)
  continuation  HEADERS without END_HEADERS, then endless CONTINUATION frames (CVE-2024-27316)
  settings      10,000 SETTINGS frames without reading the acknowledgements
  ping          10,000 PINGs without reading the answers
  empty-data    a POST, then 1,000 DATA frames that carry nothing
  slow-request  GET /slow?ms=1500; prints the frames that come back until the stream ends
  fields        GET / twice, one stream after the other; prints each response field as
                "NAME indexed" or "NAME never-indexed" (its HPACK representation)
  trailers PATH POST PATH with the body "hello trailers", then trailing HEADERS
                (x-checksum: abc123, x-note: sent last) that end the stream; prints
                "status N", then "body" and the response body

Prints "goaway CODE" for a GOAWAY, "status N" for a response head, and exits 0 once the server
has answered what the mode expects (a GOAWAY for floods, the full response for slow-request).
"""
import socket
import struct
import sys
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, CONTINUATION = 0, 1, 3, 4, 6, 7, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
ERRORS = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
          7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR", 11: "ENHANCE_YOUR_CALM"}


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def request_block(encoder, host, method="GET", path="/"):
    return encoder.encode([(":method", method), (":scheme", "http"), (":authority", host),
                           (":path", path)])


class Reader:
    """Frames from the server, one at a time."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def next(self, timeout):
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 9:
                length = struct.unpack(">I", b"\0" + self.buf[:3])[0]
                if len(self.buf) >= 9 + length:
                    kind, flags = self.buf[3], self.buf[4]
                    stream = struct.unpack(">I", self.buf[5:9])[0] & 0x7FFFFFFF
                    payload = self.buf[9:9 + length]
                    self.buf = self.buf[9 + length:]
                    return kind, flags, stream, payload
            try:
                data = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                return None
            if not data:
                return None
            self.buf += data


def send_quietly(sock, data):
    """Floods stop being read by the server: a failed send is the server closing, fine."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def stream_frames(sock, reader, stream, timeout=10.0):
    """Yields (kind, payload) for the frames of `stream` up to the one that ends it, answering
    the server's SETTINGS on the way; raises ConnectionError when the connection ends first."""
    while True:
        got = reader.next(timeout)
        if got is None:
            raise ConnectionError(f"connection ended before stream {stream} did")
        kind, flags, got_stream, payload = got
        if kind == SETTINGS and not flags & ACK:
            sock.sendall(frame(SETTINGS, ACK, 0))
        if got_stream != stream:
            continue
        yield kind, payload
        if kind in (DATA, HEADERS) and flags & END_STREAM:
            return


def await_goaway(reader, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = reader.next(deadline - time.time())
        if got is None:
            print("closed without goaway")
            return 1
        kind, _, _, payload = got
        if kind == GOAWAY:
            code = struct.unpack(">I", payload[4:8])[0]
            print(f"goaway {ERRORS.get(code, code)}")
            return 0
    print("no goaway in time")
    return 1


def main():
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    authority = f"{host}:{port}"
    sock = socket.create_connection((host, port), timeout=10)
    encoder = hpack.Encoder()
    sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
    reader = Reader(sock)
    if mode == "rapid-reset":
        burst = b""
        for i in range(1000):
            stream = 2 * i + 1
            burst += frame(HEADERS, END_STREAM | END_HEADERS, stream,
                           request_block(encoder, authority, path=f"/r{i}"))
            burst += frame(RST_STREAM, 0, stream, struct.pack(">I", 8))  # CANCEL
        send_quietly(sock, burst)
        return await_goaway(reader)
    if mode == "continuation":
        send_quietly(sock, frame(HEADERS, END_STREAM, 1, request_block(encoder, authority)))
        piece = hpack.Encoder().encode([("x-pad", "a" * 16)])
        send_quietly(sock, b"".join(frame(CONTINUATION, 0, 1, piece) for _ in range(10000)))
        return await_goaway(reader)
    if mode == "settings":
        send_quietly(sock, b"".join(frame(SETTINGS, 0, 0) for _ in range(10000)))
        return await_goaway(reader)
    if mode == "ping":
        send_quietly(sock, b"".join(frame(PING, 0, 0, b"12345678") for _ in range(10000)))
        return await_goaway(reader)
    if mode == "empty-data":
        send_quietly(sock, frame(HEADERS, END_HEADERS, 1,
                                 request_block(encoder, authority, "POST", "/upload")))
        send_quietly(sock, b"".join(frame(DATA, 0, 1) for _ in range(1000)))
        return await_goaway(reader)
    if mode == "slow-request":
        sock.sendall(frame(HEADERS, END_STREAM | END_HEADERS, 1,
                           request_block(encoder, authority, path="/slow?ms=1500")))
        decoder, ended, goaway = hpack.Decoder(), False, False
        while not (ended and goaway):
            got = reader.next(20)
            if got is None:
                break
            kind, flags, stream, payload = got
            if kind == GOAWAY:
                goaway = True
                print(f"goaway {ERRORS.get(struct.unpack('>I', payload[4:8])[0])}", flush=True)
            elif kind == HEADERS and stream == 1:
                fields = dict(decoder.decode(payload))
                print(f"status {fields.get(':status')}", flush=True)
            elif kind == SETTINGS and not flags & ACK:
                sock.sendall(frame(SETTINGS, ACK, 0))
            if stream == 1 and kind in (DATA, HEADERS) and flags & END_STREAM:
                ended = True
                print("stream ended", flush=True)
        return 0 if ended and goaway else 1
    if mode == "fields":
        decoder = hpack.Decoder()
        for stream in (1, 3):
            sock.sendall(frame(HEADERS, END_STREAM | END_HEADERS, stream,
                               request_block(encoder, authority)))
            for kind, payload in stream_frames(sock, reader, stream):
                if kind == HEADERS:
                    for field in decoder.decode(payload):
                        how = "never-indexed" if not field.indexable else "indexed"
                        print(f"{field[0]} {how}", flush=True)
        return 0
    if mode == "trailers":
        sock.sendall(frame(HEADERS, END_HEADERS, 1,
                           request_block(encoder, authority, "POST", sys.argv[4])) +
                     frame(DATA, 0, 1, b"hello trailers") +
                     frame(HEADERS, END_STREAM | END_HEADERS, 1,
                           encoder.encode([("x-checksum", "abc123"), ("x-note", "sent last")])))
        decoder, body = hpack.Decoder(), b""
        for kind, payload in stream_frames(sock, reader, 1):
            if kind == HEADERS:
                fields = dict(decoder.decode(payload))
                if ":status" in fields:
                    print(f"status {fields[':status']}", flush=True)
            elif kind == DATA:
                body += payload
        print("body")
        print(body.decode(), end="")
        return 0
    print(f"unknown mode {mode}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
