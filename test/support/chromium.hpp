#pragma once
/// Debian's chromium as a real browser peer: headless, one page, driven over the DevTools
/// protocol on a loopback port the browser picks (--remote-debugging-port=0).

#include "process.hpp"
#include "temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace bridge::test {

class Chromium {
 public:
  Chromium() = default;
  /// SIGTERM, then SIGKILL by PID when it has not exited within 2 s.
  ~Chromium();
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  /// Starts it on `url` (any certificate accepted: tests use self-signed ones) with a fresh
  /// profile, and waits until its DevTools endpoint listens; false (with a reason in `error`)
  /// otherwise.
  bool start(const std::string& url, std::string* error = nullptr, Millis timeout = 10s);

  /// Evaluates the JavaScript `expression` in the page once it shows `url` (awaiting it when it
  /// is a promise) and returns its string value. Retried while the page is still navigating;
  /// "" with a reason in `error` after `timeout` or when the expression throws.
  std::string evaluate(const std::string& expression, Millis timeout, std::string* error);

  /// The browser's stderr for failure messages, less its complaints about the missing D-Bus.
  std::string output() const;

 private:
  /// The DevTools WebSocket path of the page showing url_; "" while there is none.
  std::string page_target() const;

  TempDir profile_;
  std::unique_ptr<Process> process_;
  std::string url_;
  uint16_t devtools_port_ = 0;
};

}  // namespace bridge::test
