#include "http/h1.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bridge::http::h1 {
namespace {

using namespace std::string_literals;

// ---- helpers ----------------------------------------------------------------------------------

RequestHead request(std::string_view bytes) {
  RequestHead head;
  EXPECT_EQ(parse_request_head(bytes, head), "") << bytes;
  return head;
}

std::string request_error(std::string_view bytes) {
  RequestHead head;
  return parse_request_head(bytes, head);
}

ResponseHead response(std::string_view bytes) {
  ResponseHead head;
  EXPECT_EQ(parse_response_head(bytes, head), "") << bytes;
  return head;
}

std::string response_error(std::string_view bytes) {
  ResponseHead head;
  return parse_response_head(bytes, head);
}

std::vector<std::pair<std::string, std::string>> fields_of(const Fields& fields) {
  std::vector<std::pair<std::string, std::string>> out;
  for (FieldRef f : fields) out.emplace_back(f.name, f.value);
  return out;
}

using FieldList = std::vector<std::pair<std::string, std::string>>;

struct Decoded {
  std::string body;
  size_t used = 0;
  bool done = false;
  std::string error;
};

// Feeds `in` as a reading caller would: `piece` more bytes whenever the decoder asks for more,
// through an output buffer of `out_size` bytes, until done, an error or the end of `in`.
Decoded decode_all(ChunkedDecoder& decoder, std::string_view in, size_t piece, size_t out_size) {
  Decoded result;
  std::vector<char> out(out_size);
  size_t available = std::min(piece, in.size());
  for (int rounds = 0;; ++rounds) {
    if (rounds > 1'000'000) {
      ADD_FAILURE() << "decoder makes no progress";
      return result;
    }
    auto step = decoder.decode(in.substr(result.used, available - result.used), out);
    EXPECT_LE(step.used, available - result.used);
    EXPECT_LE(step.produced, out.size());
    result.body.append(out.data(), step.produced);
    result.used += step.used;
    if (!step.error.empty()) {
      result.error = step.error;
      return result;
    }
    if (step.done) {
      result.done = true;
      return result;
    }
    if (step.used == 0 && step.produced == 0) {
      if (available == in.size()) return result;
      available = std::min(available + piece, in.size());
    }
  }
}

Decoded decode_all(std::string_view in, size_t piece = SIZE_MAX, size_t out_size = 4096) {
  ChunkedDecoder decoder;
  return decode_all(decoder, in, piece, out_size);
}

// ---- requests: accepted -----------------------------------------------------------------------

TEST(H1Request, GetWithSeveralFields) {
  auto head = request("GET /api/users?id=7 HTTP/1.1\r\n"
                      "Host: app.localhost:8080\r\n"
                      "User-Agent: curl/8.5.0\r\n"
                      "Accept: */*\r\n"
                      "Connection: keep-alive\r\n"
                      "\r\n");
  EXPECT_EQ(head.method_name, "GET");
  EXPECT_EQ(head.method, Method::Get);
  EXPECT_EQ(head.target, "/api/users?id=7");
  EXPECT_EQ(head.version, 11u);
  EXPECT_EQ(fields_of(head.fields), (FieldList{{"Host", "app.localhost:8080"},
                                               {"User-Agent", "curl/8.5.0"},
                                               {"Accept", "*/*"},
                                               {"Connection", "keep-alive"}}));
  EXPECT_EQ(head.fields.at(0).known, Field::Host);
  EXPECT_EQ(head.fields.at(1).known, Field::Other);
  EXPECT_EQ(head.fields.at(3).known, Field::Connection);
  EXPECT_FALSE(head.content_length);
  EXPECT_FALSE(head.chunked);
  EXPECT_EQ(request_framing(head).kind, BodyFraming::Kind::None);
}

TEST(H1Request, PostWithContentLength) {
  auto head = request("POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 13\r\n\r\n");
  EXPECT_EQ(head.method, Method::Post);
  EXPECT_EQ(head.content_length, 13u);
  EXPECT_FALSE(head.chunked);
  EXPECT_EQ(head.fields.get(Field::ContentLength), "13");
  auto framing = request_framing(head);
  EXPECT_EQ(framing.kind, BodyFraming::Kind::Length);
  EXPECT_EQ(framing.length, 13u);
}

TEST(H1Request, ContentLengthZeroIsNoBody) {
  auto head = request("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(head.content_length, 0u);
  EXPECT_EQ(request_framing(head).kind, BodyFraming::Kind::None);
}

TEST(H1Request, LargestContentLengthIsNineteenDigits) {
  auto head = request("POST / HTTP/1.1\r\nContent-Length: 9999999999999999999\r\n\r\n");
  EXPECT_EQ(head.content_length, 9999999999999999999u);
  EXPECT_EQ(request("POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n").content_length, 7u);
}

TEST(H1Request, ChunkedInAnyCase) {
  for (std::string_view value : {"chunked", "Chunked", "CHUNKED"}) {
    auto head =
        request("POST /upload HTTP/1.1\r\nTransfer-Encoding: "s + std::string(value) + "\r\n\r\n");
    EXPECT_TRUE(head.chunked) << value;
    EXPECT_FALSE(head.content_length);
    EXPECT_EQ(head.fields.at(0).known, Field::TransferEncoding);
    EXPECT_EQ(request_framing(head).kind, BodyFraming::Kind::Chunked);
  }
}

TEST(H1Request, Http10) {
  auto head = request("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
  EXPECT_EQ(head.version, 10u);
  EXPECT_EQ(head.target, "/");
}

TEST(H1Request, TargetForms) {
  EXPECT_EQ(request("GET http://example.com:80/a?b HTTP/1.1\r\n\r\n").target,
            "http://example.com:80/a?b");
  EXPECT_EQ(request("OPTIONS * HTTP/1.1\r\n\r\n").target, "*");
  auto connect = request("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  EXPECT_EQ(connect.method, Method::Connect);
  EXPECT_EQ(connect.target, "example.com:443");
  // Non-ASCII bytes pass here; the UTF-8 check reports them separately.
  EXPECT_EQ(request("GET /caf\xc3\xa9/\xff HTTP/1.1\r\n\r\n").target, "/caf\xc3\xa9/\xff");
}

TEST(H1Request, MethodIsAnyTokenCaseSensitive) {
  auto head = request("PURGE /cache HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head.method_name, "PURGE");
  EXPECT_EQ(head.method, Method::Other);
  EXPECT_EQ(request("get / HTTP/1.1\r\n\r\n").method, Method::Other);
}

TEST(H1Request, NoFieldsAtAll) {
  auto head = request("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(head.fields.empty());
}

TEST(H1Request, OptionalWhitespaceIsNotPartOfValues) {
  auto head = request("GET / HTTP/1.1\r\n"
                      "A:value\r\n"
                      "B: \t spaced out \t \r\n"
                      "C:\tinner\tTAB\r\n"
                      "\r\n");
  EXPECT_EQ(fields_of(head.fields),
            (FieldList{{"A", "value"}, {"B", "spaced out"}, {"C", "inner\tTAB"}}));
}

TEST(H1Request, EmptyValues) {
  auto head = request("GET / HTTP/1.1\r\nX-Empty:\r\nX-Blank:   \t\r\n\r\n");
  EXPECT_EQ(fields_of(head.fields), (FieldList{{"X-Empty", ""}, {"X-Blank", ""}}));
  EXPECT_TRUE(head.fields.has("x-empty"));
}

TEST(H1Request, ObsTextInValues) {
  auto head = request("GET / HTTP/1.1\r\nX-Name: Jos\xc3\xa9 \x80\xff\r\n\r\n");
  EXPECT_EQ(head.fields.get("X-Name"), "Jos\xc3\xa9 \x80\xff");
}

// Values are scanned eight bytes at a time: a TAB or a bad byte at every place in and around
// a word is found where it is, and a value that ends mid-word ends there.
TEST(H1Request, EveryPlaceInALongValueIsChecked) {
  for (size_t length = 1; length <= 26; ++length) {
    for (size_t at = 0; at < length; ++at) {
      std::string value(length, 'v');
      value[at] = '\t';
      std::string kept = value;
      while (!kept.empty() && kept.front() == '\t') kept.erase(0, 1);
      while (!kept.empty() && kept.back() == '\t') kept.pop_back();
      auto head = request("GET / HTTP/1.1\r\nX-Long: " + value + "\r\nHost: a\r\n\r\n");
      EXPECT_EQ(head.fields.get("X-Long"), kept) << length << " " << at;
      EXPECT_EQ(head.fields.get("Host"), "a");
      for (char bad : {'\0', '\x01', '\r', '\n', '\x1f', '\x7f'}) {
        value.assign(length, 'v');
        value[at] = bad;
        const std::string error = request_error("GET / HTTP/1.1\r\nX-Long: " + value + "\r\n\r\n");
        // A LF anywhere but after CR is reported as a bare LF, whatever else is wrong.
        EXPECT_EQ(error, bad == '\n' ? "bare LF line ending in the request head (CRLF required)"
                                     : "malformed request: bad field value")
            << length << " " << at << " " << int(bad);
      }
    }
  }
}

TEST(H1Request, RepeatedEqualContentLengthIsOne) {
  auto head = request("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_EQ(head.fields.count(Field::ContentLength), 2u);
}

TEST(H1Request, ManyFields) {
  std::string bytes = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 200; ++i) {
    bytes += "X-Field-" + std::to_string(i) + ": value " + std::to_string(i) + "\r\n";
  }
  bytes += "\r\n";
  auto head = request(bytes);
  ASSERT_EQ(head.fields.size(), 200u);
  EXPECT_EQ(head.fields.at(0).name, "X-Field-0");
  EXPECT_EQ(head.fields.at(199).name, "X-Field-199");
  EXPECT_EQ(head.fields.at(199).value, "value 199");
}

TEST(H1Request, AllTokenCharactersInNames) {
  auto head = request("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n");
  EXPECT_EQ(head.fields.at(0).name, "!#$%&'*+-.^_`|~09azAZ");
}

TEST(H1Request, ReusedHeadIsClearedFirst) {
  RequestHead head;
  ASSERT_EQ(parse_request_head("POST /a HTTP/1.0\r\nContent-Length: 3\r\nX: 1\r\n\r\n", head), "");
  ASSERT_EQ(parse_request_head("GET /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", head), "");
  EXPECT_EQ(head.method, Method::Get);
  EXPECT_EQ(head.target, "/b");
  EXPECT_EQ(head.version, 11u);
  EXPECT_FALSE(head.content_length);
  EXPECT_TRUE(head.chunked);
  EXPECT_EQ(fields_of(head.fields), (FieldList{{"Transfer-Encoding", "chunked"}}));
}

// ---- requests: refused ------------------------------------------------------------------------

struct Refusal {
  std::string bytes;
  std::string error;
};

void expect_request_refusals(const std::vector<Refusal>& cases) {
  for (const auto& c : cases) EXPECT_EQ(request_error(c.bytes), c.error) << c.bytes;
}

TEST(H1RequestRefused, SmugglingShapes) {
  const std::string te_cl = "Transfer-Encoding together with Content-Length";
  expect_request_refusals({
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", te_cl},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", te_cl},
      {"POST / HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", te_cl},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
       "unsupported Transfer-Encoding \"xchunked\" (only chunked is accepted)"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
       "malformed request: bad field name"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n",
       "malformed request: bad field name"},
      {"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", "malformed request: bad Content-Length"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       "malformed request: multiple different Content-Length values"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       "unsupported Transfer-Encoding \"chunked, chunked\" (only chunked is accepted)"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       "unsupported Transfer-Encoding \"gzip, chunked\" (only chunked is accepted)"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
       "unsupported Transfer-Encoding \"chunked, identity\" (only chunked is accepted)"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
       "unsupported Transfer-Encoding \"\"chunked\"\" (only chunked is accepted)"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n",
       "unsupported Transfer-Encoding \"\" (only chunked is accepted)"},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
       "Transfer-Encoding in an HTTP/1.0 request"},
  });
}

TEST(H1RequestRefused, UnsupportedTransferEncodingIsShownTruncated) {
  std::string value(100, 'g');
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: " + value + "\r\n\r\n"),
            "unsupported Transfer-Encoding \"" + value.substr(0, 64) +
                "\" (only chunked is accepted)");
}

TEST(H1RequestRefused, BadContentLength) {
  for (std::string_view value : {"-5", "0x5", "5 5", "5, 5", "5,5", "", "five", "5.0",
                                 "18446744073709551616", "00000000000000000001"}) {
    EXPECT_EQ(
        request_error("POST / HTTP/1.1\r\nContent-Length: "s + std::string(value) + "\r\n\r\n"),
        "malformed request: bad Content-Length")
        << value;
  }
}

TEST(H1RequestRefused, BareLfIsFoundFirst) {
  const std::string bare_lf = "bare LF line ending in the request head (CRLF required)";
  expect_request_refusals({
      {"GET / HTTP/1.1\nHost: a\n\n", bare_lf},
      {"GET / HTTP/1.1\r\nHost: a\n\r\n", bare_lf},
      {"GET / HTTP/1.1\r\nHost: a\r\n\n", bare_lf},
      {"\nGET / HTTP/1.1\r\n\r\n", bare_lf},
      // A prefix the caller hands over as soon as it sees the bare LF, before any CRLFCRLF.
      {"GET / HTTP/1.1\r\nHost: a\nX-Sm", bare_lf},
      {"GET / HTTP/1.1\n", bare_lf},
      // Other faults before it do not hide it.
      {"G(T / HTTP/1.1\r\nX: \x01\r\nY: a\n", bare_lf},
  });
}

TEST(H1RequestRefused, ObsoleteLineFolding) {
  expect_request_refusals({
      {"GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "obsolete line folding in a header"},
      {"GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", "obsolete line folding in a header"},
      {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", "obsolete line folding in a header"},
  });
}

TEST(H1RequestRefused, BadFieldValues) {
  const std::string bad = "malformed request: bad field value";
  expect_request_refusals({
      {"GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s, bad},
      {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX: a\r\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX: \x01\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX: a\x1b[31m\r\n\r\n", bad},
  });
}

TEST(H1RequestRefused, BadFieldNames) {
  const std::string bad = "malformed request: bad field name";
  expect_request_refusals({
      {"GET / HTTP/1.1\r\n: empty\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX Y: z\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX(: z\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nno colon\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nnocolon\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nX\0: z\r\n\r\n"s, bad},
      {"GET / HTTP/1.1\r\nX\r: z\r\n\r\n", bad},
      {"GET / HTTP/1.1\r\nJos\xc3\xa9: z\r\n\r\n", bad},
  });
}

TEST(H1RequestRefused, BadRequestLines) {
  const std::string method = "malformed request: bad method";
  const std::string target = "malformed request: bad target";
  const std::string version = "malformed request: bad version";
  expect_request_refusals({
      {"\r\n\r\n", method},
      {"\r\nGET / HTTP/1.1\r\n\r\n", method},
      {" GET / HTTP/1.1\r\n\r\n", method},
      {"G(T / HTTP/1.1\r\n\r\n", method},
      {"GET\t/ HTTP/1.1\r\n\r\n", method},
      {"GET\r\n\r\n", method},
      {"GET /a b HTTP/1.1\r\n\r\n", target},
      {"GET  / HTTP/1.1\r\n\r\n", target},
      {"GET  HTTP/1.1\r\n\r\n", target},
      {"GET /a\x01 HTTP/1.1\r\n\r\n", target},
      {"GET /a\x7f HTTP/1.1\r\n\r\n", target},
      {"GET /a\tb HTTP/1.1\r\n\r\n", target},
      {"GET /a\rb HTTP/1.1\r\n\r\n", target},
      {"GET /a\0b HTTP/1.1\r\n\r\n"s, target},
      {"GET / HTTP/1.1 \r\n\r\n", target},  // the last space ends the target
      {"GET /\r\n\r\n", version},
      {"GET / HTTP/1.2\r\n\r\n", version},
      {"GET / HTTP/2.0\r\n\r\n", version},
      {"GET / http/1.1\r\n\r\n", version},
      {"GET / HTTP/1.1x\r\n\r\n", version},
      {"GET / HTTP/1.1\r\r\n\r\n", version},
  });
}

TEST(H1RequestRefused, IncompleteOrOverlongHead) {
  expect_request_refusals({
      {"", "malformed request: incomplete head"},
      {"GET / HTTP/1.1", "malformed request: incomplete head"},
      {"GET / HTTP/1.1\r\nHost: a\r\n", "malformed request: incomplete head"},
      {"GET / HTTP/1.1\r\n\r\nGET", "malformed request: bytes after the empty line of the head"},
  });
}

// ---- responses --------------------------------------------------------------------------------

TEST(H1Response, StatusReasonAndFields) {
  auto head = response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(head.version, 11u);
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.reason, "OK");
  EXPECT_EQ(fields_of(head.fields),
            (FieldList{{"Content-Type", "text/plain"}, {"Content-Length", "5"}}));
  EXPECT_EQ(head.fields.at(0).known, Field::ContentType);
  EXPECT_EQ(head.content_length, 5u);
  auto framing = response_framing(head, false);
  EXPECT_EQ(framing.kind, BodyFraming::Kind::Length);
  EXPECT_EQ(framing.length, 5u);
}

TEST(H1Response, ReasonMayBeLongEmptyOrMissing) {
  auto long_reason = response("HTTP/1.0 404 Not Found Here\t\xc3\xa9\r\n\r\n");
  EXPECT_EQ(long_reason.version, 10u);
  EXPECT_EQ(long_reason.status, 404u);
  EXPECT_EQ(long_reason.reason, "Not Found Here\t\xc3\xa9");
  auto empty = response("HTTP/1.1 200 \r\n\r\n");
  EXPECT_EQ(empty.status, 200u);
  EXPECT_EQ(empty.reason, "");
  auto missing = response("HTTP/1.1 503\r\nRetry-After: 5\r\n\r\n");
  EXPECT_EQ(missing.status, 503u);
  EXPECT_EQ(missing.reason, "");
  EXPECT_EQ(missing.fields.get("retry-after"), "5");
  // Any three digits: the caller decides what a status below 100 means.
  EXPECT_EQ(response("HTTP/1.1 099 Odd\r\n\r\n").status, 99u);
}

TEST(H1Response, Chunked) {
  auto head = response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_TRUE(head.chunked);
  EXPECT_EQ(response_framing(head, false).kind, BodyFraming::Kind::Chunked);
}

TEST(H1Response, Framing) {
  using Kind = BodyFraming::Kind;
  struct Case {
    std::string head;
    bool head_request;
    Kind kind;
    uint64_t length;
  };
  const std::vector<Case> cases = {
      {"HTTP/1.1 200 OK\r\n\r\n", false, Kind::UntilClose, 0},
      {"HTTP/1.0 200 OK\r\n\r\n", false, Kind::UntilClose, 0},
      {"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", false, Kind::Length, 42},
      {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", true, Kind::None, 0},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, Kind::None, 0},
      {"HTTP/1.1 200 OK\r\n\r\n", true, Kind::None, 0},
      {"HTTP/1.1 204 No Content\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 100 Continue\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 103 Early Hints\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n", false, Kind::None, 0},
      {"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n", false, Kind::Chunked, 0},
  };
  for (const auto& c : cases) {
    auto framing = response_framing(response(c.head), c.head_request);
    EXPECT_EQ(framing.kind, c.kind) << c.head << " HEAD=" << c.head_request;
    EXPECT_EQ(framing.length, c.length) << c.head;
  }
}

TEST(H1ResponseRefused, StatusLines) {
  const std::string version = "malformed response: bad version";
  const std::string status = "malformed response: bad status";
  for (const auto& [bytes, error] : std::vector<Refusal>{
           {"\r\n\r\n", version},
           {"HTTP/1.2 200 OK\r\n\r\n", version},
           {"HTTP/2 200 OK\r\n\r\n", version},
           {"HTTP/1.10 200 OK\r\n\r\n", version},
           {"http/1.1 200 OK\r\n\r\n", version},
           {"HTTP/1.1\r\n\r\n", status},
           {"HTTP/1.1 \r\n\r\n", status},
           {"HTTP/1.1 20 OK\r\n\r\n", status},
           {"HTTP/1.1 2000 OK\r\n\r\n", status},
           {"HTTP/1.1 20x OK\r\n\r\n", status},
           {"HTTP/1.1  200 OK\r\n\r\n", status},
           {"HTTP/1.1 200\tOK\r\n\r\n", status},
           {"HTTP/1.1 200 O\x01K\r\n\r\n", "malformed response: bad reason phrase"},
           {"HTTP/1.1 200 OK\r\r\n\r\n", "malformed response: bad reason phrase"},
           {"HTTP/1.1 200 OK", "malformed response: incomplete head"},
       }) {
    EXPECT_EQ(response_error(bytes), error) << bytes;
  }
}

TEST(H1ResponseRefused, FieldsAndFraming) {
  for (const auto& [bytes, error] : std::vector<Refusal>{
           {"HTTP/1.1 200 OK\nContent-Length: 5\n\n",
            "bare LF line ending in the response head (CRLF required)"},
           {"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "obsolete line folding in the response head"},
           {"HTTP/1.1 200 OK\r\nX : a\r\n\r\n", "malformed response: bad field name"},
           {"HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n"s, "malformed response: bad field value"},
           {"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "malformed response: bad Content-Length"},
           {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "malformed response: multiple different Content-Length values"},
           {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "unsupported Transfer-Encoding \"gzip\" (only chunked is accepted)"},
           {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "unsupported Transfer-Encoding \"gzip, chunked\" (only chunked is accepted)"},
           {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
            "Transfer-Encoding together with Content-Length"},
           {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            "Transfer-Encoding in an HTTP/1.0 response"},
       }) {
    EXPECT_EQ(response_error(bytes), error) << bytes;
  }
}

// ---- chunked decoder: accepted ----------------------------------------------------------------

constexpr std::string_view two_chunks = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

TEST(ChunkedDecoder, WholeBodyAtOnce) {
  ChunkedDecoder decoder;
  char out[64];
  auto step = decoder.decode(two_chunks, out);
  EXPECT_EQ(step.error, "");
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.used, two_chunks.size());
  EXPECT_EQ(std::string_view(out, step.produced), "hello world");
  EXPECT_TRUE(decoder.done());
  EXPECT_TRUE(decoder.trailers().empty());
}

TEST(ChunkedDecoder, AnySplitAndAnyOutputSizeGiveTheSameBody) {
  const std::string body = "1a;ext=\"q\\\"x\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                           "3\r\n\r\n\r\r\n"
                           "0\r\nX-Sum: 42\r\n\r\n";
  for (size_t piece = 1; piece <= body.size(); ++piece) {
    for (size_t out_size : {1, 2, 3, 7, 64}) {
      ChunkedDecoder decoder;
      auto d = decode_all(decoder, body, piece, out_size);
      ASSERT_EQ(d.error, "") << piece << "/" << out_size;
      ASSERT_TRUE(d.done) << piece << "/" << out_size;
      EXPECT_EQ(d.used, body.size());
      EXPECT_EQ(d.body, "abcdefghijklmnopqrstuvwxyz\r\n\r");
      EXPECT_EQ(fields_of(decoder.trailers()), (FieldList{{"X-Sum", "42"}}));
    }
  }
}

TEST(ChunkedDecoder, ByteByByte) {
  ChunkedDecoder decoder;
  std::string body;
  char out[16];
  size_t i = 0;
  for (; i < two_chunks.size(); ++i) {
    auto step = decoder.decode(two_chunks.substr(i, 1), out);
    ASSERT_EQ(step.error, "");
    ASSERT_EQ(step.used, 1u) << i;
    body.append(out, step.produced);
    if (step.done) break;
  }
  EXPECT_EQ(i, two_chunks.size() - 1);
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(body, "hello world");
}

TEST(ChunkedDecoder, OutputSmallerThanAChunk) {
  ChunkedDecoder decoder;
  char out[4];
  std::string_view in = "a\r\n0123456789\r\n0\r\n\r\n";
  auto step = decoder.decode(in, out);
  EXPECT_EQ(step.used, 7u);  // the size line and four data bytes
  EXPECT_EQ(std::string_view(out, step.produced), "0123");
  in.remove_prefix(step.used);
  step = decoder.decode(in, out);
  EXPECT_EQ(std::string_view(out, step.produced), "4567");
  in.remove_prefix(step.used);
  step = decoder.decode(in, out);
  EXPECT_EQ(std::string_view(out, step.produced), "89");
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.used, in.size());
}

TEST(ChunkedDecoder, EmptyOutputStillReadsFraming) {
  ChunkedDecoder decoder;
  auto step = decoder.decode("5\r\nhello", {});
  EXPECT_EQ(step.used, 3u);  // the size line; no room for data
  EXPECT_EQ(step.produced, 0u);
  step = decoder.decode("hello", {});
  EXPECT_EQ(step.used, 0u);
  EXPECT_EQ(step.produced, 0u);
  EXPECT_FALSE(step.done);
  EXPECT_EQ(step.error, "");
}

TEST(ChunkedDecoder, EmptyInputNeedsMore) {
  ChunkedDecoder decoder;
  char out[8];
  auto step = decoder.decode("", out);
  EXPECT_EQ(step.used, 0u);
  EXPECT_EQ(step.produced, 0u);
  EXPECT_FALSE(step.done);
  EXPECT_EQ(step.error, "");
}

TEST(ChunkedDecoder, HexSizesAndExtensions) {
  for (std::string_view in : {
           "a\r\n0123456789\r\n0\r\n\r\n",
           "A\r\n0123456789\r\n0\r\n\r\n",
           "000A\r\n0123456789\r\n0\r\n\r\n",
           "000000000000000A\r\n0123456789\r\n0000000000000000\r\n\r\n",
           "a;name\r\n0123456789\r\n0;last\r\n\r\n",
           "a;name=value;flag;x=\"quoted ; \\\" string\"\r\n0123456789\r\n0\r\n\r\n",
           "a ;name\r\n0123456789\r\n0\t; n = v\r\n\r\n",
           "a;n=\"\"\r\n0123456789\r\n0;n=\"\xc3\xa9\"\r\n\r\n",
       }) {
    auto d = decode_all(in);
    EXPECT_EQ(d.error, "") << in;
    EXPECT_TRUE(d.done) << in;
    EXPECT_EQ(d.body, "0123456789") << in;
    EXPECT_EQ(d.used, in.size());
  }
}

TEST(ChunkedDecoder, LargestSizeLineIsAccepted) {
  std::string in = "1;n=" + std::string(ChunkedDecoder::max_line - 4, 'v') + "\r\nx\r\n0\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{100}, in.size()}) {
    auto d = decode_all(in, piece);
    EXPECT_EQ(d.error, "");
    EXPECT_EQ(d.body, "x");
  }
}

TEST(ChunkedDecoder, Trailers) {
  ChunkedDecoder decoder;
  std::string_view in = "3\r\nabc\r\n0\r\nX-Checksum: sha256=abc\r\nX-Empty:\r\nServer-Timing: "
                        "db;dur=53 \r\n\r\n";
  auto d = decode_all(decoder, in, 5, 2);
  EXPECT_EQ(d.error, "");
  EXPECT_TRUE(d.done);
  EXPECT_EQ(d.body, "abc");
  EXPECT_EQ(
      fields_of(decoder.trailers()),
      (FieldList{{"X-Checksum", "sha256=abc"}, {"X-Empty", ""}, {"Server-Timing", "db;dur=53"}}));
}

TEST(ChunkedDecoder, PipelinedBytesAreLeftUnused) {
  ChunkedDecoder decoder;
  std::string in = std::string(two_chunks) + "GET /next HTTP/1.1\r\n\r\n";
  char out[64];
  auto step = decoder.decode(in, out);
  EXPECT_TRUE(step.done);
  EXPECT_EQ(step.used, two_chunks.size());
  // Done is stable: nothing more is read.
  auto again = decoder.decode(std::string_view(in).substr(step.used), out);
  EXPECT_TRUE(again.done);
  EXPECT_EQ(again.used, 0u);
  EXPECT_EQ(again.produced, 0u);
  EXPECT_EQ(again.error, "");
}

TEST(ChunkedDecoder, ResetReadsAnotherBody) {
  ChunkedDecoder decoder;
  auto first = decode_all(decoder, "2\r\nab\r\n0\r\nX: 1\r\n\r\n", 3, 8);
  ASSERT_TRUE(first.done);
  ASSERT_EQ(decoder.trailers().size(), 1u);
  decoder.reset();
  EXPECT_FALSE(decoder.done());
  EXPECT_TRUE(decoder.trailers().empty());
  auto second = decode_all(decoder, "1\r\nz\r\n0\r\n\r\n", 64, 8);
  EXPECT_TRUE(second.done);
  EXPECT_EQ(second.body, "z");
  // Also after an error.
  decoder.reset();
  ASSERT_NE(decode_all(decoder, "x\r\n", 64, 8).error, "");
  decoder.reset();
  EXPECT_EQ(decode_all(decoder, "1\r\nq\r\n0\r\n\r\n", 64, 8).body, "q");
}

// ---- chunked decoder: refused -----------------------------------------------------------------

struct ChunkedRefusal {
  std::string in;
  std::string error;
};

// The same error whether the bytes come at once, in threes or one by one.
void expect_chunked_refusals(const std::vector<ChunkedRefusal>& cases) {
  for (const auto& c : cases) {
    for (size_t piece : {SIZE_MAX, size_t{3}, size_t{1}}) {
      auto d = decode_all(c.in, piece, 2);
      EXPECT_EQ(d.error, c.error) << "piece " << piece << ": " << c.in;
      EXPECT_FALSE(d.done) << c.in;
    }
  }
}

TEST(ChunkedDecoderRefused, ChunkSizes) {
  const std::string bad = "invalid chunk size";
  expect_chunked_refusals({
      {"\r\n", bad},
      {"x\r\n", bad},
      {"-5\r\nhello\r\n0\r\n\r\n", bad},
      {"+5\r\nhello\r\n0\r\n\r\n", bad},
      {" 5\r\nhello\r\n0\r\n\r\n", bad},
      {"0x5\r\nhello\r\n0\r\n\r\n", bad},
      {"5\rhello\r\n0\r\n\r\n", bad},
      {"5\r\r\nhello\r\n0\r\n\r\n", bad},
      {"5\0\r\nhello\r\n0\r\n\r\n"s, bad},
      {"00000000000000005\r\nhello\r\n", bad},  // 17 digits
      {"5\r\nhello\r\nz\r\n", bad},
  });
}

TEST(ChunkedDecoderRefused, Extensions) {
  const std::string bad = "invalid chunk extension";
  expect_chunked_refusals({
      {"5 \r\nhello\r\n0\r\n\r\n", bad},
      {"5;\r\nhello\r\n0\r\n\r\n", bad},
      {"5;=v\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a b\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=b \r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=\"open\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=\"x\\\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", bad},
      {"5;a\rb\r\nhello\r\n0\r\n\r\n", bad},
  });
}

TEST(ChunkedDecoderRefused, LongSizeLine) {
  expect_chunked_refusals({
      {"1;n=" + std::string(ChunkedDecoder::max_line - 3, 'v') + "\r\nx\r\n0\r\n\r\n",
       "chunk size line too long"},
      {"1;n=" + std::string(ChunkedDecoder::max_line * 2, 'v'), "chunk size line too long"},
  });
}

TEST(ChunkedDecoderRefused, BareLf) {
  const std::string bare = "bare LF in chunked body";
  expect_chunked_refusals({
      {"5\nhello\r\n0\r\n\r\n", bare},
      {"5;a=b\nhello\r\n0\r\n\r\n", bare},
      {"\n", bare},
      {"5\r\nhello\n0\r\n\r\n", bare},
      {"5\r\nhello\r\n0\n\n", bare},
      {"5\r\nhello\r\n0\r\nX: a\n\r\n", bare},
      {"5\r\nhello\r\n0\r\n\n", bare},
  });
}

TEST(ChunkedDecoderRefused, BareLfIsReportedWithoutWaiting) {
  ChunkedDecoder decoder;
  char out[8];
  auto step = decoder.decode("5\n", out);
  EXPECT_EQ(step.error, "bare LF in chunked body");
}

TEST(ChunkedDecoderRefused, DataNotFollowedByCrlf) {
  const std::string missing = "missing CRLF after chunk data";
  expect_chunked_refusals({
      {"5\r\nhelloX\r\n0\r\n\r\n", missing},
      {"5\r\nhello\rX\n0\r\n\r\n", missing},
      {"5\r\nhello\r\r\n0\r\n\r\n", missing},
      {"3\r\nhello\r\n0\r\n\r\n", missing},
  });
}

TEST(ChunkedDecoderRefused, Trailers) {
  expect_chunked_refusals({
      {"0\r\nX: a\r\n b\r\n\r\n", "obsolete line folding in a trailer"},
      {"0\r\n\tX: a\r\n\r\n", "obsolete line folding in a trailer"},
      {"0\r\nX : a\r\n\r\n", "bad trailer field"},
      {"0\r\n: a\r\n\r\n", "bad trailer field"},
      {"0\r\nno colon\r\n\r\n", "bad trailer field"},
      {"0\r\nX: a\x01\r\n\r\n", "bad trailer field"},
      {"0\r\nX: a\0b\r\n\r\n"s, "bad trailer field"},
      {"0\r\nX: a\rb\r\n\r\n", "bad trailer field"},
  });
}

TEST(ChunkedDecoderRefused, TrailersTooLarge) {
  std::string many = "0\r\n";
  while (many.size() < ChunkedDecoder::max_trailers + 100)
    many += "X-Pad: " + std::string(90, 'p') + "\r\n";
  many += "\r\n";
  std::string one_long = "0\r\nX: " + std::string(ChunkedDecoder::max_trailers, 'v');
  expect_chunked_refusals({
      {many, "trailers too large"},
      {one_long, "trailers too large"},
  });
}

TEST(ChunkedDecoderRefused, ErrorsAreSticky) {
  ChunkedDecoder decoder;
  char out[8];
  auto step = decoder.decode("zz\r\n", out);
  EXPECT_EQ(step.error, "invalid chunk size");
  for (std::string_view more : {"", "0\r\n\r\n", "5\r\nhello\r\n"}) {
    auto again = decoder.decode(more, out);
    EXPECT_EQ(again.error, "invalid chunk size");
    EXPECT_EQ(again.used, 0u);
    EXPECT_EQ(again.produced, 0u);
    EXPECT_FALSE(again.done);
  }
  EXPECT_FALSE(decoder.done());
}

}  // namespace
}  // namespace bridge::http::h1
