// Admin API endpoints about the server itself: probes, status, routes, metrics, reload
// (README.md, "Endpoints"), and the request and reply basics every handler uses.
#include "admin/detail/handlers.hpp"

#include "admin/record_json.hpp"
#include "common/url.hpp"

namespace bridge::admin {

std::string_view Request::path() const {
  std::string_view p, q;
  split_target(target, p, q);
  return p;
}

std::string Request::param(std::string_view name) const {
  std::string_view p, query;
  split_target(target, p, query);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string raw(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    for (char& c : raw) {
      if (c == '+') c = ' ';
    }
    std::string decoded;
    percent_decode(raw, decoded);
    return decoded;
  }
  return {};
}

Reply json_reply(int status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return reply;
}

Reply error_reply(int status, const std::string& code, const std::string& message) {
  return json_reply(status, {{"error", code}, {"message", message}});
}

Reply healthz(Context&, const Request&, const PathParams&) {
  return json_reply(200, {{"status", "ok"}});
}

Reply readyz(Context& context, const Request&, const PathParams&) {
  std::string reason = context.not_ready_reason();
  return reason.empty() ? json_reply(200, {{"status", "ready"}})
                        : json_reply(503, {{"status", "not ready"}, {"reason", reason}});
}

Reply show_status(Context& context, const Request&, const PathParams&) {
  nlohmann::json out = context.status();
  out["version"] = context.version;
  out["profile"] = context.profile;
  out["started"] = iso_time(context.started);
  out["uptime_s"] =
      std::chrono::duration<double>(std::chrono::system_clock::now() - context.started).count();
  auto& counts = out["counts"];
  counts["requests"] = context.requests();
  counts["active_connections"] = context.open_connections();
  counts["records"] = context.store->size();
  counts["breakpoints"] = context.breakpoints->list().size();
  counts["paused"] = context.breakpoints->paused_count();
  counts["reloads"] = context.metrics->reloads_ok.load();
  return json_reply(200, out);
}

Reply list_routes(Context& context, const Request&, const PathParams&) {
  nlohmann::json routes = nlohmann::json::array();
  for (const RouteState& route : context.routes()) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : route.targets) {
      targets.push_back(
          {{"url", t.url}, {"address", t.address}, {"state", t.state}, {"detail", t.detail}});
    }
    routes.push_back({{"name", route.name},
                      {"priority", route.priority},
                      {"rule", route.rule},
                      {"listeners", route.listeners},
                      {"upstream", route.upstream},
                      {"balance", route.balance},
                      {"targets", targets}});
  }
  return json_reply(200, {{"routes", routes}});
}

Reply show_metrics(Context& context, const Request&, const PathParams&) {
  trace::Store* store = context.store;
  trace::MetricsGauges gauges{context.open_connections, context.idle_upstream_connections,
                              [store] { return static_cast<uint64_t>(store->size()); }};
  Reply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = context.metrics->render(context.version, context.profile, gauges);
  return reply;
}

Reply reload_config(Context& context, const Request&, const PathParams&) {
  auto reloaded = context.reload();
  if (!reloaded) {
    const Error& e = reloaded.error();
    return error_reply(422, "config_error",
                       (e.where.source.empty() ? "" : e.where.str() + ": ") + e.message +
                           " (still serving the previous config)");
  }
  return json_reply(200, {{"reloaded", true}, {"config_hash", *reloaded}});
}

}  // namespace bridge::admin
