// Issue 15 section 5: a framing probe. Transfer-Encoding mutated with every control byte and a
// sample of non-ASCII bytes at six places, sent CL.TE and TE.CL, plus RFC 9112 request-line,
// field and chunk edge cases. Every case must get a 4xx from bridge, or reach the upstream as
// exactly one cleanly framed request with an acceptable body and get its response; no case may
// hang, and no smuggled request may ever reach the upstream.
//
// One bridge and one recording upstream serve the whole suite; cases run eight at a time, each
// on a fresh connection, tagged with X-Case so the upstream's records can be told apart.
#include "security_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <mutex>

namespace bridge::test {
namespace {

struct Case {
  std::string name;
  std::string bytes;                // the whole request, X-Case included
  std::vector<std::string> bodies;  // bodies the upstream may get when bridge forwards; empty:
                                    // bridge must refuse (4xx)
};

constexpr auto case_timeout = 3s;
const std::string smuggled_path = "/smuggled";
const std::string smuggled = "GET " + smuggled_path + " HTTP/1.1\r\nHost: x\r\n\r\n";

std::string hex(unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", value);
  return buf;
}

std::string byte_name(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

// What one case observed.
struct Outcome {
  std::string failure;  // empty: the case passed
};

class FramingProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = std::make_unique<RecordingUpstream>("probe");
    bridge_ = std::make_unique<BridgeUp>();
    port_ = free_port();
    // A small body limit: a chunk size that parses as huge is refused instead of awaited.
    bridge_->write_config("version = 1\n[bridge]\nadmin = \"off\"\naccess_log = \"off\"\n"
                          "workers = 2\n[limits]\nmax_body_bytes = \"1MiB\"\n"
                          "header_timeout = \"2s\"\n\n[[listeners]]\nname = \"web\"\n"
                          "bind = \"127.0.0.1:" +
                          std::to_string(port_) + "\"\n\n" +
                          route("all", "PathPrefix(`/`)", upstream_->url()));
    started_ = bridge_->start(port_);
  }
  static void TearDownTestSuite() {
    bridge_.reset();
    upstream_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(started_) << "bridge up did not start\n" << bridge_->output();
  }

