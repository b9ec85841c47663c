#pragma once
/// Loopback port helpers.

#include <chrono>
#include <cstdint>

namespace bridge::test {

/// A port that was free a moment ago: bind 127.0.0.1:0, read the port, close. Never one of
/// the last 256 it returned in this process.
uint16_t free_port();

/// Polls a TCP connect to 127.0.0.1:port until it succeeds; false on timeout.
bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout);

/// Polls until a TCP connect to 127.0.0.1:port is refused (the listener closed); false on
/// timeout.
bool wait_for_port_closed(uint16_t port, std::chrono::milliseconds timeout);

/// True when a TCP connect to 127.0.0.1:port succeeds right now.
bool port_open(uint16_t port);

/// Holds 127.0.0.1:port bound and listening (without SO_REUSEPORT) until destroyed.
class PortHolder {
 public:
  PortHolder();
  ~PortHolder();
  PortHolder(const PortHolder&) = delete;
  PortHolder& operator=(const PortHolder&) = delete;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace bridge::test
