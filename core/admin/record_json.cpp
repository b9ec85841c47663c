#include "admin/record_json.hpp"

#include <fmt/format.h>

#include <ctime>

namespace bridge::admin {

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}Z", buf, static_cast<int>(us % 1000000));
}

nlohmann::json headers_json(const trace::Headers& headers) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

nlohmann::json summary_json(const trace::Record& r) {
  int64_t total = r.total_us();
  nlohmann::json out = {{"id", r.request_id},
                        {"trace_id", r.trace_id()},
                        {"span_id", r.span_id()},
                        {"time", iso_time(r.start)},
                        {"client", r.client},
                        {"listener", r.listener},
                        {"method", r.method},
                        {"host", r.host},
                        {"path", r.path},
                        {"query", r.query},
                        {"upstream_path", r.upstream_path},
                        {"route", r.route},
                        {"upstream", r.upstream},
                        {"target", r.target},
                        {"status", r.status},
                        {"error", r.error},
                        {"bytes_in", r.bytes_in},
                        {"bytes_out", r.bytes_out},
                        {"duration_ms", total < 0 ? 0.0 : static_cast<double>(total) / 1000.0}};
  if (!r.end.empty()) {  // a TCP connection
    out["protocol"] = r.protocol;
    out["end"] = r.end;
  }
  return out;
}

nlohmann::json full_json(const trace::Record& r) {
  nlohmann::json out = summary_json(r);
  out["parent_span_id"] = r.parent_span_id();
  out["scheme"] = r.scheme;
  out["protocol"] = r.protocol;
  if (r.stream_id != 0) out["stream_id"] = r.stream_id;
  if (r.grpc_status >= 0) {
    out["grpc_status"] = r.grpc_status;
    out["grpc_status_name"] = trace::grpc_status_name(r.grpc_status);
  }
  if (!r.client_subject.empty()) out["client_subject"] = r.client_subject;  // mTLS
  nlohmann::json phases = nlohmann::json::array();
  for (size_t i = 0; i < r.phase_us.size(); ++i) {
    if (r.phase_us[i] < 0) continue;
    phases.push_back({{"name", trace::phase_name(static_cast<trace::Phase>(i))},
                      {"at_ms", static_cast<double>(r.phase_us[i]) / 1000.0}});
  }
  out["phases"] = phases;
  out["request_headers"] = {{"in", headers_json(r.request_in)},
                            {"out", headers_json(r.full_request_out())}};
  out["response_headers"] = {{"in", headers_json(r.response_in)},
                             {"out", headers_json(r.full_response_out())}};
  if (!r.middlewares.empty()) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& m : r.middlewares)
      steps.push_back({{"name", m.name},
                       {"type", m.type},
                       {"outcome", m.outcome},
                       {"detail", m.detail},
                       {"ms", static_cast<double>(m.us) / 1000.0}});
    out["middlewares"] = std::move(steps);
  }
  if (!r.breakpoints.empty()) {
    const auto& b = r.breakpoints.back();
    out["breakpoint"] = {{"id", b.id},
                         {"phase", b.phase},
                         {"action", b.action},
                         {"held_ms", static_cast<double>(b.held_us) / 1000.0}};
  }
  return out;
}

}  // namespace bridge::admin
