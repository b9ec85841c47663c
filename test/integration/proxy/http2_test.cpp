// HTTP/2 from clients: prior knowledge on a plain listener, ALPN "h2" on an HTTPS listener,
// HTTP/1.1 beside it on the same port, h2c upgrades answered over HTTP/1.1, bodies both ways
// through flow control, many streams on one connection, the listener's limits, and the floods
// HTTP/2 servers must survive. Real peers: curl (libnghttp2), nghttp and h2load
// (nghttp2-client), and raw frames written with Debian's python3-h2 (/usr/bin/python3).
#include "proxy_fixture.hpp"

#include <csignal>

namespace bridge::test {
namespace {

class Http2 : public HttpsProxy {
 protected:
  // Runs test/support/h2_frames.py (python3-h2) against the plain listener.
  RunResult frames(const std::vector<std::string>& args, Millis timeout = 30s) {
    std::vector<std::string> argv = {"/usr/bin/python3", h2_frames_script(), "127.0.0.1",
                                     std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, timeout);
  }
  static std::string h2_frames_script() {
    const char* root = std::getenv("BRIDGE_SOURCE_DIR");
    return std::string(root != nullptr ? root : ".") + "/test/support/h2_frames.py";
  }
};

// ---- the two ways in -----------------------------------------------------------------------

TEST_F(Http2, PriorKnowledgeOnThePlainListenerReachesAnHttp11Upstream) {
  ASSERT_TRUE(start_backend());
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url()), "", log));
  auto r = h2({"-H", "X-Custom: kept", url("/items/7?full=1")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.version, "HTTP/2");
  EXPECT_EQ(r.response.status, 200);
  auto request_id = r.response.header("x-request-id");
  ASSERT_TRUE(request_id.has_value());
  EXPECT_FALSE(r.response.header("connection").has_value());  // connection-specific: never on h2
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("version", ""), "HTTP/1.1");  // translated for the upstream
  EXPECT_EQ(echo.value("target", ""), "/items/7?full=1");
  EXPECT_EQ(backend_value(echo, "Host"), host());  // from :authority
  EXPECT_EQ(backend_value(echo, "x-custom"), "kept");
  EXPECT_EQ(backend_value(echo, "X-Request-ID"), *request_id);
  EXPECT_EQ(backend_value(echo, "X-Forwarded-Proto"), "http");
  EXPECT_NE(backend_value(echo, "traceparent"), "<absent>");
  json entry = access_log_entry(log, *request_id);
  EXPECT_EQ(entry.value("protocol", ""), "HTTP/2") << entry.dump();
  EXPECT_EQ(entry.value("status", 0), 200);
}

// However an HTTP/1.1 upstream frames its response, an HTTP/2 client gets all of it and the
// stream's end: a body that came with the head goes on from the connection's buffer, larger
// ones through a relay buffer, a close-delimited one ends at the upstream's close.
TEST_F(Http2, EveryResponseFramingOfAnHttp11UpstreamArrivesWhole) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto closed = h2({url("/close-delimited")});
  EXPECT_EQ(closed.exit, 0) << closed.err;
  EXPECT_EQ(closed.response.status, 200);
  EXPECT_EQ(closed.response.body, "body until close\n");
  auto chunked = h2({url("/chunked-response")});
  EXPECT_EQ(chunked.exit, 0) << chunked.err;
  EXPECT_EQ(chunked.response.body, "chunk-one,chunk-two,chunk-three");
  auto large = h2({url("/chunked-bytes?n=300000")});
  EXPECT_EQ(large.exit, 0) << large.err;
  EXPECT_EQ(large.response.body, std::string(300000, 'x'));
  auto sized = h2({url("/sized")});  // the backend's JSON echo, with a Content-Length
  EXPECT_EQ(sized.exit, 0) << sized.err;
  EXPECT_EQ(parse_json(sized.response.body).value("target", ""), "/sized");
}

TEST_F(Http2, Http11AndHttp2ShareThePlainPort) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto one = http({url("/a")});
  auto two = h2({url("/b")});
  EXPECT_EQ(one.response.version, "HTTP/1.1");
  EXPECT_EQ(one.response.status, 200);
  EXPECT_EQ(two.response.version, "HTTP/2");
  EXPECT_EQ(two.response.status, 200);
  EXPECT_EQ(parse_json(two.response.body).value("path", ""), "/b");
}

