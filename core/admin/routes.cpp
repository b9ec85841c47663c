// The admin API's route table: method and path pattern -> handler (README.md, "Endpoints").
#include "admin/detail/handlers.hpp"

#include <array>

namespace bridge::admin {

namespace {

constexpr std::array<Route, 16> routes = {{
    {"GET", "/healthz", healthz},
    {"GET", "/readyz", readyz},
    {"GET", "/v1/status", show_status},
    {"GET", "/v1/routes", list_routes},
    {"GET", "/v1/requests", list_requests},
    {"GET", "/v1/requests/{id}", show_request},
    {"GET", "/v1/stream", stream_requests},
    {"GET", "/metrics", show_metrics},
    {"POST", "/v1/reload", reload_config},
    {"GET", "/v1/breakpoints", list_breakpoints},
    {"POST", "/v1/breakpoints", create_breakpoint},
    {"DELETE", "/v1/breakpoints/{id}", delete_breakpoint},
    {"GET", "/v1/breakpoints/{id}/events", breakpoint_events},
    {"POST", "/v1/breakpoints/{id}/renew", renew_breakpoint},
    {"GET", "/v1/paused", list_paused},
    {"POST", "/v1/paused/{id}", decide_paused},
}};

}  // namespace

std::string PathParams::get(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return std::string(value);
  }
  return {};
}

std::span<const Route> route_table() { return routes; }

bool match_pattern(std::string_view pattern, std::string_view path, PathParams& params) {
  if (!pattern.starts_with('/') || !path.starts_with('/')) return false;
  size_t p = 1, q = 1;  // where the current segment starts
  for (;;) {
    size_t p_end = pattern.find('/', p);
    size_t q_end = path.find('/', q);
    std::string_view want = pattern.substr(p, p_end - p);
    std::string_view got = path.substr(q, q_end - q);
    if (want.starts_with('{') && want.ends_with('}')) {
      if (got.empty()) return false;
      params.add(want.substr(1, want.size() - 2), got);
    } else if (want != got) {
      return false;
    }
    if (p_end == std::string_view::npos || q_end == std::string_view::npos) {
      return p_end == q_end;  // both ended: same number of segments
    }
    p = p_end + 1;
    q = q_end + 1;
  }
}

Reply handle_request(Context& context, const Request& request) {
  std::string_view path = request.path();
  std::string allowed;  // the methods this path takes, when it is not request.method
  for (const Route& route : routes) {
    PathParams params;
    if (!match_pattern(route.pattern, path, params)) continue;
    if (route.method == request.method) return route.handler(context, request, params);
    allowed += (allowed.empty() ? "" : ", ") + std::string(route.method);
  }
  if (allowed.empty()) {
    return error_reply(404, "not_found",
                       "unknown path " + std::string(path) +
                           "; see /v1/status, /v1/routes, /v1/requests, /v1/stream, /metrics");
  }
  std::string use = allowed;
  if (auto last = use.rfind(", "); last != std::string::npos) use.replace(last, 2, " or ");
  Reply reply =
      error_reply(405, "method_not_allowed",
                  request.method + " " + std::string(path) + " is not supported; use " + use);
  reply.headers.emplace_back("Allow", allowed);
  return reply;
}

}  // namespace bridge::admin
