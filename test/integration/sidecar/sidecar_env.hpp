#pragma once
// Shared by the sidecar tests: the image scripts/image builds in the private dockerd (once per
// executable), containers of it removed by name, config dirs a non-root container can read,
// and plain curl requests with status, headers and body.

#include "discovery_env.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bridge::test {

using SteadyClock = std::chrono::steady_clock;

inline long long ms_since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

inline std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

inline std::string source_dir() { return env_or("BRIDGE_SOURCE_DIR", "."); }
inline std::string bridge_bin() { return env_or("BRIDGE_BIN", "build/cli/bridge"); }

inline std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

/// `docker ARGS` against the private engine.
inline RunResult docker(std::vector<std::string> args, Millis timeout = 60s) {
  return DockerEnvironment::engine()->docker(std::move(args), timeout);
}

/// The image built by `scripts/image --binary $BRIDGE_BIN` in the private engine. The binary
/// under test goes in (stripped), so the image matches this build; `scripts/image` alone builds
/// a release binary first.
class ImageEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto* engine = DockerEnvironment::engine();
    if (engine == nullptr) return;
    auto started = SteadyClock::now();
    auto r = run(
        {env_or("BRIDGE_IMAGE_SCRIPT", source_dir() + "/scripts/image"), "--binary", bridge_bin()},
        300s, engine->env());
    long long took = ms_since(started);
    if (r.status != 0) {
      error_ = "scripts/image failed (status " + std::to_string(r.status) + "):\n" + r.out + r.err;
      return;
    }
    // "image: bridge:0.1.0 (also bridge:latest) sha256:..."
    auto at = r.out.find("image: ");
    if (at == std::string::npos) {
      error_ = "scripts/image printed no \"image:\" line:\n" + r.out;
      return;
    }
    auto end = r.out.find(' ', at + 7);
    image_ = r.out.substr(at + 7, end - at - 7);
    auto size = docker({"image", "inspect", "--format", "{{.Size}}", image_});
    size_bytes_ = std::atoll(size.out.c_str());
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
      std::printf("[ image    ] %s\n", line.c_str());
    std::printf("[ measure  ] image size %.1f MB (%lld bytes, uncompressed; the binary under "
                "test, not scripts/image's release build)\n",
                static_cast<double>(size_bytes_) / 1e6, size_bytes_);
    std::printf("[ measure  ] scripts/image --binary: %lld ms\n", took);
  }
  static const std::string& image() { return image_; }
  static const std::string& error() { return error_; }
  static long long size_bytes() { return size_bytes_; }

 private:
  static inline std::string image_;
  static inline std::string error_;
  static inline long long size_bytes_ = 0;
};

#define REQUIRE_IMAGE()                                                                            \
  do {                                                                                             \
    REQUIRE_DOCKER();                                                                              \
    if (::bridge::test::ImageEnvironment::image().empty())                                         \
      FAIL() << ::bridge::test::ImageEnvironment::error();                                         \
  } while (0)

/// A container of the private engine, removed (docker rm -f) at destruction.
class Container {
 public:
  explicit Container(std::string name) : name_(std::move(name)) {}
  ~Container() {
    if (DockerEnvironment::engine() != nullptr) docker({"rm", "-f", name_}, 30s);
  }
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  const std::string& name() const { return name_; }
  /// `docker run -d --name NAME ARGS...`; the error output when it fails.
  RunResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"run", "-d", "--name", name_});
    return docker(std::move(args), 60s);
  }
  /// The 127.0.0.1 host port published for container port `port`, 0 when none.
  uint16_t host_port(int port) const {
    auto r = docker({"port", name_, std::to_string(port) + "/tcp"});
    auto colon = r.out.find("127.0.0.1:");
    if (r.status != 0 || colon == std::string::npos) return 0;
    return static_cast<uint16_t>(std::atoi(r.out.c_str() + colon + 10));
  }
  /// The container's stdout (out) and stderr (err).
  RunResult logs() const { return docker({"logs", name_}); }
  std::string inspect(const std::string& format) const {
    return trim(docker({"inspect", "-f", format, name_}).out);
  }

 private:
  std::string name_;
};

/// A unique container name for this test executable.
inline std::string container_name(const std::string& prefix) {
  static int next = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++next);
}

/// A config dir (files name -> text) the container's user 65532 can read: dir 0755, files 0644.
class ConfigDir {
 public:
  explicit ConfigDir(const std::map<std::string, std::string>& files) {
    path_ = dir_ / "config";
    for (const auto& [name, text] : files) write_file(path_ + "/" + name, text);
    ::chmod(path_.c_str(), 0755);
    for (const auto& [name, text] : files) ::chmod((path_ + "/" + name).c_str(), 0644);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  TempDir dir_;
  std::string path_;
};

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::string error;  // curl's, when status is 0
};

/// GET http://127.0.0.1:PORT/PATH with curl.
inline Reply http_get(uint16_t port, const std::string& path, Millis timeout = 5s) {
  auto seconds = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
  auto r =
      curl({"-i", "-m", seconds, "http://127.0.0.1:" + std::to_string(port) + path}, timeout + 3s);
  Reply out;
  if (r.status != 0) {
    out.error = r.err;
    return out;
  }
  auto head_end = r.out.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  std::string head = r.out.substr(0, head_end);
  out.body = trim(r.out.substr(head_end + 4));
  out.status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
  size_t line = head.find("\r\n");
  while (line != std::string::npos) {
    size_t next = head.find("\r\n", line + 2);
    std::string field =
        head.substr(line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
    auto colon = field.find(':');
    if (colon != std::string::npos) {
      std::string name = field.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[name] = value;
    }
    line = next;
  }
  return out;
}

}  // namespace bridge::test
