// Issue 16: a running `bridge up` serves rewritten certificate files without a restart: on
// SIGHUP, on POST /v1/reload and when the files change, logging both serials; a file that cannot
// be served keeps the previous certificate. Certificates come from `bridge cert issue`; what is
// served is read with openssl s_client.
#include "../security/security_fixture.hpp"
#include "cert_env.hpp"

#include <signal.h>

#include <fstream>

namespace bridge::test {
namespace {

class CertReload : public Front {
 protected:
  void SetUp() override { issue(); }

  void issue() {
    auto issued = env_.bridge({"cert", "issue", "app.localhost", "--out", env_.path()});
    ASSERT_EQ(issued.status, 0) << issued.out << issued.err;
  }

  std::string cert() const { return env_ / "app.localhost.pem"; }
  std::string key() const { return env_ / "app.localhost-key.pem"; }

  ::testing::AssertionResult start_tls() {
    FrontConfig c(route("all", "PathPrefix(`/`)", "builtin://echo"));
    c.admin = true;
    c.listener = "tls = { cert = \"" + cert() + "\", key = \"" + key() + "\" }";
    return start(c);
  }

  // "serial=4F1A..." of a PEM file, or of what the listener serves.
  static std::string serial_line(const std::string& text) {
    auto at = text.find("serial=");
    return at == std::string::npos ? "<none in: " + text + ">"
                                   : text.substr(at + 7, text.find('\n', at) - at - 7);
  }
  std::string file_serial() const {
    return serial_line(run({"openssl", "x509", "-noout", "-serial", "-in", cert()}).out);
  }
  std::string served_serial() const {
    std::string command = "openssl s_client -connect " + host() +
                          " -servername app.localhost </dev/null 2>/dev/null"
                          " | openssl x509 -noout -serial";
    return serial_line(run({"/bin/sh", "-c", command}).out);
  }
  // The served serial once it equals `want` (new connections get the new context).
  std::string wait_served(const std::string& want, Millis timeout) {
    std::string served = served_serial();
    for (auto deadline = Clock::now() + timeout; served != want && Clock::now() < deadline;) {
      std::this_thread::sleep_for(100ms);
      served = served_serial();
    }
    return served;
  }
  // Waits for bridge to log `text` (JSON lines on stdout here).
  bool logged(const std::string& text, Millis timeout = 10s) {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      if (contains(bridge_.output(), text)) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  // How many times bridge logged `text`.
  size_t count(const std::string& text) const {
    std::string out = bridge_.output();
    size_t n = 0;
    for (size_t at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
    return n;
  }

  CertEnv env_;
};

// The file watch and SIGHUP both look: whichever comes first serves the new pair, and the other
// finds nothing left to do (one log line, not two).
TEST_F(CertReload, RewrittenFilesAreServedAndTheLogNamesBothSerials) {
  ASSERT_TRUE(start_tls());
  const std::string first = file_serial();
  ASSERT_EQ(served_serial(), first);
  issue();  // same name, same paths: a new key and serial
  const std::string second = file_serial();
  ASSERT_NE(second, first);
  bridge_.process().signal(SIGHUP);
  ASSERT_TRUE(logged("serving a new certificate")) << bridge_.output();
  EXPECT_EQ(wait_served(second, 5s), second);
  std::string log = bridge_.output();
  EXPECT_TRUE(contains(log, "certificate files changed")) << log;
  EXPECT_TRUE(contains(log, "tls: web: serving a new certificate from " + cert() + " (serial "))
      << log;
  // The serials in the log are the files' (openssl prints them in upper-case hex).
  EXPECT_TRUE(contains(lower(log), lower(first) + " -> " + lower(second))) << log;
  std::this_thread::sleep_for(2500ms);  // one poll interval of the watch: nothing more to do
  EXPECT_EQ(count("serving a new certificate"), 1u) << log;
}

TEST_F(CertReload, SighupWithUnchangedFilesKeepsServingQuietly) {
  ASSERT_TRUE(start_tls());
  const std::string first = file_serial();
  bridge_.process().signal(SIGHUP);
  auto r = curl(
      {"-s", "-X", "POST", "-H", "Content-Type: application/json", admin_url("/v1/reload")}, 5s);
  EXPECT_TRUE(contains(r.out, "\"reloaded\":true")) << r.out;
  EXPECT_EQ(served_serial(), first);
  EXPECT_FALSE(contains(bridge_.output(), "certificate files changed")) << bridge_.output();
}

TEST_F(CertReload, ABadNewKeyKeepsThePreviousCertificate) {
  ASSERT_TRUE(start_tls());
  const std::string first = file_serial();
  std::ofstream(key(), std::ios::trunc) << "-----BEGIN PRIVATE KEY-----\nhalf-written\n";
  auto r = curl(
      {"-s", "-X", "POST", "-H", "Content-Type: application/json", admin_url("/v1/reload")}, 5s);
  json body = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r.out;
  EXPECT_TRUE(contains(body.value("message", ""), "app.localhost-key.pem")) << r.out;
  // The file watch may have seen the bad key first: either reload says the same.
  EXPECT_TRUE(logged("failed, still serving the previous certificates: ")) << bridge_.output();
  EXPECT_EQ(served_serial(), first);
  EXPECT_TRUE(bridge_.process().running());

  // Fixed by writing a good pair: the admin API reload serves it.
  issue();
  const std::string second = file_serial();
  auto fixed = curl(
      {"-s", "-X", "POST", "-H", "Content-Type: application/json", admin_url("/v1/reload")}, 5s);
  EXPECT_TRUE(contains(fixed.out, "\"reloaded\":true")) << fixed.out;
  EXPECT_EQ(wait_served(second, 5s), second) << bridge_.output();
}

}  // namespace
}  // namespace bridge::test
