// Records as OTLP spans: attributes follow the OpenTelemetry HTTP server semantic conventions.
#include "otlp/detail/span_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

namespace bridge::otlp::detail {

namespace {

std::string unix_nanos(std::chrono::system_clock::time_point t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

nlohmann::json attr(const std::string& key, std::string_view value) {
  return {{"key", key}, {"value", {{"stringValue", value}}}};
}

nlohmann::json attr_int(const std::string& key, int64_t value) {
  return {{"key", key}, {"value", {{"intValue", std::to_string(value)}}}};
}

// "HTTP/2" -> "2", "HTTP/1.1" -> "1.1" (network.protocol.version).
std::string_view protocol_version(std::string_view protocol) {
  return protocol.starts_with("HTTP/") ? protocol.substr(5) : protocol;
}

// A gRPC call's rpc.* attributes (OpenTelemetry RPC conventions): the path is
// /package.Service/Method.
void add_rpc_attributes(const trace::Record& r, nlohmann::json& attributes) {
  attributes.push_back(attr("rpc.system", "grpc"));
  std::string_view path = r.path;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (auto slash = path.find('/'); slash != std::string_view::npos) {
    attributes.push_back(attr("rpc.service", path.substr(0, slash)));
    attributes.push_back(attr("rpc.method", path.substr(slash + 1)));
  }
  attributes.push_back(attr_int("rpc.grpc.status_code", r.grpc_status));
}

// A gRPC span is named after its method ("package.Service/Method"), an HTTP one after its
// method and route.
std::string span_name(const trace::Record& r, bool grpc) {
  if (grpc && r.path.size() > 1) return r.path.substr(1);
  return r.route.empty() ? r.method : r.method + " " + r.route;
}

// Server spans: HTTP 5xx or no answer; for gRPC, the codes the conventions count as the
// server's fault (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
// DATA_LOSS).
bool failed(const trace::Record& r, bool grpc) {
  if (!grpc) return r.status >= 500 || r.status == 0;
  switch (r.grpc_status) {
  case 2:
  case 4:
  case 12:
  case 13:
  case 14:
  case 15:
    return true;
  default:
    return false;
  }
}

nlohmann::json span_json(const trace::Record& r) {
  std::string host = r.host, port;
  auto colon = host.rfind(':');
  if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  nlohmann::json attributes = nlohmann::json::array(
      {attr("http.request.method", r.method), attr("url.path", r.path),
       attr("url.scheme", r.scheme), attr("server.address", host), attr("client.address", r.client),
       attr("network.protocol.version", protocol_version(r.protocol)),
       attr_int("http.response.status_code", r.status), attr("bridge.request_id", r.request_id),
       attr("bridge.listener", r.listener)});
  if (!r.query.empty()) attributes.push_back(attr("url.query", r.query));
  if (!port.empty()) attributes.push_back(attr_int("server.port", std::stoll(port)));
  if (!r.route.empty()) attributes.push_back(attr("http.route", r.route));
  if (!r.target.empty()) attributes.push_back(attr("bridge.upstream.target", r.target));
  if (!r.error.empty()) attributes.push_back(attr("error.type", r.error));
  if (r.grpc_status >= 0) add_rpc_attributes(r, attributes);
  for (const auto& [name, value] : r.request_in) {
    if (name == "User-Agent" || name == "user-agent") {
      attributes.push_back(attr("user_agent.original", value));
    }
  }
  auto end = r.start + std::chrono::microseconds(std::max<int64_t>(r.total_us(), 0));
  const bool grpc = r.grpc_status >= 0;
  nlohmann::json span = {{"traceId", r.trace_id()},
                         {"spanId", r.span_id()},
                         {"name", span_name(r, grpc)},
                         {"kind", 2},  // SPAN_KIND_SERVER
                         {"startTimeUnixNano", unix_nanos(r.start)},
                         {"endTimeUnixNano", unix_nanos(end)},
                         {"attributes", attributes},
                         {"status", {{"code", failed(r, grpc) ? 2 : 0}}}};
  if (r.trace.continued) span["parentSpanId"] = r.parent_span_id();
  return span;
}

}  // namespace

std::string export_request_json(const std::vector<trace::RecordPtr>& batch,
                                const std::string& version) {
  nlohmann::json spans = nlohmann::json::array();
  for (const auto& r : batch) spans.push_back(span_json(*r));
  nlohmann::json body = {
      {"resourceSpans",
       {{{"resource", {{"attributes", {attr("service.name", "bridge")}}}},
         {"scopeSpans",
          {{{"scope", {{"name", "bridge"}, {"version", version}}}, {"spans", spans}}}}}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace bridge::otlp::detail
