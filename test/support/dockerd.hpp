#pragma once
/// A private Docker Engine for tests: dockerd (with its own containerd) under a temp dir, its
/// API on a unix socket there, a busybox image imported locally (no registry is reachable), and
/// docker / docker-compose run against it. Stopped by PID.

#include "process.hpp"
#include "temp_dir.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bridge::test {

/// The image every compose test uses: static busybox with sh, httpd and hostname, and /www.
constexpr const char* busybox_image = "bridge-test/busybox:local";

class Dockerd {
 public:
  Dockerd();
  ~Dockerd();  // removes every container, then stops dockerd (SIGTERM, then SIGKILL)
  Dockerd(const Dockerd&) = delete;
  Dockerd& operator=(const Dockerd&) = delete;

  /// Starts dockerd (--iptables=false --ip6tables=false --storage-driver=vfs --bridge=none)
  /// and imports busybox_image; false with the reason when it cannot.
  bool start(std::string* why);
  void stop();

  /// "unix://DIR/d.sock"
  std::string docker_host() const { return "unix://" + socket_path(); }
  std::string socket_path() const { return dir_ / "d.sock"; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  /// dockerd's own log, for failure messages.
  std::string log() const { return process_ ? process_->stderr_text() : ""; }

  /// `docker ARGS` against this engine.
  RunResult docker(std::vector<std::string> args, Millis timeout = 60s) const;
  /// `docker-compose ARGS` against this engine, in `cwd` (the project dir).
  RunResult compose(std::vector<std::string> args, const std::string& cwd,
                    Millis timeout = 120s) const;
  /// The environment docker and docker-compose get (DOCKER_HOST, no COMPOSE_* leaks).
  std::map<std::string, std::string> env() const;

 private:
  bool import_image(std::string* why);
  TempDir dir_;
  std::unique_ptr<Process> process_;
};

/// True when dockerd, docker and docker-compose are installed.
bool docker_tools_available(std::string* why);

}  // namespace bridge::test
