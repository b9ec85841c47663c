#pragma once
/// The Beast test backend (bridge_test_backend, see backend_main.cpp for its paths) as a child
/// process on a loopback port chosen by the kernel.

#include "process.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace bridge::test {

/// Path of the backend binary: $BRIDGE_TEST_BACKEND (set by meson).
std::string test_backend_bin();

class TestBackend {
 public:
  TestBackend() = default;
  /// Starts it and waits until it listens; false (with a reason in `error`) otherwise.
  bool start(std::string* error = nullptr);
  /// SIGKILL by PID.
  void kill();

  uint16_t port() const { return port_; }
  /// "http://127.0.0.1:PORT"
  std::string url() const;
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  bool running() { return process_ && process_->running(); }
  /// Polls the backend's stdout until it contains `text` ("slow /slow?ms=N" once that request
  /// arrived); false on timeout.
  bool wait_for_output(const std::string& text, Millis timeout) {
    return process_ && process_->wait_for_stdout(text, timeout);
  }

 private:
  uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace bridge::test
