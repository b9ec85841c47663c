#include "dockerd.hpp"

#include "net.hpp"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace bridge::test {

namespace fs = std::filesystem;

namespace {

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string find_in_path(const std::string& name) {
  for (const char* dir :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (executable(p)) return p;
  }
  return "";
}

std::string tail(const std::string& text, size_t n = 1500) {
  return text.size() <= n ? text : text.substr(text.size() - n);
}

}  // namespace

bool docker_tools_available(std::string* why) {
  for (const char* tool : {"dockerd", "docker", "docker-compose", "containerd"}) {
    if (find_in_path(tool).empty()) {
      if (why) *why = std::string(tool) + " is not installed";
      return false;
    }
  }
  if (::geteuid() != 0) {
    if (why) *why = "dockerd needs root";
    return false;
  }
  return true;
}

Dockerd::Dockerd() = default;

Dockerd::~Dockerd() { stop(); }

std::map<std::string, std::string> Dockerd::env() const {
  return {{"DOCKER_HOST", docker_host()},
          {"COMPOSE_FILE", ""},
          {"COMPOSE_PROJECT_NAME", ""},
          {"DOCKER_CONTEXT", ""},
          {"DOCKER_CONFIG", dir_ / "cfg"}};
}

bool Dockerd::start(std::string* why) {
  if (!docker_tools_available(why)) return false;
  // Short paths: unix socket paths (ours and containerd's under exec-root) have a 108-byte limit.
  process_ = std::make_unique<Process>(std::vector<std::string>{
      find_in_path("dockerd"), "--iptables=false", "--ip6tables=false", "--bridge=none",
      "--storage-driver=vfs", "--host", docker_host(), "--data-root", dir_ / "data", "--exec-root",
      dir_ / "x", "--pidfile", dir_ / "d.pid", "--shutdown-timeout", "1"});
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      if (why) *why = "dockerd exited: " + tail(process_->stderr_text());
      process_.reset();
      return false;
    }
    if (fs::exists(socket_path())) {
      auto version = docker({"version", "--format", "{{.Server.Version}}"}, 10s);
      if (version.status == 0) return import_image(why);
    }
    std::this_thread::sleep_for(100ms);
  }
  if (why) *why = "dockerd did not answer within 60s: " + tail(process_->stderr_text());
  stop();
  return false;
}

bool Dockerd::import_image(std::string* why) {
  std::string root = dir_ / "img";
  fs::create_directories(root + "/bin");
  fs::create_directories(root + "/www");
  fs::copy_file("/bin/busybox", root + "/bin/busybox");
  for (const char* applet : {"sh", "httpd", "hostname"}) {
    fs::create_symlink("busybox", root + "/bin/" + applet);
  }
  write_file(root + "/www/index.html", "busybox\n");
  std::string command =
      "tar -C " + root + " -c . | " + find_in_path("docker") + " import - " + busybox_image;
  auto r = run({"/bin/sh", "-c", command}, 60s, env());
  if (r.status != 0) {
    if (why) *why = "docker import failed: " + r.err;
    return false;
  }
  return true;
}

void Dockerd::stop() {
  if (!process_) return;
  if (process_->running()) {
    auto ids = docker({"ps", "-aq"}, 20s);
    if (ids.status == 0 && !ids.out.empty()) {
      std::vector<std::string> args{"rm", "-f"};
      std::string id;
      for (char c : ids.out) {
        if (c == '\n') {
          if (!id.empty()) args.push_back(id);
          id.clear();
        } else {
          id += c;
        }
      }
      if (args.size() > 2) docker(args, 30s);
    }
    docker({"network", "prune", "-f"}, 20s);  // compose networks are host bridges
    process_->signal(SIGTERM);
    if (!process_->wait_exit(20s)) process_->kill();
  }
  process_.reset();
}

RunResult Dockerd::docker(std::vector<std::string> args, Millis timeout) const {
  args.insert(args.begin(), find_in_path("docker"));
  return run(args, timeout, env());
}

RunResult Dockerd::compose(std::vector<std::string> args, const std::string& cwd,
                           Millis timeout) const {
  args.insert(args.begin(), find_in_path("docker-compose"));
  return run(args, timeout, env(), cwd);
}

}  // namespace bridge::test
