#pragma once
/// Prometheus counters and histograms. Series are created on the control thread (when a
/// config is loaded) and then only incremented, with relaxed atomics, by the workers; they
/// are never removed, so counters never go backwards across reloads.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace bridge::trace {

/// Request duration buckets, in seconds.
inline constexpr std::array<double, 13> duration_buckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

struct RouteSeries {
  /// [protocol_index()][class]: class 1..5 = 1xx..5xx, 0 = no status.
  std::array<std::array<std::atomic<uint64_t>, 6>, 3> by_protocol_class{};
  std::array<std::atomic<uint64_t>, duration_buckets.size() + 1> buckets{};  // last = +Inf
  std::atomic<uint64_t> sum_us{0};
  void observe(size_t protocol, int status, int64_t duration_us);
};

/// A TCP route's connections by how they ended (tcp_end_names), bytes each way, and how many
/// are open now.
inline constexpr std::array<std::string_view, 9> tcp_end_names = {
    "client_closed",  "upstream_closed", "idle_timeout", "client_reset", "upstream_reset",
    "connect_failed", "drained",         "rejected",     "aborted"};
struct TcpRouteSeries {
  std::array<std::atomic<uint64_t>, tcp_end_names.size()> by_end{};
  std::atomic<uint64_t> bytes_up{0};    // client -> upstream
  std::atomic<uint64_t> bytes_down{0};  // upstream -> client
  std::atomic<int64_t> open{0};
  void observe(std::string_view end, uint64_t up, uint64_t down);
};

/// One HTTP middleware's requests by outcome ("passed", "answered").
struct MiddlewareSeries {
  std::string type;  // Traefik's type name
  std::array<std::atomic<uint64_t>, 2> by_outcome{};
};

struct UpstreamSeries {
  std::atomic<uint64_t> connect_errors{0};
};

/// Gauges and one-off counters are read through callbacks when /metrics is rendered.
struct MetricsGauges {
  std::function<uint64_t()> open_connections;
  std::function<uint64_t()> idle_upstream_connections;
  std::function<uint64_t()> records_stored;
};

class Metrics {
 public:
  /// Get-or-create; the pointer stays valid for the life of Metrics.
  RouteSeries* route(const std::string& name);
  UpstreamSeries* upstream(const std::string& name);
  TcpRouteSeries* tcp_route(const std::string& name);
  /// A middleware's series; its type follows the latest config that names it.
  MiddlewareSeries* middleware(const std::string& name, std::string_view type);

  std::atomic<uint64_t> reloads_ok{0};
  std::atomic<uint64_t> reloads_failed{0};
  std::atomic<uint64_t> records_dropped{0};
  std::atomic<uint64_t> streams_dropped{0};  // live streams closed because their reader lagged
  std::atomic<uint64_t> spans_exported{0};
  std::atomic<uint64_t> spans_dropped{0};
  std::atomic<uint64_t> spans_failed{0};

  /// The Prometheus text exposition format (version 0.0.4).
  std::string render(const std::string& version, const std::string& profile,
                     const MetricsGauges& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<RouteSeries>> routes_;
  std::map<std::string, std::unique_ptr<UpstreamSeries>> upstreams_;
  std::map<std::string, std::unique_ptr<TcpRouteSeries>> tcp_routes_;
  std::map<std::string, std::unique_ptr<MiddlewareSeries>> middlewares_;
  void render_tcp(std::string& out) const;          // under mutex_
  void render_middlewares(std::string& out) const;  // under mutex_
};

}  // namespace bridge::trace
