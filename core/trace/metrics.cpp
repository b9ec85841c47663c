#include "trace/metrics.hpp"

#include "trace/record.hpp"

#include <fmt/format.h>

namespace bridge::trace {

namespace {

// Label values escape backslash, double quote and newline (exposition format rules).
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

void RouteSeries::observe(size_t protocol, int status, int64_t duration_us) {
  int cls = status >= 100 && status < 600 ? status / 100 : 0;
  by_protocol_class[protocol][static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  double seconds = static_cast<double>(duration_us) / 1e6;
  size_t i = 0;
  while (i < duration_buckets.size() && seconds > duration_buckets[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<uint64_t>(std::max<int64_t>(duration_us, 0)),
                   std::memory_order_relaxed);
}

RouteSeries* Metrics::route(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = routes_[name];
  if (!slot) slot = std::make_unique<RouteSeries>();
  return slot.get();
}

UpstreamSeries* Metrics::upstream(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = upstreams_[name];
  if (!slot) slot = std::make_unique<UpstreamSeries>();
  return slot.get();
}

TcpRouteSeries* Metrics::tcp_route(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = tcp_routes_[name];
  if (!slot) slot = std::make_unique<TcpRouteSeries>();
  return slot.get();
}

MiddlewareSeries* Metrics::middleware(const std::string& name, std::string_view type) {
  std::lock_guard lock(mutex_);
  auto& slot = middlewares_[name];
  if (!slot) slot = std::make_unique<MiddlewareSeries>();
  slot->type.assign(type);
  return slot.get();
}

void Metrics::render_middlewares(std::string& out) const {
  out.append(
      "# HELP bridge_middleware_requests_total Requests each HTTP middleware saw, by outcome "
      "(passed on, or answered by it).\n# TYPE bridge_middleware_requests_total counter\n");
  for (const auto& [name, s] : middlewares_) {
    static constexpr std::array<std::string_view, 2> outcomes = {"passed", "answered"};
    for (size_t i = 0; i < outcomes.size(); ++i) {
      uint64_t v = s->by_outcome[i].load(std::memory_order_relaxed);
      if (v == 0) continue;
      out.append(fmt::format(
          "bridge_middleware_requests_total{{middleware=\"{}\",type=\"{}\",outcome=\"{}\"}} {}\n",
          label(name), label(s->type), outcomes[i], v));
    }
  }
}

void TcpRouteSeries::observe(std::string_view end, uint64_t up, uint64_t down) {
  for (size_t i = 0; i < tcp_end_names.size(); ++i)
    if (tcp_end_names[i] == end) by_end[i].fetch_add(1, std::memory_order_relaxed);
  bytes_up.fetch_add(up, std::memory_order_relaxed);
  bytes_down.fetch_add(down, std::memory_order_relaxed);
}

void Metrics::render_tcp(std::string& out) const {
  auto add = [&out](std::string_view text) { out.append(text); };
  add("# HELP bridge_tcp_connections_total TCP route connections that ended, by route and how.\n"
      "# TYPE bridge_tcp_connections_total counter\n");
  for (const auto& [name, s] : tcp_routes_) {
    for (size_t i = 0; i < tcp_end_names.size(); ++i) {
      uint64_t v = s->by_end[i].load(std::memory_order_relaxed);
      if (v == 0) continue;
      add(fmt::format("bridge_tcp_connections_total{{route=\"{}\",end=\"{}\"}} {}\n", label(name),
                      tcp_end_names[i], v));
    }
  }
  add("# HELP bridge_tcp_bytes_total Bytes relayed by TCP routes, by route and direction (up: "
      "client to upstream).\n# TYPE bridge_tcp_bytes_total counter\n");
  for (const auto& [name, s] : tcp_routes_) {
    add(fmt::format("bridge_tcp_bytes_total{{route=\"{}\",direction=\"up\"}} {}\n", label(name),
                    s->bytes_up.load(std::memory_order_relaxed)));
    add(fmt::format("bridge_tcp_bytes_total{{route=\"{}\",direction=\"down\"}} {}\n", label(name),
                    s->bytes_down.load(std::memory_order_relaxed)));
  }
  add("# HELP bridge_tcp_connections_open TCP route connections open now, by route.\n"
      "# TYPE bridge_tcp_connections_open gauge\n");
  for (const auto& [name, s] : tcp_routes_) {
    add(fmt::format("bridge_tcp_connections_open{{route=\"{}\"}} {}\n", label(name),
                    s->open.load(std::memory_order_relaxed)));
  }
}

std::string Metrics::render(const std::string& version, const std::string& profile,
                            const MetricsGauges& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto add = [&out](std::string_view text) { out.append(text); };
  add("# HELP bridge_info Build and profile of this bridge.\n# TYPE bridge_info gauge\n");
  add(fmt::format("bridge_info{{version=\"{}\",profile=\"{}\"}} 1\n", label(version),
                  label(profile)));

  add("# HELP bridge_requests_total Requests answered, by route, status class and the "
      "protocol the client spoke.\n"
      "# TYPE bridge_requests_total counter\n");
  static constexpr const char* classes[] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [name, s] : routes_) {
    for (size_t p = 0; p < s->by_protocol_class.size(); ++p) {
      for (size_t c = 0; c < s->by_protocol_class[p].size(); ++c) {
        uint64_t v = s->by_protocol_class[p][c].load(std::memory_order_relaxed);
        if (v == 0) continue;
        add(fmt::format("bridge_requests_total{{route=\"{}\",code=\"{}\",protocol=\"{}\"}} {}\n",
                        label(name), classes[c], protocol_names[p], v));
      }
    }
  }
  add("# HELP bridge_request_duration_seconds Time from request received to response sent.\n"
      "# TYPE bridge_request_duration_seconds histogram\n");
  for (const auto& [name, s] : routes_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s->buckets.size(); ++i) {
      cumulative += s->buckets[i].load(std::memory_order_relaxed);
      std::string le =
          i < duration_buckets.size() ? fmt::format("{}", duration_buckets[i]) : "+Inf";
      add(fmt::format("bridge_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      label(name), le, cumulative));
    }
    add(fmt::format("bridge_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label(name),
                    static_cast<double>(s->sum_us.load(std::memory_order_relaxed)) / 1e6));
    add(fmt::format("bridge_request_duration_seconds_count{{route=\"{}\"}} {}\n", label(name),
                    cumulative));
  }
  add("# HELP bridge_upstream_connect_errors_total Failed connection attempts, by upstream.\n"
      "# TYPE bridge_upstream_connect_errors_total counter\n");
  for (const auto& [name, s] : upstreams_) {
    add(fmt::format("bridge_upstream_connect_errors_total{{upstream=\"{}\"}} {}\n", label(name),
                    s->connect_errors.load(std::memory_order_relaxed)));
  }
  if (!tcp_routes_.empty()) render_tcp(out);
  if (!middlewares_.empty()) render_middlewares(out);
  auto gauge = [&](std::string_view name, std::string_view help, uint64_t value) {
    add(fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value));
  };
  auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    add(fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value));
  };
  gauge("bridge_open_connections", "Client connections open now.",
        gauges.open_connections ? gauges.open_connections() : 0);
  gauge("bridge_upstream_idle_connections", "Idle keep-alive connections in upstream pools.",
        gauges.idle_upstream_connections ? gauges.idle_upstream_connections() : 0);
  gauge("bridge_records_stored", "Request records held in the trace store.",
        gauges.records_stored ? gauges.records_stored() : 0);
  add("# HELP bridge_reloads_total Config reloads, by result.\n# TYPE bridge_reloads_total "
      "counter\n");
  add(fmt::format("bridge_reloads_total{{result=\"ok\"}} {}\n", reloads_ok.load()));
  add(fmt::format("bridge_reloads_total{{result=\"failed\"}} {}\n", reloads_failed.load()));
  counter("bridge_records_dropped_total", "Records a slow live stream could not take.",
          records_dropped.load());
  counter("bridge_admin_streams_dropped_total",
          "Live streams (/v1/stream, breakpoint events) closed because their reader fell behind.",
          streams_dropped.load());
  counter("bridge_spans_exported_total", "Spans sent to the OTLP endpoint.", spans_exported.load());
  counter("bridge_spans_dropped_total", "Spans dropped because the export queue was full.",
          spans_dropped.load());
  counter("bridge_spans_failed_total", "Spans whose export request failed.", spans_failed.load());
  return out;
}

}  // namespace bridge::trace
