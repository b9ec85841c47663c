#pragma once
// Shared by the trace integration tests: a `bridge up` with its admin API on a port the kernel
// picks, the Beast test backend behind /api, builtin://echo for the rest, and helpers for the
// admin API (curl) and the `bridge trace` CLI.
#include "json_text.hpp"
#include "support.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace bridge::test {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The test backend reports headers as [[name, value], ...].
inline std::string backend_header(const json& echo, const std::string& name) {
  if (!echo.contains("headers") || !echo["headers"].is_array()) return "<no headers>";
  for (const auto& h : echo["headers"]) {
    std::string n = h[0].get<std::string>();
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return h[1].get<std::string>();
    }
  }
  return "<absent>";
}

// Value of header `name` in curl -i output ("" when absent).
inline std::string header_in(const std::string& curl_i, const std::string& name) {
  std::istringstream in(curl_i);
  std::string lower_name = name;
  for (auto& c : lower_name) c = static_cast<char>(std::tolower(c));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string n = line.substr(0, colon);
    for (auto& c : n) c = static_cast<char>(std::tolower(c));
    if (n == lower_name) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      return v;
    }
  }
  return "";
}

inline const std::map<std::string, std::string>& cli_env() {
  static const std::map<std::string, std::string> env{{"NO_COLOR", "1"},
                                                      {"BRIDGE_CONFIG_DIR", ""},
                                                      {"BRIDGE_PROFILE", ""},
                                                      {"BRIDGE_ADMIN_TOKEN", ""}};
  return env;
}

class TraceFixture : public ::testing::Test {
 protected:
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return "http://" + host() + path; }
  std::string admin() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
  std::string access_log() const { return bridge_.scratch("access.log"); }

  /// The default config: /api -> test backend, everything else -> builtin://echo.
  std::string config(const std::string& bridge_extra = "",
                     const std::string& admin_addr = "127.0.0.1:0",
                     const std::string& routes = "") const {
    std::string c = "version = 1\n[bridge]\nadmin = \"" + admin_addr + "\"\naccess_log = \"" +
                    access_log() + "\"\nworkers = 2\n" + bridge_extra + "\n";
    c += "[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n\n";
    if (!routes.empty()) return c + routes;
    c += "[[routes]]\nname = \"api\"\nrule = \"PathPrefix(`/api`)\"\nupstream = \"" +
         backend_.url() + "\"\n\n";
    c +=
        "[[routes]]\nname = \"other\"\nrule = \"PathPrefix(`/`)\"\nupstream = \"builtin://echo\"\n";
    return c;
  }

  ::testing::AssertionResult start(const std::string& bridge_extra = "",
                                   const std::string& admin_addr = "127.0.0.1:0",
                                   const std::string& routes = "") {
    std::string error;
    if (!backend_.running() && !backend_.start(&error)) {
      return ::testing::AssertionFailure() << "test backend: " << error;
    }
    bridge_.write_config(config(bridge_extra, admin_addr, routes));
    if (!bridge_.start(port_)) {
      return ::testing::AssertionFailure() << "bridge up did not listen\n" << bridge_.output();
    }
    admin_port_ = bridge_.admin_port();
    if (admin_port_ == 0) {
      return ::testing::AssertionFailure()
             << "no \"admin   http://127.0.0.1:PORT\" line in the banner\n"
             << bridge_.output();
    }
    return ::testing::AssertionSuccess();
  }

  /// `bridge ARGS... --admin ADMIN --config-dir DIR` (the CLI reads the token from the config).
  RunResult cli(std::vector<std::string> args, Millis timeout = 10s,
                std::map<std::string, std::string> env = {}) const {
    args.insert(args.begin(), bridge_bin());
    args.insert(args.end(), {"--config-dir", bridge_.config_dir()});
    for (const auto& [k, v] : cli_env()) env.emplace(k, v);
    return run(std::move(args), timeout, env, bridge_.scratch(""));
  }

  /// curl -sS -i ARGS; the whole output (head and body).
  RunResult get(const std::string& path, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"-i", "--http1.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url(path));
    return curl(args);
  }

  /// GET on the admin API, parsed.
  std::vector<std::string> auth() const {
    if (token_.empty()) return {};
    return {"-H", "Authorization: Bearer " + token_};
  }

  json admin_json(const std::string& path, int expect_status = 200) const {
    std::vector<std::string> args{"-s", "-w", "\n%{http_code}", admin() + path};
    for (const auto& a : auth()) args.push_back(a);
    auto r = curl(args);
    auto nl = r.out.rfind('\n');
    int status = nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
    EXPECT_EQ(status, expect_status) << path << ": " << r.out << r.err;
    return parse_json(r.out.substr(0, nl));
  }

  /// Sends a request and returns its X-Request-ID.
  std::string request_id(const std::string& path, std::vector<std::string> extra = {}) {
    auto r = get(path, std::move(extra));
    std::string id = header_in(r.out, "X-Request-ID");
    EXPECT_FALSE(id.empty()) << r.out << r.err;
    return id;
  }

  /// Polls GET /v1/requests/{id} until the record is there.
  json record(const std::string& id) const {
    auto deadline = Clock::now() + 5s;
    for (;;) {
      std::vector<std::string> args{"-s", "-w", "\n%{http_code}", admin() + "/v1/requests/" + id};
      for (const auto& a : auth()) args.push_back(a);
      auto r = curl(args);
      auto nl = r.out.rfind('\n');
      if (nl != std::string::npos && r.out.substr(nl + 1) == "200") {
        return parse_json(r.out.substr(0, nl));
      }
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "no record " << id << ": " << r.out;
        return json::object();
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  uint16_t port_ = free_port();
  uint16_t admin_port_ = 0;
  std::string token_;  // sent by admin_json() and record() when set
  TestBackend backend_;
  BridgeUp bridge_;
};

}  // namespace bridge::test
