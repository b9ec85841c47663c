// OTLP/HTTP JSON span export (trace.otlp_endpoint) against a receiver inside the test: one SERVER
// span per request that continues the trace bridge forwarded upstream, well-formed OTLP JSON,
// secrets redacted in every copy bridge keeps or sends (spans, records, CLI, logs) but not on
// the wire, and a collector that is down or failing never touches traffic.
#include "trace_fixture.hpp"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <regex>

namespace bridge::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// A test OTLP/HTTP collector on 127.0.0.1:0: records every POST (path, Content-Type, body) and
/// answers `answer` with `{}`. Runs its own io_context on one thread.
class OtlpReceiver {
 public:
  struct Post {
    std::string path;
    std::string content_type;
    std::string body;
  };

  explicit OtlpReceiver(http::status answer = http::status::ok)
      : answer_(answer), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io_, accept_loop(this), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~OtlpReceiver() {
    io_.stop();
    thread_.join();
  }
  OtlpReceiver(const OtlpReceiver&) = delete;
  OtlpReceiver& operator=(const OtlpReceiver&) = delete;

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  /// What trace.otlp_endpoint is set to (bridge adds /v1/traces).
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

  std::vector<Post> posts() const {
    std::lock_guard lock(mutex_);
    return posts_;
  }

 private:
  static asio::awaitable<void> accept_loop(OtlpReceiver* self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor_.async_accept(nothrow);
      if (ec) co_return;
      asio::co_spawn(self->io_, serve(std::move(socket), self), asio::detached);
    }
  }

  static asio::awaitable<void> serve(tcp::socket socket, OtlpReceiver* self) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(socket, buffer, req, nothrow);
      if (ec) co_return;
      if (req.method() == http::verb::post) {
        std::lock_guard lock(self->mutex_);
        self->posts_.push_back(
            {std::string(req.target()), std::string(req[http::field::content_type]), req.body()});
      }
      http::response<http::string_body> res{self->answer_, 11};
      res.set(http::field::content_type, "application/json");
      res.keep_alive(req.keep_alive());
      res.body() = "{}";
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(socket, res, nothrow);
      if (wec || !req.keep_alive()) co_return;
    }
  }

  const http::status answer_;
  mutable std::mutex mutex_;
  std::vector<Post> posts_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// ---- OTLP JSON helpers ----------------------------------------------------------------------

bool is_hex(const std::string& s, size_t size) {
  return s.size() == size &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }) &&
         s != std::string(size, '0');
}

bool is_digits(const json& v) {
  if (!v.is_string()) return false;
  const auto& s = v.get_ref<const std::string&>();
  return !s.empty() && s.size() <= 20 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The `value` object of attribute `key` in an OTLP KeyValue list, or null.
json attribute(const json& span_or_resource, const std::string& key) {
  const json& list =
      span_or_resource.contains("attributes") ? span_or_resource["attributes"] : json::array();
  if (!list.is_array()) return nullptr;
  for (const auto& kv : list) {
    if (kv.is_object() && kv.value("key", "") == key && kv.contains("value")) return kv["value"];
  }
  return nullptr;
}

std::string string_attribute(const json& span, const std::string& key) {
  json v = attribute(span, key);
  return v.is_object() ? v.value("stringValue", "<not a string>") : "<absent>";
}

/// An intValue is an int64, which the OTLP JSON mapping writes as a decimal string (a number
/// is accepted too).
std::optional<int64_t> int_attribute(const json& span, const std::string& key) {
  json v = attribute(span, key);
  if (!v.is_object() || !v.contains("intValue")) return std::nullopt;
  const json& i = v["intValue"];
  if (i.is_number_integer()) return i.get<int64_t>();
  if (is_digits(i)) return std::stoll(i.get<std::string>());
  return std::nullopt;
}

/// Every span in one export body (nothing when it is not OTLP JSON).
std::vector<json> spans_in(const std::string& body) {
  std::vector<json> out;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc["resourceSpans"].is_array()) return out;
  for (const auto& rs : doc["resourceSpans"]) {
    if (!rs.is_object() || !rs.contains("scopeSpans") || !rs["scopeSpans"].is_array()) continue;
    for (const auto& ss : rs["scopeSpans"]) {
      if (!ss.is_object() || !ss.contains("spans") || !ss["spans"].is_array()) continue;
      for (const auto& span : ss["spans"]) out.push_back(span);
    }
  }
  return out;
}

