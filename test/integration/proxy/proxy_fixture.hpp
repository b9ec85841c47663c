#pragma once
// Shared by the proxy tests (`bridge up` as a user and a peer see it): one bridge per test on
// a free loopback port with the admin API off, curl parsed into interim responses, head and
// body, the two JSON echo shapes (builtin://echo and the Beast test backend), and the JSON
// error every bridge-made answer carries.
#include "json_text.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace bridge::test {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

inline const std::regex hex32("^[0-9a-f]{32}$");
inline const std::regex traceparent_re("^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- curl output -------------------------------------------------------------------------

struct CurlResponse {
  int exit = -1;
  std::string err;
  std::vector<int> interim;  // 1xx statuses seen before the final response
  HttpResponse response;
};

inline HttpResponse parse_head_block(const std::string& block) {
  HttpResponse r;
  std::istringstream in(block);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  auto sp1 = line.find(' ');
  r.version = line.substr(0, sp1);
  if (sp1 != std::string::npos) r.status = std::atoi(line.c_str() + sp1 + 1);
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 != std::string::npos) r.reason = line.substr(sp2 + 1);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    r.headers.emplace_back(line.substr(0, colon), value);
  }
  return r;
}

// `curl -sS -i --http2-prior-knowledge ARGS...` (or other protocol flags: `mode`), parsed.
inline CurlResponse h2(std::vector<std::string> args,
                       const std::string& mode = "--http2-prior-knowledge", Millis timeout = 10s) {
  args.insert(args.begin(), {"-i", mode});
  auto r = curl(std::move(args), timeout);
  CurlResponse out;
  out.exit = r.status;
  out.err = r.err;
  auto end = r.out.find("\r\n\r\n");
  if (end == std::string::npos) return out;
  out.response = parse_head_block(r.out.substr(0, end));
  out.response.body = r.out.substr(end + 4);
  return out;
}

// `curl -sS -i --http1.1 ARGS...`, split into interim responses, the final head and the body.
inline CurlResponse http(std::vector<std::string> args, Millis timeout = 10s) {
  args.insert(args.begin(), {"-i", "--http1.1"});
  auto r = curl(std::move(args), timeout);
  CurlResponse out;
  out.exit = r.status;
  out.err = r.err;
  size_t pos = 0;
  for (;;) {
    auto end = r.out.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    HttpResponse head = parse_head_block(r.out.substr(pos, end - pos));
    pos = end + 4;
    if (head.status >= 100 && head.status < 200) {
      out.interim.push_back(head.status);
      continue;
    }
    out.response = std::move(head);
    out.response.body = r.out.substr(pos);
    break;
  }
  return out;
}

// The test backend reports headers as [[name, value], ...] in received order.
inline std::vector<std::string> backend_values(const json& echo, const std::string& name) {
  std::vector<std::string> out;
  if (!echo.contains("headers")) return out;
  for (const auto& h : echo["headers"]) {
    if (lower(h[0].get<std::string>()) == lower(name)) out.push_back(h[1].get<std::string>());
  }
  return out;
}

inline std::string backend_value(const json& echo, const std::string& name) {
  auto v = backend_values(echo, name);
  return v.empty() ? std::string("<absent>") : v.front();
}

// builtin://echo reports headers as an object keyed by the names as forwarded.
inline std::string echo_header(const json& echo, const std::string& name) {
  if (!echo.contains("headers") || !echo["headers"].is_object()) return "<no headers>";
  auto it = echo["headers"].find(name);
  if (it == echo["headers"].end() || !it->is_string()) return "<absent>";
  return it->get<std::string>();
}

// 1-based line of the first line of `text` that starts with `prefix`; 0 when none does.
inline int line_number(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.rfind(prefix, 0) == 0) return n;
  }
  return 0;
}

// The last line of the JSON access log at `path` that contains `needle`, polled until it shows
// (the log is written when the exchange ends); null after `timeout`.
// The last entry of the access log at `path` that contains `needle` and that `wanted` accepts,
// waited for up to `timeout`.
inline json access_log_entry(const std::string& path, const std::string& needle,
                             const std::function<bool(const json&)>& wanted, Millis timeout = 3s) {
  json entry;
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && entry.is_null()) {
    std::istringstream in(read_file(path));
    for (std::string l; std::getline(in, l);) {
      if (l.find(needle) == std::string::npos) continue;
      json candidate = parse_json(l);
      if (wanted(candidate)) entry = std::move(candidate);
    }
    if (entry.is_null()) std::this_thread::sleep_for(50ms);
  }
  return entry;
}

