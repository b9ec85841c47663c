// HTTP/1.1 message framing on both sides: request smuggling shapes refused with 400, chunked and
// close-delimited bodies, HTTP/1.0 peers, pipelining and Expect: 100-continue.
#include "proxy_fixture.hpp"

#include <ostream>

namespace bridge::test {
namespace {

// ---- malformed requests -------------------------------------------------------------------

TEST_F(Proxy, MalformedRequestIs400Json) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = raw_request("GET / HTTP/1.1\r\nHost: a\r\nthis is not a header\r\n\r\n");
  ASSERT_TRUE(r.has_value()) << "no response";
  expect_error(*r, 400, "bad_request");
}

// ---- request smuggling shapes -------------------------------------------------------------

struct Shape {
  std::string name;
  std::string request;
};

void PrintTo(const Shape& shape, std::ostream* os) { *os << shape.name; }

std::vector<Shape> smuggling_shapes() {
  const std::string h = "Host: a\r\n";
  return {
      {"ContentLengthAndTransferEncoding",
       "POST / HTTP/1.1\r\n" + h +
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
           "0\r\n\r\n"},
      {"TransferEncodingAndContentLength",
       "POST / HTTP/1.1\r\n" + h +
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
           "0\r\n\r\n"},
      {"DifferingDuplicateContentLength",
       "POST / HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
      {"DifferingContentLengthList",
       "POST / HTTP/1.1\r\n" + h + "Content-Length: 5, 6\r\n\r\nhello!"},
      {"InvalidChunkSize",
       "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
      {"OverflowingChunkSize",
       "POST / HTTP/1.1\r\n" + h +
           "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n"},
      {"ObsFold", "GET / HTTP/1.1\r\n" + h + "X-Folded: a\r\n b\r\n\r\n"},
      {"SpaceInHeaderName", "GET / HTTP/1.1\r\n" + h + "X Bad: a\r\n\r\n"},
      {"SpaceBeforeColon", "GET / HTTP/1.1\r\n" + h + "X-Bad : a\r\n\r\n"},
      {"InvalidByteInHeaderName", "GET / HTTP/1.1\r\n" + h + "X-B(a)d: a\r\n\r\n"},
      {"BareCrInHeaderValue", "GET / HTTP/1.1\r\n" + h + "X-Bad: a\rb\r\n\r\n"},
      {"NulInHeaderValue", "GET / HTTP/1.1\r\n" + h + std::string("X-Bad: a\0b\r\n\r\n", 14)},
      {"ConnectAuthorityForm", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
      {"AbsoluteFormHostMismatch", "GET http://other.example/ HTTP/1.1\r\n" + h + "\r\n"},
      {"MissingHostInHttp11", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"},
      {"TwoHostHeaders", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"ChunkedNotFinal",
       "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
  };
}

class Smuggling : public Proxy, public ::testing::WithParamInterface<Shape> {};

TEST_P(Smuggling, IsRefusedWith400AndTheConnectionIsClosed) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  RawClient client(port_);
  client.send(GetParam().request);
  auto r = client.read_response(3s);
  ASSERT_TRUE(r.has_value()) << "no response: " << client.last_error();
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_TRUE(r->header("X-Request-ID").has_value());
  EXPECT_TRUE(client.wait_closed(3s)) << "bridge kept the connection open after a 400";
}

INSTANTIATE_TEST_SUITE_P(Proxy, Smuggling, ::testing::ValuesIn(smuggling_shapes()),
                         [](const auto& info) { return info.param.name; });

// ---- bodies and versions ------------------------------------------------------------------

TEST_F(Proxy, ChunkedUploadIsPassedThroughIntact) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  std::string file = bridge_.scratch("chunked.bin");
  write_random_file(file, 1024 * 1024 + 17, 8);
  auto r = http({"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, url("/up")});
  ASSERT_EQ(r.response.status, 200) << r.err << r.response.body;
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("body_length", 0), 1024 * 1024 + 17);
  EXPECT_EQ(echo.value("body_sha256", ""), sha256_file(file));
  EXPECT_TRUE(echo.value("chunked", false)) << "the upstream did not get a chunked body";
}

// Sends GET `path` on `client`'s connection and checks the backend's echo answers it.
void expect_next_request_served(RawClient& client, const std::string& path) {
  client.send("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
  auto next = client.read_response(5s);
  ASSERT_TRUE(next.has_value()) << client.last_error();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(parse_json(next->body).value("target", ""), path);
}

TEST_F(Proxy, ChunkedResponseArrivesIntact) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /chunked-response HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "chunk-one,chunk-two,chunk-three");
  expect_next_request_served(client, "/again");  // the connection stays usable
}

// Trailer fields travel with the last chunk (RFC 9112 7.1.2); Content-Length, which no trailer
// may carry, does not.
TEST_F(Proxy, ChunkedTrailersReachAnHttp11Client) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /chunked-trailers HTTP/1.1\r\nHost: a\r\n\r\n");
  auto head = client.read_head(5s);
  ASSERT_TRUE(head.has_value()) << client.last_error();
  EXPECT_EQ(head->header("Transfer-Encoding").value_or(""), "chunked");
  std::string rest;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!rest.ends_with("\r\n\r\n") && std::chrono::steady_clock::now() < deadline) {
    if (client.read_some(rest, 4096, 1s) == 0) break;
  }
  EXPECT_EQ(rest, "d\r\nwith trailers\r\n0\r\nX-Checksum: 5d41402a\r\n\r\n");
  expect_next_request_served(client, "/after-trailers");
}

TEST_F(Proxy, HeadOfAChunkedResponseCarriesNoBody) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("HEAD /chunked-response HTTP/1.1\r\nHost: a\r\n\r\n");
  auto head = client.read_head(5s);
  ASSERT_TRUE(head.has_value()) << client.last_error();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Transfer-Encoding").value_or(""), "chunked");
  // No last-chunk after the head: the next response on the connection starts cleanly.
  expect_next_request_served(client, "/after-head");
}

TEST_F(Proxy, CloseDelimitedResponseIsRechunkedForAnHttp11Client) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /close-delimited HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_EQ(r->header_count("Connection"), 0u);
  EXPECT_EQ(r->body, "body until close\n");
  expect_next_request_served(client, "/after-close-delimited");
}

