// compress, retry and circuitBreaker through a real `bridge up`, as a client and an upstream see
// them: nginx's files encoded as gzip, br and zstd and decoded again by the real gzip, brotli and
// zstd tools and by curl; streamed (chunked) bodies, HTTP/1.0 and HTTP/2 clients; the responses
// that stay as they are (small, ranges, no Accept-Encoding); retries of an upstream that closes
// without answering or refuses connections, never of a request whose body went; the record's words
// for both; a circuit breaker opened by network errors; contentType's sniffed types. Real peers:
// curl, nginx, the Beast test backend, an in-process recording upstream.
#include "middleware_fixture.hpp"
#include "recording_upstream.hpp"

#include <random>

namespace bridge::test {
namespace {

// JSON like an API's: what compress is for.
std::string json_body(size_t size) {
  std::string out = "[";
  std::mt19937 random(11);
  while (out.size() < size)
    out +=
        "{\"id\":" + std::to_string(random() % 1000000) + ",\"name\":\"widget\",\"tags\":[\"a\"]},";
  out.resize(size - 1);
  return out + "]";
}

constexpr const char* compress_all = "[middlewares.zip.compress]\n";

class Delivery : public MiddlewareProxy {
 protected:
  // nginx serving data.json (100 KB), small.json (100 B) and the route through `middlewares`.
  ::testing::AssertionResult start_with_files(const std::string& middlewares_toml,
                                              const std::string& names = "[\"zip\"]") {
    if (auto started = start_nginx(); !started) return started;
    body_ = json_body(100 * 1000);
    write_file(nginx_.root() + "/data.json", body_);
    write_file(nginx_.root() + "/small.json", json_body(100));
    return start_with_admin(middlewares_toml + route("files", "PathPrefix(`/`)", nginx_.url(),
                                                     "middlewares = " + names));
  }

  // curl's raw bytes of `path` with `accept` (no decoding) into a file; the response's head.
  HttpResponse fetch_raw(const std::string& path, const std::string& accept,
                         std::vector<std::string> extra = {}) {
    raw_file_ = dir_ / "raw.bin";
    std::vector<std::string> args = {"-sS", "-D", "-", "-o", raw_file_, "--http1.1"};
    if (!accept.empty()) args.insert(args.end(), {"-H", "Accept-Encoding: " + accept});
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url(path));
    auto r = curl(args, 10s);
    EXPECT_EQ(r.status, 0) << r.err;
    return parse_head_block(r.out.substr(0, r.out.find("\r\n\r\n")));
  }
  std::string raw() const { return read_file(raw_file_); }
  // The raw body decoded by the Debian tool for `encoding` (gzip, brotli, zstd).
  std::string decoded_by_tool(const std::string& encoding) {
    const std::map<std::string, std::vector<std::string>> tools = {
        {"gzip", {"gzip", "-dc", raw_file_}},
        {"br", {"brotli", "-dc", raw_file_}},
        {"zstd", {"zstd", "-dcq", raw_file_}}};
    auto r = run(tools.at(encoding), 10s);
    EXPECT_EQ(r.status, 0) << encoding << ": " << r.err;
    return r.out;
  }

  TempDir dir_;
  std::string raw_file_;
  std::string body_;
};

TEST_F(Delivery, EachEncodingDecodesToTheFileNginxServes) {
  ASSERT_TRUE(start_with_files(compress_all));
  for (const std::string encoding : {"gzip", "br", "zstd"}) {
    SCOPED_TRACE(encoding);
    HttpResponse head = fetch_raw("/data.json", encoding);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.header("Content-Encoding").value_or("<absent>"), encoding);
    EXPECT_EQ(head.header("Vary").value_or("<absent>"), "Accept-Encoding");
    EXPECT_EQ(head.header("Transfer-Encoding").value_or("<absent>"), "chunked");
    EXPECT_FALSE(head.header("Content-Length").has_value());
    EXPECT_FALSE(head.header("Accept-Ranges").has_value()) << "ranges of encoded bytes";
    EXPECT_EQ(head.header("Content-Type").value_or(""), "application/json");
    EXPECT_TRUE(head.header("ETag").value_or("").starts_with("W/\""))
        << head.header("ETag").value_or("<absent>");
    EXPECT_LT(raw().size(), body_.size() / 3);
    EXPECT_TRUE(decoded_by_tool(encoding) == body_) << "the decoded body differs";
  }
}