inline json access_log_entry(const std::string& path, const std::string& needle,
                             Millis timeout = 3s) {
  return access_log_entry(
      path, needle, [](const json&) { return true; }, timeout);
}

// ---- fixture -----------------------------------------------------------------------------

inline std::string route(const std::string& name, const std::string& rule,
                         const std::string& upstream, const std::string& extra = "") {
  return "[[routes]]\nname = \"" + name + "\"\nrule = \"" + rule + "\"\nupstream = \"" + upstream +
         "\"\n" + extra + "\n";
}

class Proxy : public ::testing::Test {
 protected:
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return "http://" + host() + path; }

  std::string config(const std::string& rest, const std::string& limits = "",
                     const std::string& access_log = "off") const {
    std::string c = "version = 1\n[bridge]\nadmin = \"off\"\naccess_log = \"" + access_log +
                    "\"\nworkers = 2\n";
    if (!limits.empty()) c += "\n[limits]\n" + limits + "\n";
    c += "\n[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n\n" + rest;
    return c;
  }

  ::testing::AssertionResult start(const std::string& rest, const std::string& limits = "",
                                   const std::string& access_log = "off") {
    bridge_.write_config(config(rest, limits, access_log));
    if (bridge_.start(port_)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "bridge up did not listen on " << host() << "\n"
                                         << bridge_.output();
  }

  ::testing::AssertionResult start_backend() {
    std::string error;
    if (backend_.start(&error)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << error;
  }

  ::testing::AssertionResult start_nginx() {
    std::string error;
    if (!nginx_available()) return ::testing::AssertionFailure() << "no /usr/sbin/nginx";
    if (nginx_.start(&error)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << error;
  }

  // A response over a fresh raw connection.
  std::optional<HttpResponse> raw_request(const std::string& bytes, Millis timeout = 5s) {
    RawClient client(port_);
    client.send(bytes);
    return client.read_response(timeout);
  }

  // Polls GET path until it answers `status`; false after `timeout`.
  bool wait_for_status(const std::string& path, int status, Millis timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto r = http({url(path)}, 2s);
      if (r.response.status == status) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // Waits for `text` in bridge's output (its log): the event a test would otherwise sleep for.
  ::testing::AssertionResult logged(const std::string& text, Millis timeout = 5s) {
    if (bridge_.wait_for_log(text, timeout)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "bridge did not log \"" << text << "\" within " << timeout.count() << " ms\n"
           << bridge_.output();
  }

  // Asserts the JSON error body and headers every bridge-made error carries.
  void expect_error(const HttpResponse& r, int status, const std::string& error) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/json");
    auto id = r.header("X-Request-ID");
    ASSERT_TRUE(id.has_value()) << "error response without X-Request-ID";
    json body = parse_json(r.body);
    EXPECT_EQ(body.value("error", ""), error) << r.body;
    EXPECT_EQ(body.value("status", 0), status) << r.body;
    EXPECT_FALSE(body.value("message", "").empty()) << r.body;
    EXPECT_EQ(body.value("request_id", ""), *id) << r.body;
  }

  uint16_t port_ = free_port();
  BridgeUp bridge_;
  TestBackend backend_;
  Nginx nginx_;
};

// With an HTTPS listener "secure" beside the plain one, on a self-signed certificate.
class HttpsProxy : public Proxy {
 protected:
  // The listener's config (`extra` goes into its table), after making the certificate.
  std::string tls_listener(const std::string& extra = "") {
    std::string cert = certs_.path() + "/cert.pem", key = certs_.path() + "/key.pem";
    auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
             "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert});
    EXPECT_EQ(made.status, 0) << made.err;
    return "[[listeners]]\nname = \"secure\"\nbind = \"127.0.0.1:" + std::to_string(tls_port_) +
           "\"\ntls = { cert = \"" + cert + "\", key = \"" + key + "\" }\n" + extra + "\n";
  }
  std::string tls_url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(tls_port_) + path;
  }

  TempDir certs_;
  uint16_t tls_port_ = free_port();
};

}  // namespace bridge::test
