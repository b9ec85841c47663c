#pragma once
// State shared by every worker and the admin API for the life of `bridge up`: the request
// store, metrics, breakpoints, the span exporter and ACME challenge tokens. Thread-safe by
// construction.

#include "proxy/breakpoints.hpp"
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

/// HTTP-01 tokens published while bridge obtains a listener's certificate over ACME, answered
/// by every plain HTTP listener. Written by the ACME thread, read by workers only for requests
/// under /.well-known/acme-challenge/, so the lock is never on the common path.
class AcmeChallenges {
 public:
  void publish(const std::string& token, const std::string& key_authorization) {
    std::lock_guard lock(mutex_);
    tokens_[token] = key_authorization;
  }
  void withdraw(const std::string& token) {
    std::lock_guard lock(mutex_);
    tokens_.erase(token);
  }
  std::optional<std::string> find(std::string_view token) const {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> tokens_;
};

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
  AcmeChallenges acme_challenges;
  ListenerCounts listener_connections;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  /// Records keep headers only when someone can read them (store on, or a live stream).
  bool recording() const { return store.enabled(); }
};

}  // namespace bridge::proxy