TEST_F(Delivery, CurlPicksAndDecodesOverHttp1AndHttp2) {
  ASSERT_TRUE(start_with_files(compress_all));
  auto h1 = http({"--compressed", url("/data.json")});
  ASSERT_EQ(h1.exit, 0) << h1.err;
  // curl asks for "deflate, gzip, br, zstd": gzip comes first in the default encodings.
  EXPECT_EQ(h1.response.header("Content-Encoding").value_or("<absent>"), "gzip");
  EXPECT_TRUE(h1.response.body == body_) << h1.response.body.size() << " bytes decoded";
  auto h2c = h2({"--compressed", "-H", "Accept-Encoding: zstd;q=0.9, br;q=0.5", url("/data.json")});
  ASSERT_EQ(h2c.exit, 0) << h2c.err;
  EXPECT_EQ(h2c.response.header("content-encoding").value_or("<absent>"), "zstd");
  EXPECT_FALSE(h2c.response.header("content-length").has_value());
  EXPECT_TRUE(h2c.response.body == body_) << h2c.response.body.size() << " bytes decoded";
}

TEST_F(Delivery, AnHttp10ClientGetsTheEncodedBodyDelimitedByClose) {
  ASSERT_TRUE(start_with_files(compress_all));
  HttpResponse head = fetch_raw("/data.json", "gzip", {"--http1.0"});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Encoding").value_or("<absent>"), "gzip");
  EXPECT_FALSE(head.header("Transfer-Encoding").has_value());
  EXPECT_FALSE(head.header("Content-Length").has_value());
  EXPECT_TRUE(decoded_by_tool("gzip") == body_) << "the decoded body differs";
}

TEST_F(Delivery, SmallRangedAndUnaskedResponsesGoAsTheyAre) {
  ASSERT_TRUE(start_with_files(compress_all));
  HttpResponse small = fetch_raw("/small.json", "gzip");
  EXPECT_FALSE(small.header("Content-Encoding").has_value());
  EXPECT_EQ(small.header("Content-Length").value_or("<absent>"), "100");
  EXPECT_EQ(raw(), json_body(100));
  json rec = record(small.header("X-Request-ID").value_or(""));
  ASSERT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""),
            "not compressed: 100 bytes, under minResponseBodyBytes (1024)");

  HttpResponse range = fetch_raw("/data.json", "gzip", {"-r", "0-99"});
  EXPECT_EQ(range.status, 206);
  EXPECT_FALSE(range.header("Content-Encoding").has_value());
  EXPECT_TRUE(raw() == body_.substr(0, 100)) << "not the first 100 bytes";

  HttpResponse unasked = fetch_raw("/data.json", "");
  EXPECT_FALSE(unasked.header("Content-Encoding").has_value());
  EXPECT_EQ(unasked.header("Content-Length").value_or("<absent>"), std::to_string(body_.size()));
  EXPECT_TRUE(unasked.header("ETag").value_or("").starts_with("\""));
  EXPECT_TRUE(raw() == body_) << "not the file as nginx serves it";
}

TEST_F(Delivery, TheRecordSaysWhatWentInAndOut) {
  ASSERT_TRUE(start_with_files(compress_all));
  HttpResponse head = fetch_raw("/data.json", "br");
  json rec = record(head.header("X-Request-ID").value_or(""));
  ASSERT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("name", ""), "zip");
  EXPECT_EQ(rec["middlewares"][0].value("type", ""), "compress");
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""),
            "br: 100000 → " + std::to_string(raw().size()) + " bytes");
  EXPECT_EQ(rec.value("bytes_out", 0), static_cast<int64_t>(raw().size())) << rec.dump();
}

