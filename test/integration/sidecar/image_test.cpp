// Sidecar mode end to end: scripts/image builds the FROM scratch image in a private dockerd
// (one per executable, as in the discovery tests; skipped with the reason where dockerd cannot
// start), and containers of it run read-only as user 65532 next to a compose project's busybox
// backend: routing by compose service name, `docker stop` with a request in flight (bridge is
// PID 1), --drain-delay, HTTPS upstreams verified with the image's CA bundle path, log
// timestamps, and the compose example in profiles/compose/.
#include "net.hpp"
#include "sidecar_env.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace bridge::test {
namespace {

[[maybe_unused]] auto* const docker_env =
    ::testing::AddGlobalTestEnvironment(new DockerEnvironment);
[[maybe_unused]] auto* const image_env = ::testing::AddGlobalTestEnvironment(new ImageEnvironment);

// Sanitizer builds: LeakSanitizer cannot stop the world inside a container without ptrace.
const std::vector<std::string> asan_env = {"-e", "ASAN_OPTIONS=detect_leaks=0"};

/// True when the binary under test links a sanitizer runtime: LeakSanitizer then fails the
/// exit status of containers that do not get asan_env (the compose example).
bool sanitized_build() {
  auto r = run({"ldd", bridge_bin()}, 10s);
  return r.out.find("libasan") != std::string::npos || r.out.find("libubsan") != std::string::npos;
}

/// A config dir for a bridge container: listener on 0.0.0.0:8080, probes-only admin on
/// 0.0.0.0:9901, every path to `target`. Profile `sidecar`.
std::map<std::string, std::string> proxy_config(const std::string& target) {
  return {{"base.toml",
           "version = 1\n[bridge]\nadmin = \"0.0.0.0:9901\"\nadmin_probes_only = true\n"
           "access_log = \"stdout\"\naccess_log_format = \"json\"\nworkers = 2\n\n"
           "[limits]\nconnect_timeout = \"2s\"\ndrain_timeout = \"10s\"\n\n"
           "[[listeners]]\nname = \"web\"\nbind = \"0.0.0.0:8080\"\n\n"
           "[[upstreams]]\nname = \"backend\"\ntargets = [\"" +
               target +
               "\"]\n\n"
               "[[routes]]\nname = \"all\"\nrule = \"PathPrefix(`/`)\"\nupstream = \"backend\"\n"},
          {"sidecar.toml", "# the profile the tests run: everything is in base.toml\n"}};
}

/// `docker run` arguments for a bridge container on `network` with `config` at /etc/bridge
/// (the image's BRIDGE_CONFIG_DIR), both ports published on 127.0.0.1 only.
std::vector<std::string> bridge_run_args(const std::string& network, const ConfigDir& config,
                                         std::vector<std::string> extra_docker,
                                         std::vector<std::string> bridge_args) {
  std::vector<std::string> args{"--read-only",
                                "--user",
                                "65532",
                                "--network",
                                network,
                                "-p",
                                "127.0.0.1::8080",
                                "-p",
                                "127.0.0.1::9901",
                                "-v",
                                config.path() + ":/etc/bridge:ro"};
  args.insert(args.end(), asan_env.begin(), asan_env.end());
  args.insert(args.end(), extra_docker.begin(), extra_docker.end());
  args.push_back(ImageEnvironment::image());
  if (bridge_args.empty()) bridge_args = {"up", "--profile", "sidecar"};
  args.insert(args.end(), bridge_args.begin(), bridge_args.end());
  return args;
}

/// Seconds since the epoch of "2026-11-23T13:26:12.712Z" (any number of fraction digits, as
/// docker's "...12.712345678Z"); -1 when it is not one.
double parse_utc(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return -1;
  std::string rest = text.substr(static_cast<size_t>(consumed));
  double fraction = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    fraction = std::strtod(("0" + rest.substr(0, digits)).c_str(), nullptr);
    rest = rest.substr(digits);
  }
  if (rest != "Z") return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(::timegm(&tm)) + fraction;
}

