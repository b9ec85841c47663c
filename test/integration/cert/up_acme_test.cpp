// `bridge up` with tls.auto = "acme" against Pebble: the plain listener answers HTTP-01, the
// HTTPS listener switches from a temporary certificate to Pebble's, restarts reuse it, renewal,
// config errors, an unreachable ACME server, and shutdown during an issuance.
#include "cert_env.hpp"
#include "json_text.hpp"
#include "pebble.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

namespace bridge::test {
namespace {

class UpAcme : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pebble_ = new Pebble(); }
  static void TearDownTestSuite() {
    delete pebble_;
    pebble_ = nullptr;
  }

  std::string cert_dir() const { return dir_ / "certs"; }
  std::string port_text() const { return std::to_string(tls_port_); }

  // A plain listener on the port Pebble's VA dials for HTTP-01, and the ACME HTTPS listener.
  void write_config(const std::string& acme_extra, const std::string& directory = {},
                    bool email = true) {
    std::string toml = "[bridge]\nadmin = \"off\"\naccess_log = \"" + (dir_ / "access.log") +
                       "\"\nworkers = 2\n\n[acme]\n";
    if (email) toml += "email = \"dev@example.test\"\n";
    toml += "directory = \"" + (directory.empty() ? pebble_->directory() : directory) + "\"\n" +
            "ca_bundle = \"" + pebble_->ca_bundle() + "\"\naccount_dir = \"" + (dir_ / "accounts") +
            "\"\ncert_dir = \"" + cert_dir() + "\"\n" + acme_extra + "\n" +
            "[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:" +
            std::to_string(pebble_->http_port()) + "\"\n\n" +
            "[[listeners]]\nname = \"web-tls\"\nbind = \"127.0.0.1:" + port_text() + "\"\n" +
            "hosts = [\"app.test\"]\ntls = { auto = \"acme\" }\n\n" +
            "[[routes]]\nname = \"all\"\nrule = \"PathPrefix(`/`)\"\n" +
            "upstream = \"builtin://echo\"\n";
    write_file(dir_ / "config/base.toml", "# everything is in dev.toml\n");
    write_file(dir_ / "config/dev.toml", toml);
  }

  // `bridge up` with text logs on stderr; returns once the HTTPS listener accepts.
  std::unique_ptr<Process> up(std::map<std::string, std::string> env = {}) {
    env.insert({{"NO_COLOR", "1"},
                {"BRIDGE_CONFIG_DIR", ""},
                {"BRIDGE_PROFILE", ""},
                {"XDG_DATA_HOME", dir_ / "data"}});
    auto p =
        std::make_unique<Process>(std::vector<std::string>{bridge_bin(), "up", "--config-dir",
                                                           dir_ / "config", "--log-format", "text"},
                                  env, dir_.path());
    EXPECT_TRUE(wait_for_port(tls_port_, 5s)) << p->stderr_text();
    return p;
  }

  RunResult https_get(const std::string& root, Millis timeout = 3s) {
    return curl({"--cacert", root, "--resolve", "app.test:" + port_text() + ":127.0.0.1",
                 "https://app.test:" + port_text() + "/hello"},
                timeout);
  }

  static int stop(Process& p) {
    auto t0 = std::chrono::steady_clock::now();
    p.signal(SIGTERM);
    auto status = p.wait_exit(5s);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    EXPECT_LT(ms, 3000) << "SIGTERM took " << ms << " ms";
    return status.value_or(-1);
  }

  static Pebble* pebble_;
  TempDir dir_;
  uint16_t tls_port_ = free_port();
};

Pebble* UpAcme::pebble_ = nullptr;