TEST_F(Delivery, AStreamedBodyIsEncodedPieceByPiece) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start_with_admin(std::string(compress_all) + route("stream", "PathPrefix(`/`)",
                                                                 backend_.url(),
                                                                 "middlewares = [\"zip\"]")));
  raw_file_ = dir_ / "raw.bin";
  auto r = curl({"-sS", "-D", "-", "-o", raw_file_, "-H", "Accept-Encoding: zstd",
                 url("/chunked-bytes?n=300000")},
                10s);
  ASSERT_EQ(r.status, 0) << r.err;
  HttpResponse head = parse_head_block(r.out.substr(0, r.out.find("\r\n\r\n")));
  EXPECT_EQ(head.header("Content-Encoding").value_or("<absent>"), "zstd");
  EXPECT_TRUE(decoded_by_tool("zstd") == std::string(300000, 'x')) << "the decoded body differs";
  EXPECT_LT(raw().size(), 3000u);
}

TEST_F(Delivery, ExcludedContentTypesAreNotEncoded) {
  ASSERT_TRUE(start_with_files("[middlewares.zip.compress]\nexcludedContentTypes = "
                               "[\"application/json\"]\n"));
  HttpResponse head = fetch_raw("/data.json", "gzip");
  EXPECT_FALSE(head.header("Content-Encoding").has_value());
  EXPECT_TRUE(raw() == body_) << "not the file as nginx serves it";
  json rec = record(head.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""),
            "not compressed: content type \"application/json\" is in excludedContentTypes");
}

// ---- retry ----------------------------------------------------------------------------------

TEST_F(Delivery, RetryTriesAgainWhenTheUpstreamClosesWithoutAnswering) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.again.retry]\nattempts = 3\ninitialInterval = "
      "\"20ms\"\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"again\"]")));
  upstream.close_unanswered(2);
  auto r = http({url("/orders")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(r.response.body, "upstream api\n");
  EXPECT_EQ(upstream.count(), 3u);
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  const std::string detail = rec["middlewares"][0].value("detail", "");
  EXPECT_TRUE(detail.starts_with("answered on attempt 3 of 3 (" + upstream.url() +
                                 " upstream failed before responding: end of stream (then 20 "
                                 "ms); "))
      << detail;

  // An upstream that keeps failing: after the third attempt, the client's 502. (A pooled
  // connection the upstream closed is tried again on a new one first, as always.)
  upstream.close_unanswered(100);
  auto failed = http({url("/orders")});
  EXPECT_EQ(failed.response.status, 502) << failed.response.body;
  json gave_up = record(failed.response.header("X-Request-ID").value_or(""));
  EXPECT_TRUE(gave_up["middlewares"][0]
                  .value("detail", "")
                  .starts_with("gave up after 3 of 3 "
                               "attempts ("))
      << gave_up.dump();
}

TEST_F(Delivery, ARequestWhoseBodyWentIsNotRetried) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.again.retry]\nattempts = 3\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"again\"]")));
  upstream.close_unanswered(1);
  auto r = http({"-X", "POST", "--data-binary", "order=7", url("/orders")});
  EXPECT_EQ(r.response.status, 502) << r.response.body;
  EXPECT_EQ(upstream.count(), 1u);
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  EXPECT_TRUE(rec["middlewares"][0]
                  .value("detail", "")
                  .starts_with("not retried, the request body was sent ("))
      << rec.dump();
}

TEST_F(Delivery, RetryBacksOffBetweenRefusedConnections) {
  const uint16_t closed = free_port();  // nothing listens there
  ASSERT_TRUE(
      start_with_admin("[middlewares.again.retry]\nattempts = 3\ninitialInterval = "
                       "\"100ms\"\n" +
                       route("api", "PathPrefix(`/`)", "http://127.0.0.1:" + std::to_string(closed),
                             "middlewares = [\"again\"]")));
  const auto began = Clock::now();
  auto r = http({url("/orders")});
  const auto took = Clock::now() - began;
  EXPECT_EQ(r.response.status, 502) << r.response.body;
  EXPECT_GE(took, 300ms) << "100 ms, then 200 ms between the three attempts";
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  const std::string detail = rec["middlewares"][0].value("detail", "");
  EXPECT_TRUE(detail.starts_with(
      "gave up after 3 of 3 attempts (http://127.0.0.1:" + std::to_string(closed) + " "))
      << detail;
  EXPECT_NE(detail.find("(then 100 ms)"), std::string::npos) << detail;
  EXPECT_NE(detail.find("(then 200 ms)"), std::string::npos) << detail;
}

