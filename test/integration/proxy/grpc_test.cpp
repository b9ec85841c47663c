// gRPC through bridge: an HTTP/2 client (python3-grpcio) to bridge, bridge to an h2c upstream
// (a python3-grpcio server), with the four kinds of call, trailers and binary metadata, large
// messages, deadlines, and the gRPC answers bridge makes itself (no route, upstream down).
// Both peers are test/support/grpc_peer.py run by /usr/bin/python3 (Debian's modules).
// gRPC-Web (the grpcWeb middleware): curl sends the calls a browser's gRPC-Web client sends
// (binary and base64 text, HTTP/1.1 and HTTP/2), written frame by frame here from the
// protocol's description, to the same Python server; the answers' frames are read back.
#include "proxy_fixture.hpp"

#include <csignal>

namespace bridge::test {
namespace {

std::string grpc_peer() {
  const char* root = std::getenv("BRIDGE_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/test/support/grpc_peer.py";
}

class Grpc : public Proxy {
 protected:
  // Starts the gRPC server; its port, or 0.
  uint16_t start_server() {
    server_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", grpc_peer(), "serve"});
    if (!server_->wait_for_stdout("listening ", 15s)) return 0;
    std::string out = server_->stdout_text();
    return static_cast<uint16_t>(std::atoi(out.c_str() + out.find("listening ") + 10));
  }
  // One call through bridge; the client's JSON report.
  json call(const std::string& kind, const std::string& arg = "",
            const std::string& authority = "") {
    auto r = run({"/usr/bin/python3", grpc_peer(), "call", host(), kind, arg, authority}, 60s);
    EXPECT_EQ(r.status, 0) << r.err;
    return parse_json(r.out);
  }
  ::testing::AssertionResult start_through(uint16_t port, const std::string& extra = "",
                                           const std::string& access_log = "off") {
    return start(
        "[[upstreams]]\nname = \"grpc\"\ntargets = [\"h2c://127.0.0.1:" + std::to_string(port) +
            "\"]\n" + extra + "\n" + route("grpc", "PathPrefix(`/test.Echo/`)", "grpc"),
        "", access_log);
  }
  std::unique_ptr<Process> server_;
};

TEST_F(Grpc, UnaryCallWithTrailersAndBinaryMetadata) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_through(port));
  json r = call("unary", "hello");
  EXPECT_EQ(r.value("code", ""), "OK") << r.dump();
  EXPECT_EQ(r.value("reply", ""), "hello");
  EXPECT_EQ(r["trailers"].value("x-trailer", ""), "unary") << r.dump();
  EXPECT_EQ(r["trailers"].value("x-bin-bin", ""), "0001ff") << r.dump();
}

TEST_F(Grpc, StreamingCallsInEveryDirection) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_through(port));
  json server = call("server", "50");
  EXPECT_EQ(server.value("code", ""), "OK") << server.dump();
  ASSERT_EQ(server["replies"].size(), 50u);
  EXPECT_EQ(server["replies"][49], "message 49");
  json client = call("client", "100");
  EXPECT_EQ(client.value("code", ""), "OK") << client.dump();
  EXPECT_EQ(client.value("reply", ""), "590");  // part0..part99: 10*5 + 90*6 bytes
  json bidi = call("bidi", "200");
  EXPECT_EQ(bidi.value("code", ""), "OK") << bidi.dump();
  ASSERT_EQ(bidi["replies"].size(), 200u);
  EXPECT_EQ(bidi["replies"][199], "echo m199");
}

TEST_F(Grpc, LargeMessagesCrossIntact) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_through(port));
  json r = call("big", "4");
  EXPECT_EQ(r.value("code", ""), "OK") << r.dump();
  EXPECT_EQ(r.value("size", 0), 4 << 20);
  EXPECT_EQ(r.value("sha256", ""), r.value("sent_sha256", "x"));
}

TEST_F(Grpc, UpstreamStatusAndDeadlinePassThrough) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_through(port));
  json failed = call("fail");
  EXPECT_EQ(failed.value("code", ""), "NOT_FOUND") << failed.dump();
  EXPECT_EQ(failed.value("details", ""), "no such thing");
  EXPECT_EQ(failed["trailers"].value("x-why-bin", ""), "dead") << failed.dump();
  json late = call("deadline", "300");
  EXPECT_EQ(late.value("code", ""), "DEADLINE_EXCEEDED") << late.dump();
}