/// Checks one span against the OTLP/HTTP JSON encoding and bridge's HTTP server attributes.
void expect_valid_span(const json& span) {
  SCOPED_TRACE("span " + span.dump());
  ASSERT_TRUE(span.is_object());
  EXPECT_TRUE(is_hex(span.value("traceId", ""), 32)) << "traceId: 32 lowercase hex, not zero";
  EXPECT_TRUE(is_hex(span.value("spanId", ""), 16)) << "spanId: 16 lowercase hex, not zero";
  if (span.contains("parentSpanId")) {
    EXPECT_TRUE(is_hex(span.value("parentSpanId", ""), 16)) << "parentSpanId: 16 hex";
  }
  EXPECT_FALSE(span.value("name", "").empty());
  // SPAN_KIND_SERVER: the enum as its number (2) or its name.
  ASSERT_TRUE(span.contains("kind"));
  EXPECT_TRUE(span["kind"] == json(2) || span["kind"] == json("SPAN_KIND_SERVER"))
      << "kind: " << span["kind"].dump();
  ASSERT_TRUE(span.contains("startTimeUnixNano") && span.contains("endTimeUnixNano"));
  const json& start = span["startTimeUnixNano"];
  const json& end = span["endTimeUnixNano"];
  ASSERT_TRUE(is_digits(start)) << "startTimeUnixNano: a string of digits";
  ASSERT_TRUE(is_digits(end)) << "endTimeUnixNano: a string of digits";
  uint64_t start_ns = std::stoull(start.get<std::string>());
  uint64_t end_ns = std::stoull(end.get<std::string>());
  EXPECT_GE(end_ns, start_ns);
  // Nanoseconds since the Unix epoch, i.e. close to now (not micro- or milliseconds).
  auto now_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  EXPECT_LT(now_ns - std::min(now_ns, start_ns), uint64_t{600'000'000'000}) << "start vs now";
  EXPECT_LE(start_ns, now_ns + 60'000'000'000) << "start in the future";
  EXPECT_FALSE(string_attribute(span, "http.request.method").empty());
  EXPECT_NE(string_attribute(span, "http.request.method"), "<absent>");
  EXPECT_TRUE(int_attribute(span, "http.response.status_code").has_value())
      << "http.response.status_code as an intValue";
  EXPECT_TRUE(span.contains("attributes") && span["attributes"].is_array());
}

/// Checks one POST: path, Content-Type and the ExportTraceServiceRequest JSON shape.
void expect_valid_export(const OtlpReceiver::Post& post) {
  SCOPED_TRACE("OTLP body " + post.body.substr(0, 2000));
  EXPECT_EQ(post.path, "/v1/traces");
  EXPECT_EQ(post.content_type.substr(0, post.content_type.find(';')), "application/json");
  json doc = json::parse(post.body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "not JSON";
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.contains("resourceSpans") && doc["resourceSpans"].is_array());
  ASSERT_FALSE(doc["resourceSpans"].empty());
  size_t spans = 0;
  for (const auto& rs : doc["resourceSpans"]) {
    ASSERT_TRUE(rs.is_object() && rs.contains("resource") && rs["resource"].is_object());
    json service = attribute(rs["resource"], "service.name");
    ASSERT_TRUE(service.is_object()) << "resource.attributes has no service.name";
    EXPECT_FALSE(service.value("stringValue", "").empty());
    ASSERT_TRUE(rs.contains("scopeSpans") && rs["scopeSpans"].is_array());
    for (const auto& ss : rs["scopeSpans"]) {
      ASSERT_TRUE(ss.is_object() && ss.contains("spans") && ss["spans"].is_array());
      if (ss.contains("scope")) {
        EXPECT_TRUE(ss["scope"].is_object());
      }
      for (const auto& span : ss["spans"]) {
        expect_valid_span(span);
        ++spans;
      }
    }
  }
  EXPECT_GT(spans, 0u) << "an export without spans";
}

// ---- the fixture ----------------------------------------------------------------------------

struct TraceParent {
  std::string trace_id;
  std::string span_id;
};

/// "00-<32 hex>-<16 hex>-<2 hex>" split; empty fields when it is not one.
TraceParent split_traceparent(const std::string& value) {
  static const std::regex shape("^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$");
  std::smatch m;
  if (!std::regex_match(value, m, shape)) return {};
  return {m[1], m[2]};
}

class Otlp : public TraceFixture {
 protected:
  struct Sent {
    std::string request_id;
    int status = 0;
    json echo;  // what the test backend received
  };

  /// bridge up with trace.otlp_endpoint = `endpoint`, the access log on stdout, debug logging,
  /// /api -> the test backend.
  ::testing::AssertionResult start_otlp(const std::string& endpoint,
                                        const std::string& bridge_extra = "") {
    std::string error;
    if (!backend_.running() && !backend_.start(&error))
      return ::testing::AssertionFailure() << "test backend: " << error;
    std::string c = "version = 1\n[bridge]\nadmin = \"127.0.0.1:0\"\naccess_log = \"stdout\"\n"
                    "log_level = \"debug\"\nworkers = 2\n" +
                    bridge_extra + "\n[trace]\notlp_endpoint = \"" + endpoint + "\"\n\n";
    c += "[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n\n";
    c += "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\nupstream = \"" +
         backend_.url() + "\"\n";
    bridge_.write_config(c);
    if (!bridge_.start(port_))
      return ::testing::AssertionFailure() << "bridge up did not listen\n" << bridge_.output();
    admin_port_ = bridge_.admin_port();
    if (admin_port_ == 0)
      return ::testing::AssertionFailure() << "no admin address in the banner\n"
                                           << bridge_.output();
    return ::testing::AssertionSuccess();
  }

  /// GET `path` through bridge; the request ID, status and the backend's echo.
  Sent send(const std::string& path, std::vector<std::string> extra = {}) {
    auto r = get(path, std::move(extra));
    Sent s;
    s.request_id = header_in(r.out, "X-Request-ID");
    std::smatch m;
    static const std::regex status_line("^HTTP/1\\.1 ([0-9]{3})");
    if (std::regex_search(r.out, m, status_line)) s.status = std::stoi(m[1]);
    auto body = r.out.find("\r\n\r\n");
    if (body != std::string::npos) s.echo = json::parse(r.out.substr(body + 4), nullptr, false);
    EXPECT_FALSE(s.request_id.empty()) << r.out << r.err;
    return s;
  }

  /// Waits for the span whose bridge.request_id is `id` (batches go out within about a second).
  json span_for(const std::string& id, Millis timeout = 5s) {
    for (auto deadline = Clock::now() + timeout;;) {
      for (const auto& post : otlp_.posts()) {
        for (auto& span : spans_in(post.body)) {
          if (string_attribute(span, "bridge.request_id") == id) return span;
        }
      }
      if (Clock::now() > deadline) break;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no span for request " << id << " in " << otlp_.posts().size()
                  << " export(s)\n"
                  << bridge_.output();
    return json::object();
  }

  /// A counter from /metrics (-1 when absent).
  long metric(const std::string& name) {
    std::vector<std::string> args{"-s", admin() + "/metrics"};
    for (const auto& a : auth()) args.push_back(a);
    auto r = curl(args);
    std::smatch m;
    std::regex line("(^|\n)" + name + " ([0-9]+)");
    return std::regex_search(r.out, m, line) ? std::stol(m[2]) : -1;
  }

  /// Polls a counter until it reaches `min`; false after `timeout`.
  bool wait_metric(const std::string& name, long min, Millis timeout = 5s) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      if (metric(name) >= min) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  /// bridge's warnings about OTLP export: JSON log lines ({"level":"warning","msg":...}, on
  /// stdout when it is not a terminal) or text ones ("... warn  msg", on stderr).
  std::vector<std::string> otlp_warnings() const {
    std::vector<std::string> out;
    std::istringstream in(bridge_.stdout_text() + "\n" + bridge_.stderr_text());
    for (std::string line; std::getline(in, line);) {
      if (line.find("OTLP") == std::string::npos) continue;
      json j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("msg")) {
        std::string level = j.value("level", "");
        if (level == "warning" || level == "warn") out.push_back(j.value("msg", ""));
      } else if (line.find(" warn") != std::string::npos) {
        out.push_back(line);
      }
    }
    return out;
  }

  OtlpReceiver otlp_;
};

// ---- 1, 2: the span continues the trace bridge forwards ------------------------------------

TEST_F(Otlp, SpanContinuesIncomingTraceAndMatchesForwardedTraceparent) {
  ASSERT_TRUE(start_otlp(otlp_.endpoint()));
  const std::string incoming_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string incoming_span = "00f067aa0ba902b7";
  Sent with = send("/api/with?x=1",
                   {"-H", "traceparent: 00-" + incoming_trace + "-" + incoming_span + "-01"});
  Sent without = send("/api/without");
  ASSERT_EQ(with.status, 200);
  ASSERT_EQ(without.status, 200);
  TraceParent upstream_with = split_traceparent(backend_header(with.echo, "traceparent"));
  TraceParent upstream_without = split_traceparent(backend_header(without.echo, "traceparent"));
  ASSERT_FALSE(upstream_with.trace_id.empty()) << with.echo.dump();
  ASSERT_FALSE(upstream_without.trace_id.empty()) << without.echo.dump();
  EXPECT_EQ(upstream_with.trace_id, incoming_trace) << "a valid incoming trace id is kept";
  EXPECT_NE(upstream_with.span_id, incoming_span) << "bridge forwards its own span id";

  json a = span_for(with.request_id);
  expect_valid_span(a);
  EXPECT_EQ(a.value("traceId", ""), incoming_trace) << a.dump();
  EXPECT_EQ(a.value("parentSpanId", ""), incoming_span) << a.dump();
  EXPECT_EQ(a.value("spanId", ""), upstream_with.span_id)
      << "the span is the one the upstream sees as its parent: " << a.dump();

  json b = span_for(without.request_id);
  expect_valid_span(b);
  EXPECT_EQ(b.value("traceId", ""), upstream_without.trace_id) << b.dump();
  EXPECT_EQ(b.value("spanId", ""), upstream_without.span_id) << b.dump();
  EXPECT_EQ(b.value("parentSpanId", ""), "") << "a new trace has no parent: " << b.dump();

  // HTTP server attributes.
  for (const json* span : {&a, &b}) {
    EXPECT_EQ(string_attribute(*span, "http.request.method"), "GET") << span->dump();
    EXPECT_EQ(int_attribute(*span, "http.response.status_code"), 200) << span->dump();
    EXPECT_EQ(string_attribute(*span, "http.route"), "api") << span->dump();
  }
  EXPECT_EQ(string_attribute(a, "url.path"), "/api/with") << a.dump();
  EXPECT_EQ(string_attribute(a, "url.query"), "x=1") << a.dump();

  // Every export, not only the one holding these spans, is a well-formed OTLP/HTTP JSON POST.
  auto posts = otlp_.posts();
  ASSERT_FALSE(posts.empty());
  for (const auto& post : posts) expect_valid_export(post);
}

TEST_F(Otlp, ErrorStatusIsOnTheSpan) {
  ASSERT_TRUE(start_otlp(otlp_.endpoint()));
  Sent miss = send("/nowhere");  // no route: bridge answers 404 itself
  EXPECT_EQ(miss.status, 404);
  json span = span_for(miss.request_id);
  expect_valid_span(span);
  EXPECT_EQ(int_attribute(span, "http.response.status_code"), 404) << span.dump();
  EXPECT_EQ(string_attribute(span, "http.request.method"), "GET") << span.dump();
  for (const auto& post : otlp_.posts()) expect_valid_export(post);
}

// curl as a gRPC client (HTTP/2, application/grpc) on a method no route serves: bridge answers
// UNIMPLEMENTED, and the span follows the OpenTelemetry RPC conventions.
TEST_F(Otlp, AGrpcCallIsAnRpcSpan) {
  ASSERT_TRUE(start_otlp(otlp_.endpoint()));
  auto r = get("/test.Missing/Nothing",
               {"--http2-prior-knowledge", "-H", "content-type: application/grpc", "-H",
                "te: trailers", "--data-binary", ""});
  std::string id = header_in(r.out, "X-Request-ID");
  ASSERT_FALSE(id.empty()) << r.out << r.err;
  EXPECT_EQ(header_in(r.out, "grpc-status"), "12") << r.out;
  json span = span_for(id);
  expect_valid_span(span);
  EXPECT_EQ(span.value("name", ""), "test.Missing/Nothing") << span.dump();
  EXPECT_EQ(string_attribute(span, "rpc.system"), "grpc") << span.dump();
  EXPECT_EQ(string_attribute(span, "rpc.service"), "test.Missing") << span.dump();
  EXPECT_EQ(string_attribute(span, "rpc.method"), "Nothing") << span.dump();
  EXPECT_EQ(int_attribute(span, "rpc.grpc.status_code"), 12) << span.dump();
  EXPECT_EQ(string_attribute(span, "network.protocol.version"), "2") << span.dump();
  EXPECT_EQ(span["status"].value("code", 0), 2) << "UNIMPLEMENTED is the server's error";
  // A plain HTTP/1.1 request has no rpc.* attributes.
  Sent plain = send("/api/plain");
  json http_span = span_for(plain.request_id);
  EXPECT_EQ(string_attribute(http_span, "rpc.system"), "<absent>") << http_span.dump();
  EXPECT_EQ(string_attribute(http_span, "network.protocol.version"), "1.1") << http_span.dump();
}

// ---- 3: redaction ---------------------------------------------------------------------------

TEST_F(Otlp, SecretsAreRedactedEverywhereButOnTheWire) {
  const std::string bearer = "s3cr3t-token-XYZ";
  const std::string cookie = "c00kie-VALUE";
  token_ = "adm1n-t0ken-otlp";
  ASSERT_TRUE(start_otlp(otlp_.endpoint(), "admin_token = \"" + token_ + "\"\n"));
  Sent s = send("/api/private", {"-H", "Authorization: Bearer " + bearer, "-H",
                                 "Cookie: session=" + cookie, "-H", "User-Agent: otlp-test/1"});
  ASSERT_EQ(s.status, 200);
  // The backend got the real values: redaction is for what bridge keeps, not for traffic.
  EXPECT_EQ(backend_header(s.echo, "Authorization"), "Bearer " + bearer) << s.echo.dump();
  EXPECT_EQ(backend_header(s.echo, "Cookie"), "session=" + cookie) << s.echo.dump();

  auto leaks = [&](const std::string& text) {
    return text.find(bearer) != std::string::npos || text.find(cookie) != std::string::npos;
  };

  json span = span_for(s.request_id);
  EXPECT_EQ(string_attribute(span, "user_agent.original"), "otlp-test/1") << span.dump();
  for (const auto& post : otlp_.posts())
    EXPECT_FALSE(leaks(post.body)) << "OTLP export: " << post.body;

  json one = record(s.request_id);
  EXPECT_FALSE(leaks(one.dump())) << one.dump();
  bool shown_redacted = false;
  for (const auto& h : one["request_headers"]["in"]) {
    if (h[0] == "Authorization") shown_redacted = h[1] == "<redacted>";
  }
  EXPECT_TRUE(shown_redacted) << one["request_headers"].dump();
  json list = admin_json("/v1/requests");
  EXPECT_FALSE(list.value("requests", json::array()).empty()) << list.dump();
  EXPECT_FALSE(leaks(list.dump())) << list.dump();

  auto show_json = cli({"trace", "show", s.request_id, "--json", "--admin", admin()});
  EXPECT_EQ(show_json.status, 0) << show_json.err;
  EXPECT_EQ(parse_json(show_json.out).value("id", ""), s.request_id);
  EXPECT_FALSE(leaks(show_json.out + show_json.err)) << show_json.out;
  auto show = cli({"trace", "show", s.request_id, "--admin", admin()});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_FALSE(leaks(show.out + show.err)) << show.out;

  // The access log line (stdout) is written by a background thread once the exchange ends.
  EXPECT_TRUE(bridge_.process().wait_for_stdout(s.request_id, 5s)) << bridge_.output();
  EXPECT_FALSE(leaks(bridge_.output())) << bridge_.output();
}

TEST_F(Otlp, BuiltInRedactionCoversApiKeysAndQueryTokensWithDebugLogging) {
  const std::string secret = "q-s3cr3t-77";
  ASSERT_TRUE(start_otlp(otlp_.endpoint()));
  Sent s = send("/api/private?api_key=" + secret + "&page=2",
                {"-H", "X-Api-Key: " + secret, "-H", "X-Session-Token: " + secret});
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(backend_header(s.echo, "X-Api-Key"), secret) << s.echo.dump();
  json span = span_for(s.request_id);
  EXPECT_EQ(string_attribute(span, "url.query"), "api_key=<redacted>&page=2") << span.dump();
  for (const auto& post : otlp_.posts())
    EXPECT_EQ(post.body.find(secret), std::string::npos) << "OTLP export: " << post.body;
  EXPECT_EQ(record(s.request_id).dump().find(secret), std::string::npos);
  // Access log on stdout and debug logs: neither has it.
  EXPECT_TRUE(bridge_.process().wait_for_stdout(s.request_id, 5s)) << bridge_.output();
  EXPECT_EQ(bridge_.output().find(secret), std::string::npos) << bridge_.output();
}

// ---- 4: a collector that is down or failing -------------------------------------------------

TEST_F(Otlp, DownCollectorDoesNotAffectTrafficAndIsWarnedAboutNotPerRequest) {
  uint16_t closed = free_port();  // bound and closed again: connections are refused
  ASSERT_TRUE(start_otlp("http://127.0.0.1:" + std::to_string(closed)));
  constexpr int requests = 20;
  for (int i = 0; i < requests; ++i) {
    Sent s = send("/api/down" + std::to_string(i));
    EXPECT_EQ(s.status, 200) << i;
  }
  ASSERT_TRUE(wait_metric("bridge_spans_failed_total", requests))
      << "bridge_spans_failed_total = " << metric("bridge_spans_failed_total") << "\n"
      << bridge_.output();
  EXPECT_EQ(metric("bridge_spans_exported_total"), 0);
  // Export failed for every span; the operator is told, once per batch at most.
  auto warnings = otlp_warnings();
  EXPECT_GE(warnings.size(), 1u) << "no warning about the unreachable OTLP endpoint in the log:\n"
                                 << bridge_.output();
  EXPECT_LT(warnings.size(), static_cast<size_t>(requests / 2)) << "warned per request\n"
                                                                << bridge_.output();
  for (const auto& line : warnings)
    EXPECT_NE(line.find("127.0.0.1:" + std::to_string(closed)), std::string::npos) << line;
  // Still serving.
  EXPECT_EQ(send("/api/after").status, 200);
}

TEST_F(Otlp, FailingCollectorDoesNotAffectTrafficAndIsWarnedAboutNotPerRequest) {
  OtlpReceiver failing(http::status::internal_server_error);
  ASSERT_TRUE(start_otlp(failing.endpoint()));
  constexpr int requests = 20;
  for (int i = 0; i < requests; ++i) {
    Sent s = send("/api/failing" + std::to_string(i));
    EXPECT_EQ(s.status, 200) << i;
  }
  ASSERT_TRUE(wait_metric("bridge_spans_failed_total", requests)) << bridge_.output();
  // The warning for an answer that is not 2xx.
  std::string expected = "OTLP export to 127.0.0.1:" + std::to_string(failing.port()) +
                         "/v1/traces failed: the collector answered 500";
  auto warnings = otlp_warnings();
  ASSERT_GE(warnings.size(), 1u) << bridge_.output();
  for (const auto& line : warnings) EXPECT_NE(line.find(expected), std::string::npos) << line;
  EXPECT_LT(warnings.size(), static_cast<size_t>(requests / 2)) << "warned per request\n"
                                                                << bridge_.output();
  EXPECT_FALSE(failing.posts().empty());
  for (const auto& post : failing.posts()) expect_valid_export(post);
}

}  // namespace
}  // namespace bridge::test
