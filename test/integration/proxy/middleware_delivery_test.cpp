// compress, retry, buffering and circuitBreaker through a real `bridge up`, as a client and an
// upstream see them: nginx's files encoded as gzip, br and zstd and decoded again by the real
// gzip, brotli and zstd tools and by curl; streamed (chunked) bodies, HTTP/1.0 and HTTP/2
// clients; the responses that stay as they are (small, ranges, no Accept-Encoding); retries of an
// upstream that closes without answering or refuses connections, never of a request whose body
// went (unless buffering holds it); bodies held whole, their limits and retryExpression; the
// record's words for each; a circuit breaker opened by network errors; contentType's sniffed
// types. Real peers: curl, nginx, the Beast test backend, an in-process recording upstream.
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

// A stream that pauses: what came before the pause reaches the client encoded and flushed, not
// when the encoder's window fills or the stream ends. curl decodes as bytes arrive and gives
// up one second into the upstream's three-second pause, with the first piece printed.
TEST_F(Delivery, WhatCameBeforeAPauseInTheStreamReachesTheClient) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(
      start_with_admin(std::string(compress_all) + route("drip", "PathPrefix(`/`)", backend_.url(),
                                                         "middlewares = [\"zip\"]")));
  for (const char* encoding : {"gzip", "br", "zstd"}) {
    auto r = curl({"-sS", "-N", "--compressed", "-H", std::string("Accept-Encoding: ") + encoding,
                   "--max-time", "1", url("/drip?ms=3000")},
                  10s);
    EXPECT_EQ(r.status, 28) << encoding << ": curl should time out in the pause: " << r.err;
    EXPECT_EQ(r.out, "first piece\n") << encoding;
  }
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

// ---- buffering ------------------------------------------------------------------------------

// A chunked upload reaches the upstream whole, with its Content-Length: 3 MB spilled past
// memRequestBodyBytes into a temporary file on the way, and the record says where it waited.
TEST_F(Delivery, BufferingSendsAChunkedUploadWholeWithItsLength) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\nmemRequestBodyBytes = 65536\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\"]")));
  std::string sent;
  for (int i = 0; sent.size() < 3000000; ++i) sent += "line " + std::to_string(i) + "\n";
  write_file(dir_ / "upload.txt", sent);
  auto r = http({"-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary",
                 "@" + (dir_ / "upload.txt"), url("/upload")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  auto got = upstream.last();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->chunked);
  EXPECT_EQ(got->header("Content-Length").value_or("<absent>"), std::to_string(sent.size()));
  EXPECT_FALSE(got->header("Transfer-Encoding").has_value());
  EXPECT_TRUE(got->body == sent) << got->body.size() << " bytes arrived";
  // The response was held too, and goes with its length.
  EXPECT_EQ(r.response.header("Content-Length").value_or("<absent>"), "13");
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""),
            "request " + std::to_string(sent.size()) +
                " bytes in a temporary file; response 13 bytes in memory")
      << rec.dump();
}

TEST_F(Delivery, BufferingRefusesABodyOverMaxRequestBodyBytesWith413) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\nmaxRequestBodyBytes = 1000\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\"]")));
  const std::string expected =
      "request body of 2000 bytes exceeds maxRequestBodyBytes (1000) of the buffering middleware "
      "\"hold\"";
  auto sized = http({"-X", "POST", "--data-binary", std::string(2000, 'x'), url("/upload")});
  EXPECT_EQ(sized.response.status, 413) << sized.response.body;
  json error = parse_json(sized.response.body);
  EXPECT_EQ(error.value("error", ""), "body_too_large");
  EXPECT_EQ(error.value("message", ""), expected);
  EXPECT_EQ(error.value("hint", ""), "send a smaller body, or raise maxRequestBodyBytes");
  // Chunked, the size shows only as it comes.
  auto chunked = http({"-X", "POST", "-H", "Transfer-Encoding: chunked", "--data-binary",
                       std::string(2000, 'x'), url("/upload")});
  EXPECT_EQ(chunked.response.status, 413) << chunked.response.body;
  EXPECT_EQ(parse_json(chunked.response.body).value("message", ""),
            "request body exceeds maxRequestBodyBytes (1000) of the buffering middleware \"hold\"");
  // At the limit it goes.
  auto fits = http({"-X", "POST", "--data-binary", std::string(1000, 'x'), url("/upload")});
  EXPECT_EQ(fits.response.status, 200) << fits.response.body;
  EXPECT_EQ(upstream.count(), 1u) << "the refused bodies never reached the upstream";
}