TEST_F(Http2, TlsListenerNegotiatesH2ByAlpnAndHttp11ForOthers) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(tls_listener() + route("all", "PathPrefix(`/`)", backend_.url())));
  auto modern = h2({"-k", tls_url("/x")}, "--http2");
  ASSERT_EQ(modern.exit, 0) << modern.err;
  EXPECT_EQ(modern.response.version, "HTTP/2");
  EXPECT_EQ(backend_value(parse_json(modern.response.body), "X-Forwarded-Proto"), "https");
  auto old = h2({"-k", tls_url("/x")}, "--http1.1");
  EXPECT_EQ(old.response.version, "HTTP/1.1");
  EXPECT_EQ(old.response.status, 200);
  // What ALPN chose, as openssl reports it.
  auto alpn = run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(tls_port_),
                   "-alpn", "http/1.1,h2"},
                  10s);
  EXPECT_NE((alpn.out + alpn.err).find("ALPN protocol: h2"), std::string::npos) << alpn.err;
}

TEST_F(Http2, HttpProtocolsRestrictWhatAListenerSpeaks) {
  ASSERT_TRUE(start(tls_listener("http_protocols = [\"http1\"]") +
                        route("all", "PathPrefix(`/`)", "builtin://echo"),
                    ""));
  auto r = h2({"-k", tls_url("/x")}, "--http2");
  EXPECT_EQ(r.response.version, "HTTP/1.1");  // ALPN offered h2; the listener said http/1.1
  EXPECT_EQ(r.response.status, 200);
}

TEST_F(Http2, AnHttp2OnlyListenerRefusesHttp11With505) {
  std::string config =
      "version = 1\n[bridge]\nadmin = \"off\"\nworkers = 1\n[[listeners]]\nname = \"web\"\n"
      "bind = \"" +
      host() + "\"\nhttp_protocols = [\"h2\"]\n\n" +
      route("all", "PathPrefix(`/`)", "builtin://echo");
  bridge_.write_config(config);
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  auto one = http({url("/a")});
  expect_error(one.response, 505, "http2_only");
  EXPECT_EQ(h2({url("/a")}).response.status, 200);
}

TEST_F(Http2, H2cUpgradeIsAnsweredOverHttp11AndNeverForwarded) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = h2({url("/up")}, "--http2");  // http:// with --http2: Upgrade: h2c
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.version, "HTTP/1.1");
  EXPECT_EQ(r.response.status, 200);
  json echo = parse_json(r.response.body);
  EXPECT_EQ(backend_value(echo, "Upgrade"), "<absent>");
  EXPECT_EQ(backend_value(echo, "HTTP2-Settings"), "<absent>");
}

// ---- bodies and streams --------------------------------------------------------------------

TEST_F(Http2, LargeBodiesCrossBothWaysIntact) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start_nginx());
  write_random_file(nginx_.root() + "/4m.bin", 4u << 20, 7);
  ASSERT_TRUE(start(route("files", "PathPrefix(`/4m.bin`)", nginx_.url()) +
                    route("all", "PathPrefix(`/`)", backend_.url())));
  TempDir dir;
  std::string down = dir.path() + "/down.bin";
  auto got = curl({"--http2-prior-knowledge", "-o", down, url("/4m.bin")}, 30s);
  ASSERT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(sha256_file(down), sha256_file(nginx_.root() + "/4m.bin"));
  // Upload with a length (relayed as is) and without one (relayed chunked).
  std::string up = dir.path() + "/up.bin";
  write_random_file(up, 3u << 20, 9);
  auto sized = h2({"--data-binary", "@" + up, url("/upload")});
  json sized_echo = parse_json(sized.response.body);
  EXPECT_EQ(sized_echo.value("body_length", 0u), 3u << 20);
  EXPECT_EQ(sized_echo.value("body_sha256", ""), sha256_file(up));
  EXPECT_FALSE(sized_echo.value("chunked", true));
  auto streamed = run({"nghttp", "--no-content-length", "-d", up, url("/upload")}, 30s);
  ASSERT_EQ(streamed.status, 0) << streamed.err;
  json streamed_echo = parse_json(streamed.out);
  EXPECT_EQ(streamed_echo.value("body_sha256", ""), sha256_file(up)) << streamed.out;
  EXPECT_TRUE(streamed_echo.value("chunked", false)) << streamed.out;
}

