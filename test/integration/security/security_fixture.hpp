#pragma once
// Shared by the front-door security tests (issue 15): one `bridge up` per test on a free
// loopback port, configured from a listener's extra keys, [limits] and routes; raw requests
// over fresh connections; the JSON error every bridge-made answer carries.
#include "recording_upstream.hpp"
#include "support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <thread>

namespace bridge::test {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Bytes as a readable C-ish literal, for failure messages (json() would throw on them).
inline std::string printable(std::string_view bytes, size_t max = 300) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, max)) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\\')
      out += "\\\\";
    else if (c >= 0x20 && c < 0x7f)
      out.push_back(static_cast<char>(c));
    else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

// The body as JSON; a test failure (and an empty object) when it is not valid JSON.
inline json body_json(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << printable(text);
    return json::object();
  }
}

// The status of a response, or -1 when none came.
inline int status_of(const std::optional<HttpResponse>& r) { return r ? r->status : -1; }

inline std::string route(const std::string& name, const std::string& rule,
                         const std::string& upstream, const std::string& extra = "") {
  return "[[routes]]\nname = \"" + name + "\"\nrule = \"" + rule + "\"\nupstream = \"" + upstream +
         "\"\n" + extra + "\n";
}

struct FrontConfig {
  explicit FrontConfig(std::string r) : routes(std::move(r)) {}
  std::string routes;
  std::string listener;  // extra keys of listener "web", one per line
  std::string limits;    // [limits] keys
  bool admin = false;    // admin API on 127.0.0.1:<kernel's choice>
  std::string bridge;    // extra [bridge] keys
};

class Front : public ::testing::Test {
 protected:
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  std::string config(const FrontConfig& c) const {
    std::string text = "version = 1\n[bridge]\nadmin = \"" +
                       std::string(c.admin ? "127.0.0.1:0" : "off") +
                       "\"\naccess_log = \"off\"\nworkers = 2\n" + c.bridge + "\n";
    if (!c.limits.empty()) text += "[limits]\n" + c.limits + "\n\n";
    text += "[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n" + c.listener + "\n\n";
    return text + c.routes;
  }

  ::testing::AssertionResult start(const FrontConfig& c) {
    bridge_.write_config(config(c));
    if (!bridge_.start(port_)) {
      return ::testing::AssertionFailure() << "bridge up did not listen on " << host() << "\n"
                                           << bridge_.output();
    }
    if (c.admin) {
      admin_port_ = bridge_.admin_port();
      if (admin_port_ == 0)
        return ::testing::AssertionFailure() << "no admin port\n" << bridge_.output();
    }
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult start(const std::string& routes, const std::string& listener = "",
                                   const std::string& limits = "") {
    FrontConfig c(routes);
    c.listener = listener;
    c.limits = limits;
    return start(c);
  }

  // One response over a fresh raw connection; nullopt (with why in `error`) when none came.
  std::optional<HttpResponse> send(const std::string& bytes, Millis timeout = 5s,
                                   std::string* error = nullptr) {
    RawClient client(port_);
    client.send(bytes);
    auto r = client.read_response(timeout);
    if (!r && error) *error = client.last_error();
    return r;
  }

  // GET `target` with Host and extra header lines ("Name: value\r\n" each).
  std::optional<HttpResponse> get(const std::string& target, const std::string& headers = "",
                                  const std::string& host_value = "") {
    return send("GET " + target + " HTTP/1.1\r\nHost: " +
                (host_value.empty() ? host() : host_value) + "\r\n" + headers + "\r\n");
  }

  // Asserts a bridge-made error: status, JSON content type, a body that parses with the code,
  // status, a message and the request id. Returns the body.
  json expect_error(const std::optional<HttpResponse>& r, int status, const std::string& code) {
    if (!r) {
      ADD_FAILURE() << "no response (expected " << status << " " << code << ")";
      return json::object();
    }
    EXPECT_EQ(r->status, status) << printable(r->body);
    EXPECT_EQ(r->header("Content-Type").value_or(""), "application/json");
    json body = body_json(r->body);
    EXPECT_EQ(body.value("error", ""), code) << body.dump();
    EXPECT_EQ(body.value("status", 0), status) << body.dump();
    EXPECT_FALSE(body.value("message", "").empty()) << body.dump();
    EXPECT_FALSE(body.value("request_id", "").empty()) << body.dump();
    if (auto id = r->header("X-Request-ID")) {
      EXPECT_EQ(body.value("request_id", ""), *id);
    }
    return body;
  }

  std::string admin_url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(admin_port_) + path;
  }

  // A gauge or counter without labels from the admin /metrics; -1 when it cannot be read.
  long metric(const std::string& name) {
    auto r = curl({"-s", admin_url("/metrics")}, 3s);
    if (r.status != 0) return -1;
    std::string needle = "\n" + name + " ";
    auto pos = r.out.find(needle);
    if (pos == std::string::npos) return -1;
    return std::atol(r.out.c_str() + pos + needle.size());
  }

  // Polls metric(name) until it equals `want`; the last value read.
  long wait_metric(const std::string& name, long want, Millis timeout) {
    long value = metric(name);
    for (auto deadline = Clock::now() + timeout; value != want && Clock::now() < deadline;) {
      std::this_thread::sleep_for(20ms);
      value = metric(name);
    }
    return value;
  }

  uint16_t port_ = free_port();
  uint16_t admin_port_ = 0;
  BridgeUp bridge_;
};

}  // namespace bridge::test