// ---- circuitBreaker -------------------------------------------------------------------------

TEST_F(Delivery, ACircuitBreakerOpensOnNetworkErrorsAndAnswersForTheUpstream) {
  const uint16_t closed = free_port();  // nothing listens there
  ASSERT_TRUE(start_with_admin(
      "[middlewares.cb.circuitBreaker]\nexpression = \"NetworkErrorRatio() > 0.5\"\n"
      "checkPeriod = \"50ms\"\nfallbackDuration = \"10s\"\n\n" +
      route("api", "PathPrefix(`/`)", "http://127.0.0.1:" + std::to_string(closed),
            "middlewares = [\"cb\"]")));
  auto first = http({url("/orders")});
  expect_error(first.response, 502, "upstream_unreachable");
  std::this_thread::sleep_for(100ms);
  auto open = http({url("/orders")});
  expect_error(open.response, 503, "circuitBreaker");
  const std::string message = parse_json(open.response.body).value("message", "");
  EXPECT_TRUE(message.starts_with("the circuit breaker \"cb\" is open: NetworkErrorRatio() > 0.5 "
                                  "held (NetworkErrorRatio() = 1.00); recovery begins in "))
      << message;
  json rec = record(open.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec.value("target", ""), "answered by cb") << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("outcome", ""), "answered");
  // A gRPC call gets UNAVAILABLE (14) in a trailers-only answer.
  auto grpc = h2({"-H", "Content-Type: application/grpc", "-H", "TE: trailers", "--data-binary", "",
                  url("/pkg.Svc/Call")});
  EXPECT_EQ(grpc.response.header("grpc-status").value_or("<absent>"), "14") << grpc.err;
}

// ---- contentType -----------------------------------------------------------------------------

// Bodies without Content-Type get the type their first bytes show, whether the length is known
// or chunked, for HTTP/1.1 and HTTP/2 clients; a typed response keeps its type; without the
// middleware nothing is added.
TEST_F(Delivery, ContentTypeNamesUntypedBodies) {
  RecordingUpstream upstream("typed");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.sniff.contentType]\n" +
      route("sniffed", "PathPrefix(`/untyped`)", upstream.url(), "middlewares = [\"sniff\"]") +
      route("plain", "PathPrefix(`/untyped`) && Header(`X-Plain`, `1`)", upstream.url())));
  struct Case {
    std::string path, type;
  };
  for (const Case& c :
       {Case{"/untyped/html", "text/html; charset=utf-8"}, Case{"/untyped/png", "image/png"},
        Case{"/untyped/words", "text/plain; charset=utf-8"},
        Case{"/untyped-chunked/html", "text/html; charset=utf-8"},
        Case{"/untyped-chunked/png", "image/png"}}) {
    auto r = http({url(c.path)});
    ASSERT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.response.status, 200) << c.path;
    EXPECT_EQ(r.response.header_count("Content-Type"), 1u) << c.path;
    EXPECT_EQ(r.response.header("Content-Type").value_or("<absent>"), c.type) << c.path;
    auto two = h2({url(c.path)});
    EXPECT_EQ(two.response.header("Content-Type").value_or("<absent>"), c.type)
        << "HTTP/2 client, " << c.path;
  }
  auto png = http({url("/untyped/png")});
  EXPECT_EQ(png.response.body.size(), 16u) << "the sniffed bytes still reach the client";
  json rec = record(png.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""),
            "Content-Type: image/png (from the 16 first bytes of the body)")
      << rec.dump();
  // A response that has a type keeps it.
  auto typed = http({url("/untyped-not/ok")});
  EXPECT_EQ(typed.response.header("Content-Type").value_or("<absent>"), "text/plain");
  // Without the middleware, bridge adds nothing.
  auto raw = http({"-H", "X-Plain: 1", url("/untyped/html")});
  EXPECT_EQ(raw.response.status, 200);
  EXPECT_FALSE(raw.response.header("Content-Type").has_value());
}

}  // namespace
}  // namespace bridge::test