  // Runs every case, eight at a time; one test failure per failing case, then checks that no
  // smuggled request and no unparsable bytes reached the upstream.
  void probe(const std::vector<Case>& cases) {
    auto t0 = Clock::now();
    upstream_->clear();
    std::vector<Outcome> outcomes(cases.size());
    std::vector<int> statuses(cases.size(), 0);
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < cases.size(); i = next++) {
          outcomes[i] = run_case(i, cases[i], statuses[i]);
        }
      });
    }
    for (auto& t : threads) t.join();

    size_t failed = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      if (outcomes[i].failure.empty()) continue;
      ++failed;
      ADD_FAILURE() << "case " << i << " " << cases[i].name << ": " << outcomes[i].failure
                    << "\n  sent: " << printable(cases[i].bytes);
    }
    for (const auto& r : upstream_->requests()) {
      if (r.target.find(smuggled_path) != std::string::npos) {
        ADD_FAILURE() << "a smuggled request reached the upstream: " << r.method << " " << r.target
                      << " (connection " << r.connection << ")";
      }
      if (!r.error.empty()) {
        size_t i = case_of(r);
        bool refused = i < cases.size() && statuses[i] >= 400 && statuses[i] < 500;
        bool truncated = r.error.find("partial") != std::string::npos ||
                         r.error.find("end of stream") != std::string::npos;
        if (refused && truncated) continue;  // bridge refused mid-body and dropped the upstream
        ADD_FAILURE() << "the upstream could not parse what bridge sent (" << r.error
                      << ") for case " << (i < cases.size() ? cases[i].name : "?") << " target "
                      << printable(r.target);
      }
    }
    double took = seconds_since(t0);
    std::printf("[ probe    ] %zu cases, %zu failed, %.1f s\n", cases.size(), failed, took);
    EXPECT_LT(took, 30.0);
    EXPECT_TRUE(bridge_->process().running()) << bridge_->output();
  }

 private:
  // The case index from an upstream record's X-Case (leading digits; a fold may append text).
  static size_t case_of(const RecordedRequest& r) {
    auto tag = r.header("X-Case");
    if (!tag || tag->empty() || !std::isdigit(static_cast<unsigned char>((*tag)[0])))
      return SIZE_MAX;
    return std::strtoul(tag->c_str(), nullptr, 10);
  }

  static std::vector<RecordedRequest> records_of(size_t index) {
    std::vector<RecordedRequest> out;
    for (auto& r : upstream_->requests()) {
      if (case_of(r) == index) out.push_back(std::move(r));
    }
    return out;
  }

  static Outcome run_case(size_t index, const Case& c, int& status) {
    std::string bytes = c.bytes;
    // Each case carries its tag where the request template put "{case}".
    for (size_t pos; (pos = bytes.find("{case}")) != std::string::npos;)
      bytes.replace(pos, 6, std::to_string(index));
    std::optional<HttpResponse> r;
    std::string error;
    try {
      RawClient client(port_);
      client.send(bytes);
      r = client.read_response(case_timeout);
      if (!r) error = client.last_error();
    } catch (const std::exception& e) {
      return {std::string("connect failed: ") + e.what()};
    }
    if (!r) {
      return {error == "timeout" ? "no answer within 3 s (hang)"
                                 : "connection ended without an answer (" + error + ")"};
    }
    status = r->status;
    auto seen = records_of(index);
    if (r->status >= 400 && r->status < 500) return {};
    std::string observed = "status " + std::to_string(r->status) + " body " +
                           printable(r->body, 160) + "; upstream saw " +
                           std::to_string(seen.size()) + " request(s)";
    if (c.bodies.empty()) return {"expected a 4xx, got " + observed};
    if (r->status != 200 || r->body != "upstream probe\n")
      return {"not a 4xx nor the upstream's "
              "answer: " +
              observed};
    if (seen.size() != 1) return {"forwarded, but " + observed};
    const RecordedRequest& got = seen.front();
    if (!got.error.empty()) return {"forwarded unparsable bytes: " + got.error};
    if (std::find(c.bodies.begin(), c.bodies.end(), got.body) == c.bodies.end()) {
      return {"forwarded with body \"" + printable(got.body, 120) + "\" (expected a 4xx or " +
              printable(c.bodies.front(), 120) + ")"};
    }
    if (got.header("Transfer-Encoding") && got.header("Content-Length")) {
      return {"forwarded with both Transfer-Encoding and Content-Length"};
    }
    return {};
  }

  static inline std::unique_ptr<RecordingUpstream> upstream_;
  static inline std::unique_ptr<BridgeUp> bridge_;
  static inline uint16_t port_ = 0;
  static inline bool started_ = false;
};

// ---- Transfer-Encoding mutations ------------------------------------------------------------

std::vector<unsigned char> probe_bytes() {
  std::vector<unsigned char> out;
  for (unsigned b = 0; b <= 0x1f; ++b) out.push_back(static_cast<unsigned char>(b));
  for (unsigned b : {0x7fu, 0x80u, 0x96u, 0xa0u, 0xc3u, 0xffu})
    out.push_back(static_cast<unsigned char>(b));
  return out;
}

// "Transfer-Encoding: chunked" with `b` inserted at `where`.
std::vector<std::pair<std::string, std::string>> mutations(unsigned char b) {
  std::string x(1, static_cast<char>(b));
  return {
      {"before-name", x + "Transfer-Encoding: chunked"},
      {"inside-name", "Transfer-" + x + "Encoding: chunked"},
      {"after-name", "Transfer-Encoding" + x + ": chunked"},
      {"before-value", "Transfer-Encoding: " + x + "chunked"},
      {"inside-value", "Transfer-Encoding: chu" + x + "nked"},
      {"after-value", "Transfer-Encoding: chunked" + x},
  };
}