// The status in the trailers (a call with a reply) and in a trailers-only answer (a failed call).
TEST_F(Grpc, TheAccessLogHasEachCallsStatus) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start_through(port, "", log));
  EXPECT_EQ(call("unary", "hi").value("code", ""), "OK");
  EXPECT_EQ(call("fail").value("code", ""), "NOT_FOUND");
  json ok = access_log_entry(log, "/test.Echo/Unary");
  ASSERT_FALSE(ok.is_null()) << read_file(log);
  EXPECT_EQ(ok.value("grpc_status", -1), 0) << ok.dump();
  EXPECT_EQ(ok.value("protocol", ""), "HTTP/2") << ok.dump();
  json failed = access_log_entry(log, "/test.Echo/Fail");
  ASSERT_FALSE(failed.is_null()) << read_file(log);
  EXPECT_EQ(failed.value("grpc_status", -1), 5) << failed.dump();  // NOT_FOUND
  EXPECT_EQ(failed.value("status", 0), 200) << failed.dump();
}

// health = { grpc = true }: grpc.health.v1.Health/Check over h2c, per service. A NOT_SERVING
// or unknown service marks the target down, a SERVING one keeps it up (what down means for
// traffic is the same as for HTTP checks, tested in proxy_pool); a server gone is found out.
TEST_F(Grpc, HealthChecksSpeakGrpc) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  const std::string target = "targets = [\"h2c://127.0.0.1:" + std::to_string(port) + "\"]\n";
  const std::string timing = "interval = \"200ms\", timeout = \"1s\", healthy = 1, unhealthy = 1";
  auto upstream = [&](const std::string& name, const std::string& service) {
    return "[[upstreams]]\nname = \"" + name + "\"\n" + target + "health = { grpc = true, " +
           (service.empty() ? "" : "service = \"" + service + "\", ") + timing + " }\n\n";
  };
  ASSERT_TRUE(start(upstream("whole", "") + upstream("echo", "test.Echo") +
                    upstream("sick", "test.Sick") + upstream("unknown", "test.Nope") +
                    route("whole", "Host(`whole.localhost`)", "whole") +
                    route("echo", "Host(`echo.localhost`)", "echo") +
                    route("sick", "Host(`sick.localhost`)", "sick") +
                    route("unknown", "Host(`unknown.localhost`)", "unknown")));
  EXPECT_TRUE(logged("health: sick h2c://127.0.0.1:" + std::to_string(port) +
                     " is down (1 failed checks of grpc.health.v1.Health/Check of test.Sick; "
                     "last: status NOT_SERVING)"));
  EXPECT_TRUE(logged("health: unknown h2c://127.0.0.1:" + std::to_string(port) +
                     " is down (1 failed checks of grpc.health.v1.Health/Check of test.Nope; "
                     "last: grpc-status 5 NOT_FOUND: unknown service test.Nope)"));
  auto through = [&](const std::string& authority) {
    return call("unary", "hi", authority).value("code", "");
  };
  EXPECT_EQ(through("whole.localhost"), "OK");
  EXPECT_EQ(through("echo.localhost"), "OK");
  EXPECT_EQ(bridge_.output().find("health: whole "), std::string::npos) << bridge_.output();
  EXPECT_EQ(bridge_.output().find("health: echo "), std::string::npos) << bridge_.output();

  server_->signal(SIGKILL);
  server_->wait_exit(5s);
  const std::string down = "health: whole h2c://127.0.0.1:" + std::to_string(port) +
                           " is down (1 failed checks of grpc.health.v1.Health/Check; last: ";
  ASSERT_TRUE(logged(down));
  // Killed between checks, the next connect is refused; killed during one, its read is reset.
  const std::string out = bridge_.output();
  EXPECT_TRUE(out.find(down + "connect: Connection refused)") != std::string::npos ||
              out.find(down + "read: Connection reset by peer)") != std::string::npos)
      << out;
}

