#pragma once
// State shared by every worker and the admin API for the life of `bridge up`: the request
// store, metrics, breakpoints, the span exporter and ACME challenge tokens. Thread-safe by
// construction.

#include "proxy/breakpoints.hpp"
#include "tls/acme_challenges.hpp"
#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bridge::otlp {
class SpanExporter;
}

namespace bridge::proxy {

/// Open connections per listener across all workers, for listeners[].max_connections. Kept
/// across reloads (a counter lives as long as bridge runs), looked up once per accept loop.
class ListenerCounts {
 public:
  std::shared_ptr<std::atomic<uint64_t>> get(const std::string& listener) {
    std::lock_guard lock(mutex_);
    auto& count = counts_[listener];
    if (!count) count = std::make_shared<std::atomic<uint64_t>>(0);
    return count;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<std::atomic<uint64_t>>> counts_;
};

struct Runtime {
  Runtime(size_t store_size, size_t shards) : store(store_size, shards) {}
  trace::Store store;
  trace::Metrics metrics;
  Breakpoints breakpoints;
  otlp::SpanExporter* spans = nullptr;  // null when trace.otlp_endpoint is empty
  std::atomic<uint64_t> requests{0};
  std::atomic<bool> draining{false};
  tls::AcmeChallenges acme_challenges;
  ListenerCounts listener_connections;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  /// Records keep headers only when someone can read them (store on, or a live stream).
  bool recording() const { return store.enabled(); }
};

}  // namespace bridge::proxy