TEST_F(FramingProbe, TransferEncodingMutationsClTeAndTeCl) {
  const std::string head = "POST /probe HTTP/1.1\r\nHost: a\r\nX-Case: {case}\r\n";
  // CL.TE: Content-Length covers the whole body; read as chunked it ends at "0\r\n\r\n" and the
  // rest is a second request.
  const std::string cl_te_body = "0\r\n\r\n" + smuggled;
  // TE.CL: read as chunked the body is one chunk holding a request; by Content-Length it is
  // the chunk-size line only and that request follows.
  const std::string te_cl_body =
      hex(static_cast<unsigned>(smuggled.size())) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
  const std::string te_cl_length = std::to_string(te_cl_body.find('\n') + 1);
  std::vector<Case> cases;
  for (unsigned char b : probe_bytes()) {
    for (const auto& [where, line] : mutations(b)) {
      cases.push_back({"CL.TE " + byte_name(b) + " " + where,
                       head + "Content-Length: " + std::to_string(cl_te_body.size()) + "\r\n" +
                           line + "\r\n\r\n" + cl_te_body,
                       {cl_te_body}});
      cases.push_back(
          {"TE.CL " + byte_name(b) + " " + where,
           head + line + "\r\nContent-Length: " + te_cl_length + "\r\n\r\n" + te_cl_body,
           {te_cl_body.substr(0, te_cl_body.find('\n') + 1)}});
    }
  }
  probe(cases);
}

// ---- request line ---------------------------------------------------------------------------

const std::string tag = "Host: a\r\nX-Case: {case}\r\n";