TEST_F(Grpc, BridgeMadeErrorsAreGrpcStatuses) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_through(port));
  json missing = call("missing");  // no route for /test.Missing/
  EXPECT_EQ(missing.value("code", ""), "UNIMPLEMENTED") << missing.dump();
  EXPECT_NE(missing.value("details", "").find("no_route"), std::string::npos) << missing.dump();
  EXPECT_NE(missing.value("details", "").find("request id "), std::string::npos);
  server_->signal(SIGKILL);
  server_->wait_exit(5s);
  json down = call("unary", "x");
  EXPECT_EQ(down.value("code", ""), "UNAVAILABLE") << down.dump();
}

TEST_F(Grpc, RouteTimeoutIsDeadlineExceeded) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(
      start("[[upstreams]]\nname = \"grpc\"\ntargets = [\"h2c://127.0.0.1:" + std::to_string(port) +
            "\"]\n\n" + route("grpc", "PathPrefix(`/test.Echo/`)", "grpc", "timeout = \"300ms\"")));
  json r = call("deadline", "5000");  // the call allows 5 s, the route 300 ms
  EXPECT_EQ(r.value("code", ""), "DEADLINE_EXCEEDED") << r.dump();
  EXPECT_NE(r.value("details", "").find("upstream_timeout"), std::string::npos) << r.dump();
}

// ---- gRPC-Web ---------------------------------------------------------------------------------

// A gRPC(-Web) frame: flag, 4-byte big-endian length, payload.
std::string frame(unsigned char flag, const std::string& payload) {
  std::string out(1, static_cast<char>(flag));
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
  return out + payload;
}

// A body split back into its frames: (flag, payload), in order; {} when it does not split.
std::vector<std::pair<int, std::string>> frames(const std::string& body) {
  std::vector<std::pair<int, std::string>> out;
  for (size_t at = 0; at < body.size();) {
    if (body.size() - at < 5) return {};
    size_t size = 0;
    for (int i = 1; i <= 4; ++i) size = size << 8 | static_cast<unsigned char>(body[at + i]);
    if (body.size() - at - 5 < size) return {};
    out.emplace_back(static_cast<unsigned char>(body[at]), body.substr(at + 5, size));
    at += 5 + size;
  }
  return out;
}

std::string base64(const std::string& bytes, bool decode) {
  TempDir dir;
  write_file(dir / "in", bytes);
  auto r = run({"openssl", "base64", "-A", decode ? "-d" : "-e", "-in", dir / "in"}, 10s);
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

class GrpcWeb : public Grpc {
 protected:
  ::testing::AssertionResult start_web(uint16_t port) {
    return start("[middlewares.web.grpcWeb]\nallowOrigins = [\"http://localhost:5173\"]\n\n"
                 "[[upstreams]]\nname = \"grpc\"\ntargets = [\"h2c://127.0.0.1:" +
                 std::to_string(port) + "\"]\n\n" +
                 route("grpc", "PathPrefix(`/test.Echo/`)", "grpc", "middlewares = [\"web\"]"));
  }
  // One gRPC-Web call of `method` with `body` as curl sends it (`mode`: --http1.1 or
  // --http2-prior-knowledge); the answer's head, and its body in `body_out`.
  HttpResponse web_call(const std::string& method, const std::string& type, const std::string& body,
                        const std::string& mode, std::string& body_out) {
    write_file(dir_ / "call.bin", body);
    const std::string out = dir_ / "answer.bin";
    auto r = curl({"-sS", mode, "-D", "-", "-o", out, "-X", "POST", "-H", "Content-Type: " + type,
                   "-H", "X-Grpc-Web: 1", "-H", "Origin: http://localhost:5173", "--data-binary",
                   "@" + (dir_ / "call.bin"), url("/test.Echo/" + method)},
                  20s);
    EXPECT_EQ(r.status, 0) << r.err;
    body_out = read_file(out);
    return parse_head_block(r.out.substr(0, r.out.find("\r\n\r\n")));
  }
  TempDir dir_;
};

TEST_F(GrpcWeb, ABinaryCallGetsItsReplyAndTrailersInTheBody) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_web(port));
  for (const std::string mode : {"--http1.1", "--http2-prior-knowledge"}) {
    std::string body;
    HttpResponse head =
        web_call("Unary", "application/grpc-web+proto", frame(0, "hello web"), mode, body);
    EXPECT_EQ(head.status, 200) << mode << ": " << body;
    // The server's own type ("application/grpc"), as gRPC-Web names it.
    EXPECT_EQ(head.header("content-type").value_or(""), "application/grpc-web") << mode;
    EXPECT_EQ(head.header("access-control-allow-origin").value_or(""), "http://localhost:5173");
    EXPECT_EQ(head.header("access-control-allow-credentials").value_or(""), "true");
    EXPECT_NE(head.header("access-control-expose-headers").value_or("").find("content-type"),
              std::string::npos);
    EXPECT_FALSE(head.header("grpc-status").has_value()) << "the status is in the body";
    auto parts = frames(body);
    ASSERT_EQ(parts.size(), 2u) << mode << ": " << body.size() << " bytes";
    EXPECT_EQ(parts[0], std::make_pair(0, std::string("hello web")));
    EXPECT_EQ(parts[1].first, 0x80);
    EXPECT_NE(parts[1].second.find("grpc-status: 0\r\n"), std::string::npos) << parts[1].second;
    EXPECT_NE(parts[1].second.find("x-trailer: unary\r\n"), std::string::npos) << parts[1].second;
  }
}