// An HTTP/1.1 upstream's chunked trailers reach an HTTP/2 client as a trailing HEADERS frame
// (nghttp -v prints every frame's fields), without Content-Length, which no trailer may carry.
TEST_F(Http2, ChunkedTrailersFromAnHttp11UpstreamArriveAsTrailingHeaders) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = run({"nghttp", "-v", url("/chunked-trailers")}, 10s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("with trailers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x-checksum: 5d41402a"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("content-length: 13"), std::string::npos) << r.out;
}

// The other way: an HTTP/2 client's trailing HEADERS reach an HTTP/1.1 upstream in the last
// chunk of a chunked body (the backend's parser reads them into its field list, which it
// echoes; only trailers could have brought x-checksum there).
TEST_F(Http2, RequestTrailersReachAnHttp11UpstreamInTheLastChunk) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = frames({"trailers", "/with-trailers"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("status 200"), std::string::npos) << r.out;
  json echo = parse_json(r.out.substr(r.out.find("body\n") + 5));
  EXPECT_TRUE(echo.value("chunked", false)) << echo.dump();
  EXPECT_EQ(echo.value("body_length", 0), 14) << echo.dump();
  EXPECT_EQ(backend_value(echo, "x-checksum"), "abc123") << echo.dump();
  EXPECT_EQ(backend_value(echo, "x-note"), "sent last") << echo.dump();
}

// Over TLS the head and the first body bytes share one record (one write): the bytes that
// arrived with the upstream's head must follow the head, in order, for either protocol.
TEST_F(Http2, HttpsListenerRelaysBodiesIntactOverBothProtocols) {
  ASSERT_TRUE(start_nginx());
  for (size_t size : {size_t{100}, size_t{64} << 10, size_t{4} << 20})
    write_random_file(nginx_.root() + "/" + std::to_string(size) + ".bin", size, 3);
  ASSERT_TRUE(start(tls_listener() + route("files", "PathPrefix(`/`)", nginx_.url())));
  TempDir dir;
  for (const char* mode : {"--http1.1", "--http2"}) {
    for (size_t size : {size_t{100}, size_t{64} << 10, size_t{4} << 20}) {
      std::string name = std::to_string(size) + ".bin", down = dir.path() + "/" + name;
      auto got = curl({mode, "-k", "-o", down, tls_url("/" + name)}, 30s);
      ASSERT_EQ(got.status, 0) << mode << " " << name << ": " << got.err;
      EXPECT_EQ(sha256_file(down), sha256_file(nginx_.root() + "/" + name)) << mode << " " << name;
    }
  }
}

TEST_F(Http2, ManyStreamsOnFewConnectionsAllSucceed) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = run({"h2load", "-n", "4000", "-c", "4", "-m", "100", url("/load")}, 60s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("4000 succeeded, 0 failed, 0 errored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("status codes: 4000 2xx"), std::string::npos) << r.out;
}

TEST_F(Http2, HeaderListOverTheLimitGets431OnItsStream) {
  ASSERT_TRUE(
      start("[[listeners]]\nname = \"small\"\nbind = \"127.0.0.1:" + std::to_string(tls_port_) +
            "\"\nhttp2 = { max_header_list_size = \"4KiB\" }\n\n" +
            route("all", "PathPrefix(`/`)", "builtin://echo")));
  std::string small = "http://127.0.0.1:" + std::to_string(tls_port_);
  auto r = h2({"-H", "X-Big: " + std::string(6000, 'b'), small + "/big"});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 431, "headers_too_large");
  EXPECT_EQ(h2({small + "/fine"}).response.status, 200);
}

TEST_F(Http2, RequestBodyOverTheRouteLimitGets413) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo", "max_body_bytes = 1000")));
  auto r = h2({"--data-binary", std::string(5000, 'x'), url("/up")});
  expect_error(r.response, 413, "body_too_large");
}

TEST_F(Http2, NoRouteIsAJsonErrorOnTheStream) {
  ASSERT_TRUE(start(route("api", "PathPrefix(`/api`)", "builtin://echo")));
  auto r = h2({url("/elsewhere")});
  expect_error(r.response, 404, "no_route");
  EXPECT_EQ(r.response.version, "HTTP/2");
}

// ---- HTTP/2 upstreams ------------------------------------------------------------------------