TEST_F(Delivery, BufferingAnswers500ForAResponseOverMaxResponseBodyBytes) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\nmaxResponseBodyBytes = 10\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\"]")));
  auto r = http({url("/orders")});  // "upstream api\n": 13 bytes
  EXPECT_EQ(r.response.status, 500) << r.response.body;
  json error = parse_json(r.response.body);
  EXPECT_EQ(error.value("error", ""), "response_too_large");
  EXPECT_EQ(error.value("message", ""),
            "the upstream's response body exceeds maxResponseBodyBytes (10) of the buffering "
            "middleware \"hold\"");
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""), "response body over 10 bytes: 500");
  // A chunked response over the limit (11 bytes) is found out as it comes: the same 500.
  auto untyped = http({url("/untyped-chunked/text")});
  EXPECT_EQ(untyped.response.status, 500) << untyped.response.body;
}

TEST_F(Delivery, BufferingTurnsAChunkedResponseIntoOneWithALength) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\"]")));
  auto plain = http({url("/untyped/text")});
  auto r = http({url("/untyped-chunked/text")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_FALSE(r.response.header("Transfer-Encoding").has_value());
  EXPECT_EQ(r.response.header("Content-Length").value_or("<absent>"),
            std::to_string(r.response.body.size()));
  EXPECT_EQ(r.response.body, plain.response.body);
  // HEAD keeps the upstream's framing fields: no body was held to count.
  auto head = http({"-I", url("/orders")});
  EXPECT_EQ(head.response.status, 200);
  EXPECT_EQ(head.response.header("Content-Length").value_or("<absent>"), "13");
}

// retryExpression: Traefik's functions over each answer (bridge's own 502 when the upstream
// closed without answering is IsNetworkError()); the body goes again from where it was held.
TEST_F(Delivery, BufferingRetryExpressionSendsTheRequestAgainWithItsBody) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\nretryExpression = \"IsNetworkError() && Attempts() < 2 || "
      "ResponseCode() == 503 && Attempts() < 3\"\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\"]")));
  upstream.close_unanswered(1);
  auto r = http({"-X", "POST", "--data-binary", "order=7", url("/orders")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].body, "order=7");
  EXPECT_EQ(requests[1].body, "order=7") << "the held body went again";
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  const std::string detail = rec["middlewares"][0].value("detail", "");
  EXPECT_TRUE(detail.starts_with("request 7 bytes in memory; attempt 1 failed (upstream failed "
                                 "before responding: end of stream), sent again ("))
      << detail;
  EXPECT_TRUE(detail.ends_with("; response 13 bytes in memory")) << detail;

  // 503 three times: thrown away twice, the third goes to the client.
  upstream.clear();
  auto busy = http({url("/status/503")});
  EXPECT_EQ(busy.response.status, 503) << busy.response.body;
  EXPECT_EQ(busy.response.body, "upstream api 503\n");
  EXPECT_EQ(upstream.count(), 3u);
  json again = record(busy.response.header("X-Request-ID").value_or(""));
  const std::string words = again["middlewares"][0].value("detail", "");
  EXPECT_NE(words.find("attempt 1 answered 503, sent again"), std::string::npos) << words;
  EXPECT_NE(words.find("attempt 2 answered 503, sent again"), std::string::npos) << words;
  EXPECT_EQ(words.find("attempt 3"), std::string::npos) << words;
}

// With buffering before it, retry covers a request with a body: the body is held, not gone.
TEST_F(Delivery, RetryCoversARequestWithABodyWhenBufferingHoldsIt) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_with_admin(
      "[middlewares.hold.buffering]\n[middlewares.again.retry]\nattempts = 3\n"
      "initialInterval = \"10ms\"\n" +
      route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"hold\", \"again\"]")));
  upstream.close_unanswered(1);
  auto r = http({"-X", "POST", "--data-binary", "order=7", url("/orders")});
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  auto requests = upstream.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].body, "order=7");
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