TEST_F(UpAcme, ObtainsOverHttp01ThroughThePlainListenerThenReusesIt) {
  std::string root = pebble_->root_path();
  ASSERT_FALSE(root.empty()) << pebble_->output();
  write_config("");
  auto t0 = std::chrono::steady_clock::now();
  auto bridge = up();
  ASSERT_TRUE(
      bridge->wait_for_stderr("acme: web-tls: obtaining app.test from " + pebble_->directory(), 5s))
      << bridge->stderr_text();
  RunResult got;
  auto deadline = t0 + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    got = https_get(root);
    if (got.status == 0) break;
    std::this_thread::sleep_for(50ms);
  }
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_EQ(got.status, 0) << got.err << bridge->stderr_text() << pebble_->output();
  std::cout << "[ timing ] first HTTPS answer with Pebble's certificate " << ms
            << " ms after spawning bridge up\n";
  EXPECT_TRUE(contains(got.out, "\"path\": \"/hello\"")) << got.out;
  std::string access;
  EXPECT_TRUE(bridge->wait_for_stderr("acme: web-tls: certificate for app.test installed, "
                                      "expires ",
                                      2s))
      << bridge->stderr_text();

  CertEnv env;
  auto inspect = env.bridge(
      {"cert", "inspect", "127.0.0.1:" + port_text(), "--servername", "app.test", "--json"});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  auto j = parse_json(inspect.out);
  EXPECT_TRUE(contains(j["chain"][0]["issuer"].get<std::string>(), "Pebble")) << inspect.out;
  EXPECT_EQ(j["chain"][0]["sans"], nlohmann::json::array({"DNS:app.test"})) << inspect.out;
  // Pebble's validation came through the plain listener and bridge answered it itself.
  access = read_file(dir_ / "access.log");
  int answered = 0;
  std::istringstream lines(access);
  for (std::string line; std::getline(lines, line);) {
    auto entry = nlohmann::json::parse(line, nullptr, false);
    if (!entry.is_object() || entry["upstream"] != "builtin://acme-challenge") continue;
    ++answered;
    EXPECT_EQ(entry["listener"], "web") << line;
    EXPECT_EQ(entry["status"], 200) << line;
    EXPECT_TRUE(entry["path"].get<std::string>().starts_with("/.well-known/acme-challenge/"));
  }
  EXPECT_GE(answered, 1) << access;
  EXPECT_EQ(file_mode(cert_dir() + "/app.test-key.pem"), 0600u);
  EXPECT_TRUE(std::filesystem::exists(cert_dir() + "/app.test.pem"));

  // A reload keeps the obtained certificate: nothing is obtained or read again.
  write_file(dir_ / "config/dev.toml", read_file(dir_ / "config/dev.toml") + "# touched\n");
  ASSERT_TRUE(bridge->wait_for_stderr("reloaded (", 5s)) << bridge->stderr_text();
  auto after_reload = https_get(root);
  EXPECT_EQ(after_reload.status, 0) << after_reload.err;
  std::string log = bridge->stderr_text();
  EXPECT_EQ(log.find("obtaining"), log.rfind("obtaining")) << log;
  EXPECT_FALSE(contains(log, "reusing")) << log;
  EXPECT_EQ(stop(*bridge), 0) << bridge->stderr_text();

  // A restart serves the stored certificate from the first connection, without Pebble.
  auto again = up();
  auto reused = https_get(root);
  EXPECT_EQ(reused.status, 0) << reused.err << again->stderr_text();
  EXPECT_TRUE(again->wait_for_stderr("acme: web-tls: reusing the certificate for app.test from " +
                                         cert_dir() + "/app.test.pem (expires ",
                                     2s))
      << again->stderr_text();
  // Nothing to wait for when nothing happens: check its whole run, up to its exit. (A due
  // certificate is taken up by the ACME thread as soon as the listeners serve.)
  EXPECT_EQ(stop(*again), 0) << again->stderr_text();
  EXPECT_FALSE(contains(again->stderr_text(), "obtaining")) << again->stderr_text();
  EXPECT_FALSE(contains(again->stderr_text(), "renewing")) << again->stderr_text();
}