// A second bridge, serving builtin://echo, is the HTTP/2 upstream: it takes prior knowledge on
// its plain listener and offers h2 by ALPN on its HTTPS one, and its access log says which
// protocol reached it.
class Http2Upstream : public Http2 {
 protected:
  ::testing::AssertionResult start_upstream_bridge(const std::string& routes = "") {
    upstream_log_ = upstream_.scratch("access.log");
    upstream_.write_config(
        "version = 1\n[bridge]\nadmin = \"off\"\nworkers = 1\naccess_log = \"" + upstream_log_ +
        "\"\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:" + std::to_string(upstream_port_) +
        "\"\n" + tls_listener() + routes + route("echo", "PathPrefix(`/`)", "builtin://echo"));
    if (upstream_.start(upstream_port_)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << upstream_.output();
  }
  BridgeUp upstream_;
  uint16_t upstream_port_ = free_port();
  std::string upstream_log_;
};

TEST_F(Http2Upstream, Http11ClientToAnH2cUpstream) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "h2c://127.0.0.1:" + std::to_string(upstream_port_))));
  auto r = http({"-H", "X-Custom: up", "--data-binary", std::string(100000, 'p'), url("/to/h2")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("path", ""), "/to/h2");
  EXPECT_EQ(echo.value("body_bytes", 0), 100000);
  EXPECT_EQ(echo_header(echo, "x-custom"), "up");
  auto id = r.response.header("X-Request-ID");
  ASSERT_TRUE(id.has_value());
  json seen = access_log_entry(upstream_log_, *id);  // the request id went up with it
  EXPECT_EQ(seen.value("protocol", ""), "HTTP/2") << seen.dump();
}

// A large body from an HTTP/2 upstream to a slow HTTP/1.1 client: the DATA that arrives while
// a write to the client waits is relayed too, in order (it was once cleared with the bytes
// being written).
TEST_F(Http2Upstream, ASlowHttp11ClientGetsEveryByteFromAnH2cUpstream) {
  ASSERT_TRUE(start_nginx());
  write_random_file(nginx_.root() + "/6m.bin", 6u << 20, 5);
  ASSERT_TRUE(start_upstream_bridge(route("files", "PathPrefix(`/6m.bin`)", nginx_.url())));
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "h2c://127.0.0.1:" + std::to_string(upstream_port_))));
  TempDir dir;
  const std::string down = dir.path() + "/down.bin";
  auto got = curl({"--http1.1", "--limit-rate", "12M", "-o", down, url("/6m.bin")}, 30s);
  ASSERT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(sha256_file(down), sha256_file(nginx_.root() + "/6m.bin"));
}

// buffering over an HTTP/2 upstream: a chunked upload goes up whole as one body with its
// content-length, and the response comes back held, with its length, to HTTP/1.1 and HTTP/2
// clients; a response over maxResponseBodyBytes is bridge's 500.
TEST_F(Http2Upstream, BufferingHoldsBodiesBothWays) {
  ASSERT_TRUE(start_upstream_bridge());
  const std::string target = "h2c://127.0.0.1:" + std::to_string(upstream_port_);
  ASSERT_TRUE(start("[middlewares.hold.buffering]\nmemRequestBodyBytes = 1000\n"
                    "[middlewares.small.buffering]\nmaxResponseBodyBytes = 10\n\n" +
                    route("small", "PathPrefix(`/small`)", target, "middlewares = [\"small\"]") +
                    route("all", "PathPrefix(`/`)", target, "middlewares = [\"hold\"]")));
  for (const std::string mode : {"--http1.1", "--http2-prior-knowledge"}) {
    std::vector<std::string> args = {"--data-binary", std::string(100000, 'p'), url("/to/h2")};
    if (mode == "--http1.1") args.insert(args.begin(), {"-H", "Transfer-Encoding: chunked"});
    auto r = h2(args, mode);
    ASSERT_EQ(r.exit, 0) << mode << ": " << r.err;
    EXPECT_EQ(r.response.status, 200) << mode << ": " << r.response.body;
    json echo = parse_json(r.response.body);
    EXPECT_EQ(echo.value("body_bytes", 0), 100000) << mode;
    EXPECT_EQ(echo_header(echo, "content-length"), "100000") << mode;
    EXPECT_EQ(r.response.header("content-length").value_or("<absent>"),
              std::to_string(r.response.body.size()))
        << mode;
  }
  auto big = http({url("/small")});
  EXPECT_EQ(big.response.status, 500) << big.response.body;
  EXPECT_EQ(parse_json(big.response.body).value("error", ""), "response_too_large");
}

