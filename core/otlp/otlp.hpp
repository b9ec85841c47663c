#pragma once
/// OTLP/HTTP JSON span export (trace.otlp_endpoint): one SERVER span per request, queued by
/// the workers without blocking (a full queue drops and counts), sent in batches by a
/// background thread over the shared HTTP client (net/http_client.hpp).

#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bridge::otlp {

class SpanExporter {
 public:
  /// `endpoint`: "http://127.0.0.1:4318" (the path /v1/traces is added unless it is there).
  SpanExporter(const std::string& endpoint, std::string version, trace::Metrics& metrics);
  ~SpanExporter();  // sends what is queued (bounded wait), then stops
  /// Any thread; never blocks on the network.
  void push(trace::RecordPtr record);

 private:
  void run();
  /// "" when the collector took the batch, else why not.
  std::string send(const std::vector<trace::RecordPtr>& batch);
  void report(const std::string& failure, size_t spans);

  std::string host_, port_, path_, version_;
  trace::Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<trace::RecordPtr> queue_;
  bool stopping_ = false;
  // Failures are logged when they start, then at most every 30 s, and recovery once.
  bool failing_ = false;
  std::chrono::steady_clock::time_point last_warning_{};
  size_t failed_since_warning_ = 0;
  std::thread thread_;
};

}  // namespace bridge::otlp
