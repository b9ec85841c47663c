#pragma once
// Shared by the discovery integration tests: one private dockerd per test executable (a gtest
// Environment: it is slow to start), compose projects in temp dirs, polling helpers.

#include "discovery/discovery.hpp"
#include "dockerd.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace bridge::test {

class DockerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (std::getenv("BRIDGE_TEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
    auto started = std::chrono::steady_clock::now();
    auto d = std::make_unique<Dockerd>();
    if (d->start(&skip_reason_)) {
      dockerd_ = std::move(d);
      std::printf("[ docker   ] private dockerd pid %d ready in %lld ms\n", dockerd_->pid(),
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - started)
                                             .count()));
    } else {
      std::printf("[ docker   ] skipped: no docker engine: %s\n", skip_reason_.c_str());
    }
  }
  void TearDown() override { dockerd_.reset(); }
  static Dockerd* engine() { return dockerd_.get(); }
  static const std::string& skip_reason() { return skip_reason_; }

 private:
  static inline std::unique_ptr<Dockerd> dockerd_;
  static inline std::string skip_reason_;
};

#define REQUIRE_DOCKER()                                                                           \
  do {                                                                                             \
    if (::bridge::test::DockerEnvironment::engine() == nullptr)                                    \
      GTEST_SKIP() << "skipped: no docker engine: "                                                \
                   << ::bridge::test::DockerEnvironment::skip_reason();                            \
  } while (0)

/// Polls `done` every 20 ms until it is true or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done, Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

/// A compose file whose services run `busybox httpd` on 8080 and answer with their hostname
/// (the container's short id), so a test can tell containers apart.
inline std::string httpd_service(const std::string& name, const std::string& ports_yaml) {
  return "  " + name + ":\n    image: " + std::string(busybox_image) +
         "\n    command: [\"/bin/sh\", \"-c\", \"/bin/busybox hostname > /www/index.html && exec "
         "/bin/busybox httpd -f -p "
         "8080 -h /www\"]\n    stop_signal: SIGKILL\n    ports:\n" +
         ports_yaml;
}

/// A compose project in its own temp dir: `dir/NAME/compose.yaml`, taken down at the end.
class ComposeProject {
 public:
  ComposeProject(const std::string& dir_name, const std::string& yaml) {
    path_ = dir_ / dir_name;
    write_file(path_ + "/compose.yaml", yaml);
  }
  ~ComposeProject() {
    if (auto* d = DockerEnvironment::engine()) d->compose({"down", "-t", "0"}, path_, 60s);
  }
  const std::string& path() const { return path_; }
  RunResult compose(std::vector<std::string> args) const {
    return DockerEnvironment::engine()->compose(std::move(args), path_);
  }
  /// discovery::Options for bridge running in this directory against the private engine.
  discovery::Options options() const {
    discovery::Options o;
    o.working_dir = path_;
    o.env = DockerEnvironment::engine() ? DockerEnvironment::engine()->env()
                                        : std::map<std::string, std::string>{};
    o.engine_timeout = 3s;
    return o;
  }

 private:
  TempDir dir_;
  std::string path_;
};

/// GET http://HOST:PORT/ with curl; the body, or "" on failure.
inline std::string http_get(const std::string& host, uint16_t port) {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  auto r = curl({"-m", "3", "http://" + h + ":" + std::to_string(port) + "/"}, 5s);
  if (r.status != 0) return "";
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == '\r')) r.out.pop_back();
  return r.out;
}

}  // namespace bridge::test