// An h2c target is checked over HTTP/2 (an HTTP/1.1 GET would fail at a gRPC-only server):
// the target's access log shows the checks as HTTP/2 requests, and a target gone is found out.
TEST_F(Http2Upstream, HealthChecksOfAnH2cTargetSpeakHttp2) {
  ASSERT_TRUE(start_upstream_bridge());
  const std::string target = "h2c://127.0.0.1:" + std::to_string(upstream_port_);
  ASSERT_TRUE(start("[[upstreams]]\nname = \"up\"\ntargets = [\"" + target +
                    "\"]\nhealth = { path = \"/healthz\", interval = \"200ms\", healthy = 1, "
                    "unhealthy = 1 }\n\n" +
                    route("all", "PathPrefix(`/`)", "up")));
  json check = access_log_entry(upstream_log_, "\"/healthz\"", 5s);
  ASSERT_FALSE(check.is_null()) << read_file(upstream_log_);
  EXPECT_EQ(check.value("protocol", ""), "HTTP/2") << check.dump();
  EXPECT_EQ(check.value("method", ""), "GET") << check.dump();
  EXPECT_EQ(check.value("status", 0), 200) << check.dump();
  EXPECT_EQ(bridge_.output().find("is down"), std::string::npos) << bridge_.output();
  upstream_.process().signal(SIGKILL);
  upstream_.process().wait_exit(5s);
  ASSERT_TRUE(logged("health: up " + target + " is down (1 failed checks of GET /healthz; last: "));
  // Killed between checks, the next connect is refused; killed during one, its read is reset.
  const std::string out = bridge_.output();
  EXPECT_TRUE(out.find("last: connect: Connection refused)") != std::string::npos ||
              out.find("last: read: Connection reset by peer)") != std::string::npos)
      << out;
}

TEST_F(Http2Upstream, HttpsUpstreamSpeaksH2WhenAlpnAgrees) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(start("[[upstreams]]\nname = \"secure\"\ntargets = [\"" + tls_url("") +
                    "\"]\ntls = { verify = false }\n\n" +
                    route("all", "PathPrefix(`/`)", "secure")));
  for (const char* mode : {"--http1.1", "--http2-prior-knowledge"}) {
    auto r = h2({url("/alpn")}, mode);
    ASSERT_EQ(r.exit, 0) << mode << ": " << r.err;
    EXPECT_EQ(r.response.status, 200) << mode;
    auto id = r.response.header("x-request-id");
    ASSERT_TRUE(id.has_value()) << mode;
    EXPECT_EQ(access_log_entry(upstream_log_, *id).value("protocol", ""), "HTTP/2") << mode;
  }
}

// Request trailers cross to an HTTP/2 upstream as a trailing HEADERS frame, from either kind
// of client: chunked trailers of HTTP/1.1 and the trailing HEADERS of HTTP/2 (the upstream
// bridge's echo lists the trailers it received). Framing fields never travel as trailers.
TEST_F(Http2Upstream, RequestTrailersCrossToAnH2cUpstream) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "h2c://127.0.0.1:" + std::to_string(upstream_port_))));
  RawClient client(port_);
  client.send("POST /from-h1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n0\r\nX-Checksum: 5d41402a\r\nContent-Length: 9\r\n\r\n");
  auto response = client.read_response(10s);
  ASSERT_TRUE(response.has_value()) << client.last_error();
  EXPECT_EQ(response->status, 200) << response->body;
  json echo = parse_json(response->body);
  EXPECT_EQ(echo.value("body_bytes", 0), 5) << echo.dump();
  EXPECT_EQ(echo["trailers"], json({{"x-checksum", "5d41402a"}})) << echo.dump();

  auto r = frames({"trailers", "/from-h2"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  json echoed = parse_json(r.out.substr(r.out.find("body\n") + 5));
  EXPECT_EQ(echoed.value("path", ""), "/from-h2") << echoed.dump();
  EXPECT_EQ(echoed.value("body_bytes", 0), 14) << echoed.dump();
  EXPECT_EQ(echoed["trailers"], json({{"x-checksum", "abc123"}, {"x-note", "sent last"}}))
      << echoed.dump();
}

TEST_F(Http2Upstream, ProtocolHttp1KeepsAnHttpsUpstreamOnHttp11) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(start("[[upstreams]]\nname = \"secure\"\ntargets = [\"" + tls_url("") +
                    "\"]\ntls = { verify = false }\nprotocol = \"http1\"\n\n" +
                    route("all", "PathPrefix(`/`)", "secure")));
  auto r = http({url("/old")});
  ASSERT_EQ(r.response.status, 200) << r.err;
  auto id = r.response.header("X-Request-ID");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(access_log_entry(upstream_log_, *id).value("protocol", ""), "HTTP/1.1");
}