TEST_F(GrpcWeb, ATextCallIsBase64BothWaysAndAFailureKeepsItsStatus) {
  uint16_t port = start_server();
  ASSERT_NE(port, 0) << server_->stderr_text();
  ASSERT_TRUE(start_web(port));
  std::string body;
  HttpResponse head = web_call("ServerStream", "application/grpc-web-text",
                               base64(frame(0, "3"), false), "--http1.1", body);
  EXPECT_EQ(head.status, 200) << body;
  EXPECT_EQ(head.header("content-type").value_or(""), "application/grpc-web-text");
  auto parts = frames(base64(body, true));
  ASSERT_EQ(parts.size(), 4u) << body;
  EXPECT_EQ(parts[0].second, "message 0");
  EXPECT_EQ(parts[2].second, "message 2");
  EXPECT_NE(parts[3].second.find("grpc-status: 0\r\n"), std::string::npos);

  // An upstream failure before any message comes trailers-only: NOT_FOUND and its message in
  // the head, which a gRPC-Web client reads there (exposed to the page), and no body.
  HttpResponse failed =
      web_call("Fail", "application/grpc-web+proto", frame(0, "x"), "--http1.1", body);
  EXPECT_EQ(failed.status, 200);
  EXPECT_EQ(failed.header("grpc-status").value_or(""), "5");
  EXPECT_EQ(failed.header("grpc-message").value_or(""), "no such thing");
  EXPECT_EQ(failed.header("content-length").value_or(""), "0");
  EXPECT_NE(failed.header("access-control-expose-headers").value_or("").find("grpc-status"),
            std::string::npos);
  EXPECT_EQ(body, "");

  // Not base64: bridge's own answer, a gRPC status in a gRPC-Web head.
  HttpResponse bad = web_call("Unary", "application/grpc-web-text", "!!!!", "--http1.1", body);
  EXPECT_EQ(bad.status, 200);
  EXPECT_EQ(bad.header("content-type").value_or(""), "application/grpc-web-text");
  EXPECT_EQ(bad.header("grpc-status").value_or(""), "13") << body;
  EXPECT_NE(bad.header("grpc-message")
                .value_or("")
                .find("malformed gRPC-Web text body (not "
                      "base64)"),
            std::string::npos);
  EXPECT_NE(bad.header("access-control-expose-headers").value_or("").find("grpc-status"),
            std::string::npos);
}

// gRPC needs HTTP/2's trailers: a call routed to an HTTP/1.1 upstream is refused with a status
// that says what to change.
TEST_F(GrpcWeb, AnHttp11UpstreamIsRefusedWithAStatusThatSaysWhy) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(
      start("[middlewares.web.grpcWeb]\nallowOrigins = [\"*\"]\n\n" +
            route("grpc", "PathPrefix(`/test.Echo/`)", backend_.url(), "middlewares = [\"web\"]")));
  std::string body;
  HttpResponse head =
      web_call("Unary", "application/grpc-web+proto", frame(0, "x"), "--http1.1", body);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("grpc-status").value_or(""), "14");  // UNAVAILABLE
  EXPECT_NE(head.header("grpc-message")
                .value_or("")
                .find("a gRPC-Web call (grpcWeb middleware) needs an HTTP/2 upstream"),
            std::string::npos)
      << head.header("grpc-message").value_or("");
}

}  // namespace
}  // namespace bridge::test
