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
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bridge::proxy {

class SpanExporter;

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

struct Runtime {
  Runtime(size_t store_size, size_t shards) : store(store_size, shards) {}
  trace::Store store;
  trace::Metrics metrics;
  Breakpoints breakpoints;
  SpanExporter* spans = nullptr;  // null when trace.otlp_endpoint is empty
  std::atomic<uint64_t> requests{0};
  std::atomic<bool> draining{false};
  AcmeChallenges acme_challenges;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  /// Records keep headers only when someone can read them (store on, or a live stream).
  bool recording() const { return store.enabled(); }
};

}  // namespace bridge::proxy
