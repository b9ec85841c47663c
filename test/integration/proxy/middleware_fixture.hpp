#pragma once
// What the middleware integration tests share: bridge started on a whole config (two workers,
// the "web" listener), the admin API on a port the kernel picks, and a request's record from
// it.
#include "proxy_fixture.hpp"

namespace bridge::test {

class MiddlewareProxy : public HttpsProxy {
 protected:
  // A whole config: `workers` = 2, the "web" listener (with `listener_extra` in its table) and
  // `rest`; with `admin` the admin API on a port the kernel picks.
  std::string full_config(const std::string& listener_extra, const std::string& rest,
                          bool admin = false, const std::string& access_log = "off") const {
    return "version = 1\n[bridge]\nadmin = \"" + std::string(admin ? "127.0.0.1:0" : "off") +
           "\"\naccess_log = \"" + access_log +
           "\"\nworkers = 2\n\n[[listeners]]\nname = \"web\"\nbind = \"" + host() + "\"\n" +
           listener_extra + "\n\n" + rest;
  }
  ::testing::AssertionResult start_full(const std::string& toml, bool admin = false) {
    bridge_.write_config(toml);
    return launch(admin);
  }
  // With the admin API (admin()).
  ::testing::AssertionResult start_with_admin(const std::string& rest,
                                              const std::string& access_log = "off") {
    return start_full(full_config("", rest, true, access_log), true);
  }
  // Starts bridge on the config already written.
  ::testing::AssertionResult launch(bool admin) {
    if (!bridge_.start(port_))
      return ::testing::AssertionFailure() << "bridge up did not listen on " << host() << "\n"
                                           << bridge_.output();
    if (!admin) return ::testing::AssertionSuccess();
    admin_port_ = bridge_.admin_port();
    if (admin_port_ == 0)
      return ::testing::AssertionFailure() << "no admin port in the banner\n" << bridge_.output();
    return ::testing::AssertionSuccess();
  }
  std::string admin() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }

  // Polls the admin API's record of request `id`.
  json record(const std::string& id) {
    for (auto deadline = Clock::now() + 5s;;) {
      auto r = curl({"-s", "-w", "\n%{http_code}", admin() + "/v1/requests/" + id});
      auto nl = r.out.rfind('\n');
      if (nl != std::string::npos && r.out.substr(nl + 1) == "200")
        return parse_json(r.out.substr(0, nl));
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "no record " << id << ": " << r.out << r.err;
        return json::object();
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  uint16_t admin_port_ = 0;
};

}  // namespace bridge::test