TEST_F(Http2Upstream, RequestBodyOverTheLimitIs413NotAnUpstreamError) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "h2c://127.0.0.1:" + std::to_string(upstream_port_),
                  "max_body_bytes = 1000")));
  std::string big(5000, 'x');
  auto chunked = http({"-H", "Transfer-Encoding: chunked", "--data-binary", big, url("/up")});
  expect_error(chunked.response, 413, "body_too_large");
  TempDir dir;
  write_file(dir.path() + "/big.bin", big);
  auto streamed =
      run({"nghttp", "--no-content-length", "-d", dir.path() + "/big.bin", url("/up")}, 10s);
  EXPECT_NE(streamed.out.find("body_too_large"), std::string::npos) << streamed.out << streamed.err;
}

TEST_F(Http2Upstream, ManyClientStreamsShareFewUpstreamConnections) {
  ASSERT_TRUE(start_upstream_bridge());
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "h2c://127.0.0.1:" + std::to_string(upstream_port_))));
  auto r = run({"h2load", "-n", "2000", "-c", "2", "-m", "50", url("/many")}, 60s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2000 succeeded, 0 failed, 0 errored"), std::string::npos) << r.out;
  // Multiplexed: at most a connection or two per worker, not one per stream.
  auto ss = run(
      {"ss", "-Htn", "state", "established", "dst", "127.0.0.1:" + std::to_string(upstream_port_)});
  size_t connections = 0;
  for (char c : ss.out) connections += c == '\n';
  EXPECT_LE(connections, 4u) << ss.out;
}

// ---- abuse ---------------------------------------------------------------------------------

// Each flood gets GOAWAY and the connection closes; a fresh connection is served as usual.
TEST_F(Http2, FloodsEndTheirConnectionAndSpareOthers) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  for (const char* flood : {"rapid-reset", "continuation", "settings", "ping", "empty-data"}) {
    auto r = frames({flood});
    EXPECT_EQ(r.status, 0) << flood << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "goaway ENHANCE_YOUR_CALM\n") << flood << ": " << r.err;
    auto after = h2({url("/after")});
    EXPECT_EQ(after.response.status, 200) << flood;
  }
}

// The request id is new in every response: HPACK sends it as never indexed (RFC 7541 6.2.3)
// rather than filling the connection's table with ids that never come back; fields that
// repeat (content-type) stay indexable.
TEST_F(Http2, RequestIdsAreNeverIndexedByHpack) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto r = frames({"fields"}, 15s);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  auto lines = [&](std::string_view line) {
    size_t n = 0;
    for (size_t at = r.out.find(line); at != std::string::npos; at = r.out.find(line, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(lines("x-request-id never-indexed\n"), 2u) << r.out;
  EXPECT_EQ(lines("x-request-id indexed\n"), 0u) << r.out;
  EXPECT_EQ(lines("content-type indexed\n"), 2u) << r.out;
}

// SIGTERM: GOAWAY to an open HTTP/2 connection, its stream in flight still finishes.
TEST_F(Http2, DrainSendsGoawayAndLetsTheStreamFinish) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  Process client(
      {"/usr/bin/python3", h2_frames_script(), "127.0.0.1", std::to_string(port_), "slow-request"});
  ASSERT_TRUE(backend_.wait_for_output("slow /slow", 10s)) << client.stderr_text();
  bridge_.process().signal(SIGTERM);
  ASSERT_TRUE(client.wait_exit(20s));
  std::string out = client.stdout_text();
  EXPECT_NE(out.find("goaway"), std::string::npos) << out << client.stderr_text();
  EXPECT_NE(out.find("status 200"), std::string::npos) << out << client.stderr_text();
}

}  // namespace
}  // namespace bridge::test
