#pragma once
// State shared by every worker and the admin API for the life of `bridge up`: the request
// store, metrics, breakpoints and the span exporter. Thread-safe by construction.

#include "proxy/breakpoints.hpp"
#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <atomic>
#include <chrono>
#include <string>

namespace bridge::proxy {

class SpanExporter;

struct Runtime {
  Runtime(size_t store_size, size_t shards) : store(store_size, shards) {}
  trace::Store store;
  trace::Metrics metrics;
  Breakpoints breakpoints;
  SpanExporter* spans = nullptr;  // null when trace.otlp_endpoint is empty
  std::atomic<uint64_t> requests{0};
  std::atomic<bool> draining{false};
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  /// Records keep headers only when someone can read them (store on, or a live stream).
  bool recording() const { return store.enabled(); }
};

}  // namespace bridge::proxy
