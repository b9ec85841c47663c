#include "net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace bridge::test {

namespace {

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int bound_socket(uint16_t port, uint16_t& actual) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0 failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  actual = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

uint16_t free_port() {
  // The kernel may hand the port it gave last time out again once that socket is closed: two
  // calls in a row (a fixture's plain and TLS listeners) once got the same port, and bridge,
  // binding with SO_REUSEPORT, put both listeners on it. Never repeat a recent one.
  static std::mutex mutex;
  static std::array<uint16_t, 256> recent{};
  static size_t next = 0;
  std::lock_guard lock(mutex);
  for (;;) {
    uint16_t port = 0;
    int fd = bound_socket(0, port);
    ::close(fd);
    if (std::find(recent.begin(), recent.end(), port) != recent.end()) continue;
    recent[next++ % recent.size()] = port;
    return port;
  }
}

bool port_open(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (port_open(port)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool wait_for_port_closed(uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!port_open(port)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

PortHolder::PortHolder() {
  fd_ = bound_socket(0, port_);
  if (::listen(fd_, 16) != 0) throw std::runtime_error("listen failed");
}

PortHolder::~PortHolder() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace bridge::test