TEST_F(UpAcme, RenewsWhenUnderRenewDays) {
  std::string root = pebble_->root_path();
  // Every certificate is "due" with renew_days this high; the check runs every 500 ms.
  write_config("renew_days = 3650\ncheck_interval = \"500ms\"\n");
  auto bridge = up();
  ASSERT_TRUE(bridge->wait_for_stderr("acme: web-tls: renewing app.test (", 15s))
      << bridge->stderr_text() << pebble_->output();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  size_t installed = 0;
  while (std::chrono::steady_clock::now() < deadline && installed < 2) {
    std::string text = bridge->stderr_text();
    installed = 0;
    for (size_t at = text.find("installed, expires"); at != std::string::npos;
         at = text.find("installed, expires", at + 1)) {
      ++installed;
    }
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(installed, 2u) << bridge->stderr_text();
  EXPECT_EQ(https_get(root).status, 0);
  EXPECT_EQ(stop(*bridge), 0) << bridge->stderr_text();
}

TEST_F(UpAcme, MissingEmailIsAConfigErrorAtTheListener) {
  write_config("", {}, false);
  auto r = run({bridge_bin(), "up", "--config-dir", dir_ / "config"}, 10s,
               {{"NO_COLOR", "1"}, {"BRIDGE_CONFIG_DIR", ""}, {"BRIDGE_PROFILE", ""}}, dir_.path());
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "error: listener \"web-tls\": tls.auto = \"acme\" needs [acme] "
                              "email"))
      << r.err;
  std::string toml = read_file(dir_ / "config/dev.toml");
  std::string before = toml.substr(0, toml.find("tls = { auto = \"acme\""));
  auto line = std::count(before.begin(), before.end(), '\n') + 1;  // column 16: the value
  EXPECT_TRUE(
      contains(r.err, "--> " + (dir_ / "config/dev.toml") + ":" + std::to_string(line) + ":16"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "^^^^^^ add [acme] with email = \"you@example.com\"")) << r.err;
}

TEST_F(UpAcme, UnreachableDirectoryIsLoggedAndHttpKeepsServing) {
  uint16_t closed = free_port();
  write_config("", "https://127.0.0.1:" + std::to_string(closed) + "/dir");
  auto bridge = up();
  ASSERT_TRUE(bridge->wait_for_stderr("acme: web-tls: could not obtain a certificate for "
                                      "app.test: ",
                                      10s))
      << bridge->stderr_text();
  EXPECT_TRUE(bridge->wait_for_stderr("retrying in 60s", 1s)) << bridge->stderr_text();
  EXPECT_TRUE(contains(bridge->stderr_text(), "(hint: is the ACME server at 127.0.0.1:" +
                                                  std::to_string(closed) + " reachable?)"))
      << bridge->stderr_text();
  std::string plain = "http://127.0.0.1:" + std::to_string(pebble_->http_port());
  auto r = curl({plain + "/x"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"path\": \"/x\"")) << r.out;
  // Tokens bridge did not publish are routed like any other path (an app's own challenge).
  auto other = curl({"-i", plain + "/.well-known/acme-challenge/not-ours"});
  EXPECT_TRUE(contains(other.out, "\"path\": \"/.well-known/acme-challenge/not-ours\""))
      << other.out;
  // The HTTPS listener is up with the temporary self-signed certificate meanwhile.
  auto https = curl({"-k", "https://127.0.0.1:" + port_text() + "/y"});
  EXPECT_EQ(https.status, 0) << https.err;
  EXPECT_FALSE(std::filesystem::exists(cert_dir() + "/app.test.pem"));
  EXPECT_EQ(stop(*bridge), 0) << bridge->stderr_text();
}

TEST_F(UpAcme, SigtermDuringAnIssuanceExitsPromptly) {
  // The directory accepts connections and never answers: obtain() would wait its timeouts.
  uint16_t hole_port = free_port();
  BlackHole hole(hole_port);
  write_config("", "https://127.0.0.1:" + std::to_string(hole_port) + "/dir");
  auto bridge = up();
  ASSERT_TRUE(bridge->wait_for_stderr("acme: web-tls: obtaining app.test", 5s))
      << bridge->stderr_text();
  // The issuance is under way once its request to the directory hangs.
  ASSERT_TRUE(hole.wait_for_connection(5s)) << "bridge never connected to the ACME directory\n"
                                            << bridge->stderr_text();
  EXPECT_EQ(stop(*bridge), 0) << bridge->stderr_text();
}

}  // namespace
}  // namespace bridge::test
