#pragma once
// Where a finished exchange's record goes, shared by every worker: the request store (trace
// show, the admin API), the metrics, the span exporter and the request count. Thread-safe.

#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <atomic>
#include <cstdint>

namespace bridge::otlp {
class SpanExporter;
}

namespace bridge::proxy {

class RecordSinks {
 public:
  RecordSinks(size_t store_size, size_t shards) : store_(store_size, shards) {}

  /// Hands a frozen record to the span exporter and the store (shard: the worker's index).
  void publish(size_t shard, const trace::Record& record);
  /// Records keep headers only when someone can read them (store on, or a live stream).
  bool recording() const { return store_.enabled(); }
  void set_spans(otlp::SpanExporter* spans) { spans_ = spans; }

  trace::Store& store() { return store_; }
  trace::Metrics& metrics() { return metrics_; }
  uint64_t requests() const { return requests_.load(std::memory_order_relaxed); }

 private:
  trace::Store store_;
  trace::Metrics metrics_;
  otlp::SpanExporter* spans_ = nullptr;  // null when trace.otlp_endpoint is empty
  std::atomic<uint64_t> requests_{0};
};

}  // namespace bridge::proxy