TEST_F(FramingProbe, RequestLine) {
  std::vector<Case> cases = {
      {"valid GET (control)", "GET / HTTP/1.1\r\n" + tag + "\r\n", {""}},
      {"two spaces after method", "GET  / HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"two spaces before version", "GET /  HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"trailing space", "GET / HTTP/1.1 \r\n" + tag + "\r\n", {}},
      {"tab separator", "GET\t/ HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"space in target", "GET /a b HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"DEL in target", "GET /a\x7f HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"NUL in method", std::string("G\0ET / HTTP/1.1\r\n", 17) + tag + "\r\n", {}},
      {"NUL in target", std::string("GET /\0 HTTP/1.1\r\n", 17) + tag + "\r\n", {}},
      {"bare CR in target", "GET /a\rb HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"HTTP/0.9 style", "GET /\r\n\r\n", {}},
      {"missing target", "GET HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"version HTTP/1.10", "GET / HTTP/1.10\r\n" + tag + "\r\n", {}},
      {"version http/1.1 lowercase", "GET / http/1.1\r\n" + tag + "\r\n", {}},
      {"version HTTP/1.1x", "GET / HTTP/1.1x\r\n" + tag + "\r\n", {}},
      {"version HTTP/11", "GET / HTTP/11\r\n" + tag + "\r\n", {}},
      {"method with colon", "GE:T / HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"leading CRLF", "\r\nGET / HTTP/1.1\r\n" + tag + "\r\n", {""}},
      {"LF-only line endings", "GET / HTTP/1.1\nHost: a\nX-Case: {case}\n\n", {""}},
      {"LF-only request line", "GET / HTTP/1.1\n" + tag + "\r\n", {""}},
      {"bare CR line ending", "GET / HTTP/1.1\r" + tag + "\r\n", {}},
      {"lowercase method", "get / HTTP/1.1\r\n" + tag + "\r\n", {""}},
      {"absolute-form", "GET http://a/x HTTP/1.1\r\n" + tag + "\r\n", {""}},
      {"asterisk-form with GET", "GET * HTTP/1.1\r\n" + tag + "\r\n", {""}},
      {"target without slash", "GET x HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"non-ASCII target", "GET /\xff HTTP/1.1\r\n" + tag + "\r\n", {}},
      {"fragment in target", "GET /a#b HTTP/1.1\r\n" + tag + "\r\n", {}},
  };
  probe(cases);
}

// ---- header fields --------------------------------------------------------------------------

std::string post(const std::string& fields, const std::string& body) {
  return "POST /probe HTTP/1.1\r\nHost: a\r\nX-Case: {case}\r\n" + fields + "\r\n" + body;
}

TEST_F(FramingProbe, HeaderFields) {
  std::vector<Case> cases = {
      {"valid Content-Length (control)", post("Content-Length: 5\r\n", "hello"), {"hello"}},
      {"space before colon", post("Content-Length : 5\r\n", "hello"), {}},
      {"tab before colon", post("Content-Length\t: 5\r\n", "hello"), {}},
      {"space before colon, other field", post("X-A : b\r\nContent-Length: 5\r\n", "hello"), {}},
      {"no space after colon", post("Content-Length:5\r\n", "hello"), {"hello"}},
      {"trailing space in value", post("Content-Length: 5 \r\n", "hello"), {"hello"}},
      {"two differing Content-Length",
       post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"),
       {}},
      {"Content-Length list 5, 6", post("Content-Length: 5, 6\r\n", "hello!"), {}},
      {"Content-Length list 5, 5", post("Content-Length: 5, 5\r\n", "hello"), {"hello"}},
      {"two equal Content-Length",
       post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
       {"hello"}},
      {"Content-Length +5", post("Content-Length: +5\r\n", "hello"), {}},
      {"Content-Length -1", post("Content-Length: -1\r\n", "hello"), {}},
      {"Content-Length 0x5", post("Content-Length: 0x5\r\n", "hello"), {}},
      {"Content-Length 5.0", post("Content-Length: 5.0\r\n", "hello"), {}},
      {"Content-Length empty", post("Content-Length: \r\n", "hello"), {}},
      {"Content-Length overflow", post("Content-Length: 99999999999999999999999\r\n", "hello"), {}},
      {"Content-Length 2^64", post("Content-Length: 18446744073709551616\r\n", "hello"), {}},
      {"obs-fold", post("X-A: a\r\n b\r\nContent-Length: 5\r\n", "hello"), {}},
      {"obs-fold with tab", post("X-A: a\r\n\tb\r\nContent-Length: 5\r\n", "hello"), {}},
      {"folded Content-Length", post("Content-Length: 5\r\n 6\r\n", "hello"), {}},
      {"empty field name", post(": x\r\nContent-Length: 5\r\n", "hello"), {}},
      {"line without colon", post("NoColon\r\nContent-Length: 5\r\n", "hello"), {}},
      {"space in name", post("X A: b\r\nContent-Length: 5\r\n", "hello"), {}},
      {"bare CR in value", post("X-A: a\rb\r\nContent-Length: 5\r\n", "hello"), {}},
      {"NUL in value",
       post(std::string("X-A: a\0b\r\n", 10) + "Content-Length: 5\r\n", "hello"),
       {}},
      {"bare LF in value", post("X-A: a\nb\r\nContent-Length: 5\r\n", "hello"), {}},
      {"LF-only field lines", post("Content-Length: 5\n", "hello"), {"hello"}},
      {"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Case: {case}\r\n\r\n", {}},
      {"no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-Case: {case}\r\n\r\n", {}},
      {"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\nX-Case: {case}\r\n\r\n", {}},
      {"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\nX-Case: {case}\r\n\r\n", {}},
      {"Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\nX-Case: {case}\r\n\r\n", {}},
      {"Transfer-Encoding twice",
       post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "5\r\nhello\r\n0\r\n\r\n"),
       {"hello"}},
      {"Transfer-Encoding chunked, chunked",
       post("Transfer-Encoding: chunked, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
       {}},
      {"Transfer-Encoding identity", post("Transfer-Encoding: identity\r\n", "hello"), {}},
      {"Transfer-Encoding gzip only", post("Transfer-Encoding: gzip\r\n", "hello"), {}},
      {"Transfer-Encoding chunked, gzip",
       post("Transfer-Encoding: chunked, gzip\r\n", "5\r\nhello\r\n0\r\n\r\n"),
       {}},
      {"Transfer-Encoding gzip, chunked",
       post("Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
       {"hello"}},
      {"Transfer-Encoding CHUNKED",
       post("Transfer-Encoding: CHUNKED\r\n", "5\r\nhello\r\n0\r\n\r\n"),
       {"hello"}},
      {"Transfer-Encoding empty",
       post("Transfer-Encoding: \r\nContent-Length: 5\r\n", "hello"),
       {}},
      {"Transfer-Encoding in HTTP/1.0",
       "POST /probe HTTP/1.0\r\nHost: a\r\nX-Case: {case}\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n0\r\n\r\n",
       {"hello"}},
      {"Transfer-Encoding list over two fields",
       post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
       {"hello"}},
      {"Transfer_Encoding underscore",
       post("Transfer_Encoding: chunked\r\nContent-Length: 5\r\n", "hello"),
       {}},
      {"Content_Length underscore", post("Content_Length: 5\r\n", "hello"), {}},
  };
  probe(cases);
}

// ---- chunked bodies -------------------------------------------------------------------------

std::string chunked(const std::string& body) {
  return post("Transfer-Encoding: chunked\r\n", body);
}

TEST_F(FramingProbe, ChunkedBodies) {
  std::vector<Case> cases = {
      {"valid (control)", chunked("5\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"two chunks", chunked("2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"), {"hello"}},
      {"uppercase hex", chunked("A\r\nhellohello\r\n0\r\n\r\n"), {"hellohello"}},
      {"extension", chunked("5;ext=1\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"quoted extension", chunked("5;ext=\"a b\"\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"extension on last chunk", chunked("5\r\nhello\r\n0;done\r\n\r\n"), {"hello"}},
      {"BWS before extension", chunked("5 ;ext\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"bare semicolon", chunked("5;\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"extension with CR", chunked("5;a\rb\r\nhello\r\n0\r\n\r\n"), {}},
      {"extension with LF", chunked("5;a\nb\r\nhello\r\n0\r\n\r\n"), {}},
      {"leading zeros", chunked("0000000000000000000005\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"size not hex", chunked("g\r\nhello\r\n0\r\n\r\n"), {}},
      {"negative size", chunked("-5\r\nhello\r\n0\r\n\r\n"), {}},
      {"plus sign", chunked("+5\r\nhello\r\n0\r\n\r\n"), {}},
      {"0x prefix", chunked("0x5\r\nhello\r\n0\r\n\r\n"), {}},
      {"space before size", chunked(" 5\r\nhello\r\n0\r\n\r\n"), {}},
      {"space after size", chunked("5 \r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"tab after size", chunked("5\t\r\nhello\r\n0\r\n\r\n"), {"hello"}},
      {"empty size line", chunked("\r\nhello\r\n0\r\n\r\n"), {}},
      {"NUL after size", chunked(std::string("5\0\r\nhello\r\n0\r\n\r\n", 16)), {}},
      {"size overflow 17 digits", chunked("10000000000000005\r\nhello\r\n0\r\n\r\n"), {}},
      {"size overflow 18 f", chunked("ffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), {}},
      {"size 2^64-1", chunked("ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), {}},
      {"size over the body limit", chunked("fffffff\r\nhello\r\n0\r\n\r\n"), {}},
      {"data longer than size", chunked("3\r\nhello\r\n0\r\n\r\n"), {}},
      {"data shorter than size", chunked("6\r\nhello\r\n0\r\n\r\n"), {}},
      {"missing CRLF after data", chunked("5\r\nhello0\r\n\r\n"), {}},
      {"junk instead of CRLF after data", chunked("5\r\nhelloXY0\r\n\r\n"), {}},
      {"LF only after data", chunked("5\r\nhello\n0\r\n\r\n"), {"hello"}},
      {"CR only after data", chunked("5\r\nhello\r0\r\n\r\n"), {}},
      {"LF-only chunk lines", chunked("5\nhello\n0\n\n"), {"hello"}},
      {"bare LFs after last chunk", chunked("1\r\nZ\r\n0\n\n"), {"Z"}},
      {"bare CR in size line", chunked("5\rhello\r\n0\r\n\r\n"), {}},
      {"trailer field", chunked("5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"), {"hello"}},
      {"trailer with space in name", chunked("5\r\nhello\r\n0\r\nX T: 1\r\n\r\n"), {"hello"}},
      {"trailer without colon", chunked("5\r\nhello\r\n0\r\nNoColon\r\n\r\n"), {}},
      // RFC 9112 5.2: reject obs-fold or replace it with spaces; either way one clean request.
      {"trailer obs-fold", chunked("5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n"), {"hello"}},
      {"trailer Content-Length",
       chunked("5\r\nhello\r\n0\r\nContent-Length: 99\r\n\r\n"),
       {"hello"}},
      {"trailer Transfer-Encoding",
       chunked("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"),
       {"hello"}},
  };
  probe(cases);
}

}  // namespace
}  // namespace bridge::test