TEST_F(Proxy, AnHttp10UpstreamIsAnsweredInBridgesOwnVersion) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  // Chunked framing exists only in HTTP/1.1: the status line must say 1.1 when it is used.
  client.send("GET /http10-response HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->version, "HTTP/1.1");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->reason, "OK");
  EXPECT_EQ(r->header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_EQ(r->body, "an HTTP/1.0 answer\n");
  expect_next_request_served(client, "/after-http10");
}

TEST_F(Proxy, CloseDelimitedResponseToAnHttp10ClientEndsWithTheConnection) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  // An HTTP/1.0 client cannot read chunked: the body ends where the connection does.
  client.send("GET /close-delimited HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header_count("Transfer-Encoding"), 0u);
  EXPECT_EQ(r->header("Connection").value_or(""), "close");
  EXPECT_EQ(r->body, "body until close\n");
  EXPECT_TRUE(client.wait_closed(5s));
}

TEST_F(Proxy, Http10KeepAliveClientIsToldTheConnectionStaysOpen) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  for (const char* path : {"/first", "/second"}) {
    client.send(std::string("GET ") + path +
                " HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
    auto r = client.read_response(5s);
    ASSERT_TRUE(r.has_value()) << path << ": " << client.last_error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("Connection").value_or(""), "keep-alive") << path;
    EXPECT_EQ(parse_json(r->body).value("target", ""), path);
  }
}

// ---- pipelining and 100-continue ----------------------------------------------------------

TEST_F(Proxy, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
              "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
              "GET /third HTTP/1.1\r\nHost: a\r\n\r\n");
  for (const char* target : {"/first", "/second", "/third"}) {
    auto r = client.read_response(5s);
    ASSERT_TRUE(r.has_value()) << target << ": " << client.last_error();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(parse_json(r->body).value("target", ""), target);
  }
}

TEST_F(Proxy, PipelinedRequestsToEchoAreAnsweredInOrder) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  RawClient client(port_);
  client.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
  for (const char* path : {"/a", "/b"}) {
    auto r = client.read_response(5s);
    ASSERT_TRUE(r.has_value()) << path << ": " << client.last_error();
    EXPECT_EQ(parse_json(r->body).value("path", ""), path);
  }
}

TEST_F(Proxy, ExpectContinueWithCurl) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  std::string file = bridge_.scratch("2mb.bin");
  write_random_file(file, 2 * 1024 * 1024, 10);
  auto t0 = Clock::now();
  auto r = http({"-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary",
                 "@" + file, url("/upload")});
  double took = seconds_since(t0);
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.interim, std::vector<int>{100});
  EXPECT_EQ(r.response.status, 200);
  EXPECT_LT(took, 3.0) << "curl waited for its expect100 timeout";
  json echo = parse_json(r.response.body);
  EXPECT_EQ(echo.value("body_sha256", ""), sha256_file(file));
}

TEST_F(Proxy, ExpectContinueOnARawSocket) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  RawClient client(port_);
  client.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.read_response(2s);
  ASSERT_TRUE(interim.has_value()) << "no 100 Continue before the body: " << client.last_error();
  EXPECT_EQ(interim->status, 100);
  client.send("hello");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(parse_json(r->body).value("body_sha256", ""), sha256_hex("hello"));
}

}  // namespace
}  // namespace bridge::test
