#!/usr/bin/python3
"""A gRPC server and client for bridge's tests, on Debian's python3-grpcio. Generic method
handlers with bytes in and out need no protoc: the messages are raw bytes.

usage:
  grpc_peer.py serve              prints "listening PORT", serves test.Echo on 127.0.0.1, and
                                  grpc.health.v1.Health/Check: SERVING for "" and test.Echo,
                                  NOT_SERVING for test.Sick, NOT_FOUND for any other service
  grpc_peer.py call HOST:PORT KIND [ARG [AUTHORITY]]   one call through HOST:PORT (with
                                  :authority AUTHORITY when given), prints a JSON result
     unary TEXT        -> {"reply": ...}                       (test.Echo/Unary echoes)
     server N          -> {"replies": [...]}                   (N messages back)
     client N          -> {"reply": ...}                       (N messages up, their sizes summed)
     bidi N            -> {"replies": [...]}                   (each message echoed as it comes)
     big MB            -> {"size": ..., "sha256": ...}         (an MB-sized message both ways)
     fail              -> status NOT_FOUND with a message and binary metadata
     deadline MS       -> a call to test.Echo/Slow (2 s) with a deadline of MS
     missing           -> a method the server does not have
Every call prints {"code": "OK" | status name, "details": ..., "trailers": {...}} too.
"""
import hashlib
import json
import sys
import time
from concurrent import futures

import grpc


def unary(request, context):
    context.set_trailing_metadata((("x-trailer", "unary"), ("x-bin-bin", b"\x00\x01\xff")))
    return request


def server_stream(request, context):
    for i in range(int(request.decode())):
        yield f"message {i}".encode()


def client_stream(requests, context):
    return str(sum(len(r) for r in requests)).encode()


def bidi(requests, context):
    for r in requests:
        yield b"echo " + r


def fail(request, context):
    context.set_trailing_metadata((("x-why-bin", b"\xde\xad"),))
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")


def slow(request, context):
    time.sleep(2)
    return request


# grpc.health.v1: HealthCheckRequest {string service = 1}, HealthCheckResponse {status = 1},
# SERVING = 1, NOT_SERVING = 2; the wire bytes written by hand (no protoc).
def health_check(request, context):
    service = request[2:].decode() if request[:1] == b"\x0a" else ""
    if service in ("", "test.Echo"):
        return b"\x08\x01"
    if service == "test.Sick":
        return b"\x08\x02"
    context.abort(grpc.StatusCode.NOT_FOUND, "unknown service " + service)


def serve():
    health = {"Check": grpc.unary_unary_rpc_method_handler(health_check)}
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "ServerStream": grpc.unary_stream_rpc_method_handler(server_stream),
        "ClientStream": grpc.stream_unary_rpc_method_handler(client_stream),
        "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "Slow": grpc.unary_unary_rpc_method_handler(slow),
    }
    options = [("grpc.max_receive_message_length", 64 << 20),
               ("grpc.max_send_message_length", 64 << 20)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=options)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Echo", handlers),
                                     grpc.method_handlers_generic_handler("grpc.health.v1.Health",
                                                                          health)))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening {port}", flush=True)
    server.wait_for_termination()


def call(target, kind, arg, authority):
    options = [("grpc.max_receive_message_length", 64 << 20),
               ("grpc.max_send_message_length", 64 << 20)]
    if authority:
        options.append(("grpc.default_authority", authority))
    channel = grpc.insecure_channel(target, options=options)
    out = {}
    try:
        if kind == "unary":
            reply, c = channel.unary_unary("/test.Echo/Unary").with_call(arg.encode(), timeout=10)
            out["reply"] = reply.decode()
            out["trailers"] = {k: (v.hex() if isinstance(v, bytes) else v)
                               for k, v in c.trailing_metadata()}
        elif kind == "server":
            out["replies"] = [m.decode() for m in
                              channel.unary_stream("/test.Echo/ServerStream")(arg.encode(),
                                                                              timeout=10)]
        elif kind == "client":
            messages = (f"part{i}".encode() for i in range(int(arg)))
            out["reply"] = channel.stream_unary("/test.Echo/ClientStream")(messages,
                                                                          timeout=10).decode()
        elif kind == "bidi":
            messages = (f"m{i}".encode() for i in range(int(arg)))
            out["replies"] = [m.decode() for m in
                              channel.stream_stream("/test.Echo/Bidi")(messages, timeout=10)]
        elif kind == "big":
            payload = bytes(i % 251 for i in range(int(arg) << 20))
            reply = channel.unary_unary("/test.Echo/Unary")(payload, timeout=30)
            out["size"] = len(reply)
            out["sha256"] = hashlib.sha256(reply).hexdigest()
            out["sent_sha256"] = hashlib.sha256(payload).hexdigest()
        elif kind == "fail":
            channel.unary_unary("/test.Echo/Fail")(b"x", timeout=10)
        elif kind == "deadline":
            channel.unary_unary("/test.Echo/Slow")(b"x", timeout=int(arg) / 1000)
        elif kind == "missing":
            channel.unary_unary("/test.Missing/Nothing")(b"x", timeout=10)
        out["code"] = "OK"
    except grpc.RpcError as e:
        out["code"] = e.code().name
        out["details"] = e.details()
        out["trailers"] = {k: (v.hex() if isinstance(v, bytes) else v)
                           for k, v in (e.trailing_metadata() or ())}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        call(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "",
             sys.argv[5] if len(sys.argv) > 5 else "")
