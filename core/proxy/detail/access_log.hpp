#pragma once
// The access log: one line per finished request record.

#include "trace/record.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace bridge::proxy {

using RequestRecord = trace::Record;

/// Asynchronous access log: formatting happens on the worker, I/O on spdlog's thread.
class AccessLog {
 public:
  /// destination: "stdout" | "stderr" | "off" | a file path; format: "json" | "text".
  static std::shared_ptr<AccessLog> create(const std::string& destination,
                                           const std::string& format);
  ~AccessLog();
  bool enabled() const { return logger_ != nullptr; }
  void write(const RequestRecord& record);

 private:
  std::shared_ptr<spdlog::logger> logger_;
  bool json_ = true;
};

}  // namespace bridge::proxy