double now_utc() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The backend: busybox httpd of a compose project (service `web`) serving ./www, with a CGI
/// script that takes 2 s and notes in ./state that it started. One per test suite; bridge
/// containers join its network.
class Backend {
 public:
  Backend()
      : project_("sidecar",
                 "services:\n  web:\n    image: " + std::string(busybox_image) +
                     "\n    command: [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", "
                     "\"-h\", \"/www\"]\n    volumes:\n      - ./www:/www:ro\n"
                     "      - ./state:/state\n    stop_signal: SIGKILL\n") {
    std::string www = project_.path() + "/www";
    write_file(www + "/index.html", "hello from web\n");
    write_file(state("slow-started"), "");
    write_file(www + "/cgi-bin/slow",
               "#!/bin/sh\necho started >> /state/slow-started\n/bin/busybox sleep 2\n"
               "printf 'Content-Type: text/plain\\r\\n\\r\\nslow done\\n'\n");
    ::chmod((www + "/cgi-bin/slow").c_str(), 0755);
    up_ = project_.compose({"up", "-d"});
  }
  const RunResult& up() const { return up_; }
  std::string network() const { return "sidecar_default"; }
  /// How many /cgi-bin/slow requests have reached the script so far.
  long slow_started() const {
    std::string text = read_file(state("slow-started"));
    return std::count(text.begin(), text.end(), '\n');
  }

 private:
  std::string state(const std::string& name) const { return project_.path() + "/state/" + name; }
  ComposeProject project_;
  RunResult up_;
};

class Sidecar : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (DockerEnvironment::engine() != nullptr && !ImageEnvironment::image().empty())
      backend_ = new Backend;
  }
  static void TearDownTestSuite() {
    delete backend_;
    backend_ = nullptr;
  }
  void SetUp() override {
    if (backend_ != nullptr) {
      ASSERT_EQ(backend_->up().status, 0) << backend_->up().out << backend_->up().err;
    }
  }
  static std::string network() { return backend_->network(); }

  /// Polls GET `path` until it answers `status`; the last reply.
  static Reply wait_for_status(uint16_t port, const std::string& path, int status,
                               Millis timeout = 30s) {
    Reply reply;
    wait_until([&] { return (reply = http_get(port, path, 3s)).status == status; }, timeout);
    return reply;
  }

  static inline Backend* backend_ = nullptr;
};

