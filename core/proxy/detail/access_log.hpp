#pragma once
// What bridge knows about one request when it is done; written to the access log (and, later,
// to the request store). Filled by the session on the worker thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace spdlog { class logger; }

namespace bridge::proxy {

struct RequestRecord {
  std::chrono::system_clock::time_point start;
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  std::string client;
  std::string listener;
  std::string method;
  std::string host;
  std::string path;
  std::string route;
  std::string target;
  std::string error;
  int status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  int64_t connect_us = -1;     // -1: reused connection or none
  int64_t first_byte_us = -1;  // upstream response head received
  int64_t total_us = 0;
};

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