TEST_F(Sidecar, ImageIsScratchWithNonRootUserAndShippedProfiles) {
  REQUIRE_IMAGE();
  const std::string& image = ImageEnvironment::image();
  auto config = docker({"image", "inspect", "--format",
                        "{{json .Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} "
                        "{{json .Config.ExposedPorts}} {{json .Config.Env}}",
                        image});
  ASSERT_EQ(config.status, 0) << config.err;
  EXPECT_NE(config.out.find("\"65532:65532\" [\"/bridge\"] [\"up\"] {\"8080/tcp\":{}}"),
            std::string::npos)
      << config.out;
  EXPECT_NE(config.out.find("BRIDGE_CONFIG_DIR=/etc/bridge"), std::string::npos) << config.out;

  // The root filesystem: the binary, its libraries and loader, CA bundle, zoneinfo, users,
  // profiles; no shell, no package manager.
  Container c(container_name("bridge-files"));
  ASSERT_EQ(docker({"create", "--name", c.name(), image}).status, 0);
  auto listing = run({"/bin/sh", "-c", "docker export " + c.name() + " | tar -t"}, 60s,
                     DockerEnvironment::engine()->env());
  ASSERT_EQ(listing.status, 0) << listing.err;
  std::set<std::string> files;
  std::istringstream lines(listing.out);
  for (std::string line; std::getline(lines, line);) files.insert(line);
  for (const char* path :
       {"bridge", "etc/passwd", "etc/group", "etc/ssl/certs/ca-certificates.crt",
        "usr/lib/ssl/cert.pem", "usr/share/zoneinfo/UTC", "usr/share/zoneinfo/Europe/Berlin",
        "etc/bridge/base.toml", "etc/bridge/dev.toml", "etc/bridge/staging.toml",
        "etc/bridge/prod.toml"})
    EXPECT_EQ(files.count(path), 1u) << path << " is missing from the image";
  // Every library ldd lists for the binary, at the path it lists.
  auto ldd = run({"ldd", bridge_bin()}, 10s);
  std::istringstream libs(ldd.out);
  int libraries = 0;
  for (std::string line; std::getline(libs, line);) {
    std::smatch m;
    if (std::regex_search(line, m, std::regex(R"((?:=> )?(/\S+) \(0x)"))) {
      EXPECT_EQ(files.count(m[1].str().substr(1)), 1u) << m[1] << " is missing from the image";
      ++libraries;
    }
  }
  EXPECT_GE(libraries, 3) << ldd.out;
  for (const char* path : {"bin/sh", "bin/busybox", "usr/bin/apt-get"})
    EXPECT_EQ(files.count(path), 0u) << path << " should not be in the image";
  auto passwd = run({"/bin/sh", "-c", "docker cp " + c.name() + ":/etc/passwd -"}, 30s,
                    DockerEnvironment::engine()->env());
  EXPECT_NE(passwd.out.find("bridge:x:65532:65532:"), std::string::npos) << passwd.out;

  // The shipped profiles are valid where the image finds them, as user 65532.
  auto check =
      docker({"run", "--rm", "--read-only", "--network", "none", "-e",
              "ASAN_OPTIONS=detect_leaks=0", image, "config", "check", "--profile", "staging"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("ok: profile staging"), std::string::npos) << check.out;
}

TEST_F(Sidecar, RoutesToAComposeServiceByNameWithRequestIdsAndUtcTimestamps) {
  REQUIRE_IMAGE();
  ConfigDir config(proxy_config("http://web:8080"));
  Container c(container_name("bridge-route"));
  double before = now_utc();
  auto started = SteadyClock::now();
  // TZ must not move the logged UTC times (the zone file is in the image).
  auto r = c.run(bridge_run_args(network(), config, {"-e", "TZ=Asia/Kolkata"}, {}));
  ASSERT_EQ(r.status, 0) << r.err;
  uint16_t port = c.host_port(8080);
  ASSERT_NE(port, 0) << c.logs().err;
  Reply reply = wait_for_status(port, "/", 200);
  long long startup_ms = ms_since(started);
  double first_200 = now_utc();
  ASSERT_EQ(reply.status, 200) << reply.error << reply.body << c.logs().out << c.logs().err;
  // docker run includes creating the container (a copy of the image with the vfs driver);
  // State.StartedAt is when bridge was exec'd.
  double process_started = parse_utc(c.inspect("{{.State.StartedAt}}"));
  std::printf("[ measure  ] startup: docker run to first 200 through bridge %lld ms; "
              "process start to first 200 %.0f ms\n",
              startup_ms, (first_200 - process_started) * 1000);

  EXPECT_EQ(reply.body, "hello from web");
  std::string id = reply.headers["x-request-id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << "X-Request-ID: " << id;
  EXPECT_EQ(c.inspect("{{.Config.User}}"), "65532");

  // Every JSON log line (the access log, and bridge's own log when not on a terminal) carries
  // a UTC time within a few seconds of the host's.
  std::string logs;
  EXPECT_TRUE(wait_until([&] { return (logs = c.logs().out).find(id) != std::string::npos; }, 5s))
      << logs;
  double after = now_utc();
  int timed = 0;
  std::istringstream lines(logs);
  for (std::string line; std::getline(lines, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("time")) continue;
    double at = parse_utc(parsed["time"].get<std::string>());
    EXPECT_GE(at, before - 3) << line;
    EXPECT_LE(at, after + 3) << line;
    ++timed;
  }
  EXPECT_GE(timed, 1) << logs;
}

TEST_F(Sidecar, DockerStopLetsTheInFlightRequestFinishAndExitsZero) {
  REQUIRE_IMAGE();
  ConfigDir config(proxy_config("http://web:8080"));
  Container c(container_name("bridge-stop"));
  ASSERT_EQ(c.run(bridge_run_args(network(), config, {}, {})).status, 0);
  uint16_t port = c.host_port(8080);
  ASSERT_EQ(wait_for_status(port, "/", 200).status, 200) << c.logs().out << c.logs().err;

  // The backend answers /cgi-bin/slow after 2 s; stop bridge while it waits.
  long started = backend_->slow_started();
  Process slow({"curl", "-sS", "-m", "20", "-w", "\n%{http_code}",
                "http://127.0.0.1:" + std::to_string(port) + "/cgi-bin/slow"});
  ASSERT_TRUE(wait_until([&] { return backend_->slow_started() > started; }, 10s))
      << "the request did not reach the backend's CGI script\n"
      << slow.stderr_text() << c.logs().out << c.logs().err;
  auto stopping = SteadyClock::now();
  auto stop = docker({"stop", "-t", "30", c.name()}, 60s);
  long long stop_ms = ms_since(stopping);
  ASSERT_EQ(stop.status, 0) << stop.err;
  ASSERT_EQ(slow.wait_exit(20s), 0) << slow.stderr_text();
  std::string answer = trim(slow.stdout_text());
  EXPECT_TRUE(answer.starts_with("slow done\n") && answer.ends_with("\n200")) << answer;
  // Exit 0 by itself: SIGTERM reached bridge as PID 1 (SIGKILL after -t 30 would be 137).
  EXPECT_EQ(c.inspect("{{.State.ExitCode}}"), "0") << c.logs().out << c.logs().err;
  EXPECT_LT(stop_ms, 10000);
  EXPECT_GE(stop_ms, 500) << "bridge exited before the in-flight request finished";
  std::printf("[ measure  ] docker stop with a 2 s request in flight: %lld ms\n", stop_ms);
}

TEST_F(Sidecar, DrainDelayKeepsServingWhileReadyzSaysNotReady) {
  REQUIRE_IMAGE();
  ConfigDir config(proxy_config("http://web:8080"));
  Container c(container_name("bridge-delay"));
  ASSERT_EQ(c.run(bridge_run_args(network(), config, {},
                                  {"up", "--profile", "sidecar", "--drain-delay", "2s"}))
                .status,
            0);
  uint16_t port = c.host_port(8080);
  uint16_t admin = c.host_port(9901);
  ASSERT_EQ(wait_for_status(port, "/", 200).status, 200) << c.logs().out << c.logs().err;
  ASSERT_EQ(wait_for_status(admin, "/readyz", 200, 10s).status, 200);
  EXPECT_EQ(http_get(admin, "/healthz").status, 200);

  auto stopping = SteadyClock::now();
  Process stop({"docker", "stop", "-t", "30", c.name()}, DockerEnvironment::engine()->env());
  Reply ready = wait_for_status(admin, "/readyz", 503, 1500ms);
  EXPECT_EQ(ready.status, 503) << ready.body;
  // Not ready, still serving: load balancers stop sending before anything is refused.
  EXPECT_EQ(http_get(port, "/").status, 200);
  EXPECT_EQ(http_get(admin, "/healthz").status, 200);
  ASSERT_EQ(stop.wait_exit(40s), 0) << stop.stderr_text();
  long long stop_ms = ms_since(stopping);
  EXPECT_GE(stop_ms, 1900);
  EXPECT_LT(stop_ms, 10000);
  EXPECT_EQ(c.inspect("{{.State.ExitCode}}"), "0") << c.logs().out << c.logs().err;
}

TEST_F(Sidecar, HttpsUpstreamIsVerifiedWithTheBundleAtTheStandardPath) {
  REQUIRE_IMAGE();
  // A local CA (permitting the compose-network name tls-echo) and a leaf for tls-echo.
  ConfigDir echo_config(
      {{"base.toml",
        "version = 1\n[bridge]\nadmin = \"off\"\nworkers = 1\n\n"
        "[[listeners]]\nname = \"tls\"\nbind = \"0.0.0.0:8443\"\n"
        "tls = { cert = \"/etc/bridge/tls-echo.pem\", key = \"/etc/bridge/tls-echo-key.pem\" }\n\n"
        "[[routes]]\nname = \"echo\"\nrule = \"PathPrefix(`/`)\"\nupstream = \"builtin://echo\"\n"},
       {"sidecar.toml", ""}});
  TempDir ca;
  auto made = run({bridge_bin(), "cert", "ca", "--dir", ca / "ca", "--permit", "tls-echo"}, 30s);
  ASSERT_EQ(made.status, 0) << made.out << made.err;
  auto issued = run(
      {bridge_bin(), "cert", "issue", "tls-echo", "--dir", ca / "ca", "--out", echo_config.path()},
      30s);
  ASSERT_EQ(issued.status, 0) << issued.out << issued.err;
  ::chmod((echo_config / "tls-echo-key.pem").c_str(), 0644);  // readable by user 65532

  Container echo(container_name("bridge-tls-echo"));
  auto started = echo.run(
      {"--read-only", "--user", "65532", "--network", network(), "--network-alias", "tls-echo",
       "-v", echo_config.path() + ":/etc/bridge:ro", "-e", "ASAN_OPTIONS=detect_leaks=0",
       ImageEnvironment::image(), "up", "--profile", "sidecar"});
  ASSERT_EQ(started.status, 0) << started.err;

  // Bundles mounted over /etc/ssl/certs/ca-certificates.crt: the host's plus the test CA,
  // and the host's alone.
  std::string system = read_file("/etc/ssl/certs/ca-certificates.crt");
  ConfigDir bundles(
      {{"with-ca.crt", system + read_file(ca / "ca/ca.pem")}, {"without-ca.crt", system}});
  ConfigDir config(proxy_config("https://tls-echo:8443"));

  Container trusting(container_name("bridge-tls-ok"));
  ASSERT_EQ(trusting
                .run(bridge_run_args(
                    network(), config,
                    {"-v", bundles / "with-ca.crt" + ":/etc/ssl/certs/ca-certificates.crt:ro"}, {}))
                .status,
            0);
  uint16_t port = trusting.host_port(8080);
  Reply ok = wait_for_status(port, "/hello", 200);
  ASSERT_EQ(ok.status, 200) << ok.body << trusting.logs().out << echo.logs().out << echo.logs().err;
  auto body = nlohmann::json::parse(ok.body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << ok.body;
  EXPECT_EQ(body.value("path", ""), "/hello");

  Container distrusting(container_name("bridge-tls-bad"));
  ASSERT_EQ(
      distrusting
          .run(bridge_run_args(
              network(), config,
              {"-v", bundles / "without-ca.crt" + ":/etc/ssl/certs/ca-certificates.crt:ro"}, {}))
          .status,
      0);
  uint16_t bad_port = distrusting.host_port(8080);
  Reply refused = wait_for_status(bad_port, "/hello", 502);
  ASSERT_EQ(refused.status, 502) << refused.body << distrusting.logs().out;
  std::string lower = refused.body + distrusting.logs().out;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  EXPECT_NE(lower.find("verif"), std::string::npos)
      << "the 502 should say the certificate did not verify: " << refused.body;
}

TEST_F(Sidecar, ComposeExampleServesBothServicesThroughBridge) {
  REQUIRE_IMAGE();
  std::string dir = source_dir() + "/profiles/compose";
  auto env = DockerEnvironment::engine()->env();
  env["BRIDGE_IMAGE"] = ImageEnvironment::image();
  env["BUSYBOX_IMAGE"] = busybox_image;
  uint16_t port = free_port();
  uint16_t admin = free_port();
  env["BRIDGE_PORT"] = std::to_string(port);
  env["BRIDGE_ADMIN_PORT"] = std::to_string(admin);
  auto compose = [&](std::vector<std::string> args, Millis timeout = 120s) {
    args.insert(args.begin(),
                {"docker-compose", "-f", dir + "/compose.yaml", "-p", "sidecarexample"});
    return run(args, timeout, env, dir);
  };
  struct Down {
    std::function<void()> f;
    ~Down() { f(); }
  } down{[&] { compose({"down", "-t", "0"}, 60s); }};

  auto up = compose({"up", "-d"});
  ASSERT_EQ(up.status, 0) << up.out << up.err;
  Reply web = wait_for_status(port, "/", 200);
  ASSERT_EQ(web.status, 200) << web.error << compose({"logs", "bridge"}).out;
  EXPECT_EQ(web.body, "hello from web");
  EXPECT_EQ(web.headers["x-request-id"].size(), 32u);
  Reply api = wait_for_status(port, "/api/", 200);
  EXPECT_EQ(api.body, "hello from api");
  EXPECT_EQ(wait_for_status(admin, "/readyz", 200, 10s).status, 200);

  auto id = trim(compose({"ps", "-q", "bridge"}).out);
  auto stop = compose({"stop", "bridge"}, 60s);
  EXPECT_EQ(stop.status, 0) << stop.err;
  if (!sanitized_build()) {
    EXPECT_EQ(trim(docker({"inspect", "-f", "{{.State.ExitCode}}", id}).out), "0");
  }
}

}  // namespace
}  // namespace bridge::test
