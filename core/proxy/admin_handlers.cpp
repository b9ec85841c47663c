// Admin API endpoints (docs/admin-api.md).
#include "proxy/detail/admin_handlers.hpp"

#include "config/config.hpp"
#include "proxy/detail/admin_body.hpp"
#include "proxy/record_json.hpp"
#include "proxy/rewrite.hpp"

#include <charconv>

namespace bridge::proxy {

namespace {

nlohmann::json explain_json(const Snapshot& snapshot, const trace::Record& r) {
  RecordView rv(r);
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& d : snapshot.table.explain_all(rv.view, r.listener)) {
    routes.push_back({{"name", d.route->name},
                      {"priority", d.route->priority},
                      {"matched", d.explanation.matched},
                      {"expression", d.explanation.expression},
                      {"observed", d.explanation.observed},
                      {"note", d.explanation.note}});
  }
  const std::string hash = r.config_hash ? *r.config_hash : "";
  return {{"config_hash", hash},
          {"current", hash == snapshot.config.hash},
          {"routes", routes}};
}

AdminReply list_requests(AdminHooks& hooks, const AdminRequest& request) {
  trace::RecordFilter filter;
  std::string why;
  if (!parse_filter(request, filter, why)) return error_reply(400, "bad_query", why);
  size_t limit = 100;
  std::string text = request.param("limit");
  if (!text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit == 0) {
      return error_reply(400, "bad_query", "limit must be a positive number, not \"" + text + "\"");
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : hooks.runtime->store.query(filter, limit)) out.push_back(summary_json(*r));
  return json_reply(200, {{"requests", out}});
}

AdminReply decide_paused(AdminHooks& hooks, const std::string& id, const AdminRequest& request) {
  auto edit = parse_paused_edit(request.body, hooks.snapshot()->config.limits.max_header_bytes);
  if (!edit) return body_error_reply(edit.error());
  if (!hooks.runtime->breakpoints.decide(id, std::move(edit->decision), edit->release)) {
    return error_reply(404, "not_found", "request \"" + id + "\" is not held (any more)");
  }
  return json_reply(200, {{"paused_id", id}, {"action", edit->action}});
}

AdminReply routes_reply(AdminHooks& hooks) {
  auto snapshot = hooks.snapshot();
  nlohmann::json routes = nlohmann::json::array();
  int64_t now = now_ms();
  for (const auto& compiled : snapshot->table.routes()) {
    const RouteEntry& entry = snapshot->routes[compiled.index];
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : entry.upstream->targets) {
      int64_t down = t->down_until_ms.load();
      std::string state = !t->resolvable() ? "pending" : down > now ? "down" : "up";
      std::string address = t->scheme == Scheme::Echo ? "builtin"
                            : t->resolvable()          ? t->host + ":" + std::to_string(t->port)
                                                       : "";
      targets.push_back({{"url", t->url},
                         {"address", address},
                         {"state", state},
                         {"detail", down > now ? "refused a connection; retried in " +
                                                     std::to_string(down - now) + " ms"
                                               : ""}});
    }
    routes.push_back({{"name", compiled.name},
                      {"priority", compiled.priority},
                      {"rule", entry.config->rule},
                      {"listeners", entry.config->listeners},
                      {"upstream", entry.upstream->name},
                      {"balance", entry.upstream->config.balance},
                      {"targets", targets}});
  }
  return json_reply(200, {{"routes", routes}});
}

}  // namespace

std::string_view AdminRequest::path() const {
  std::string_view p, q;
  split_target(target, p, q);
  return p;
}

std::string AdminRequest::param(std::string_view name) const {
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

RecordView::RecordView(const trace::Record& r) {
  percent_decode(r.path, decoded_path);
  for (const auto& [name, value] : r.request_in) fields.push_back({name, value});
  view = {r.method, r.host, decoded_path, r.query, std::span(fields),
          route::IpAddress::parse(r.client)};
}

bool parse_filter(const AdminRequest& request, trace::RecordFilter& filter, std::string& why) {
  filter.route = request.param("route");
  std::string status = request.param("status");
  if (!status.empty() && !trace::parse_status_filter(status, filter)) {
    why = "status must be a code like 404 or a class like 5xx, not \"" + status + "\"";
    return false;
  }
  std::string since = request.param("since");
  if (!since.empty()) {
    auto d = config::parse_duration(since);
    if (!d) {
      why = "since: " + d.error().message;
      return false;
    }
    filter.since = std::chrono::system_clock::now() -
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
  }
  return true;
}

AdminReply json_reply(int status, const nlohmann::json& body) {
  AdminReply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return reply;
}

AdminReply error_reply(int status, const std::string& code, const std::string& message) {
  return json_reply(status, {{"error", code}, {"message", message}});
}

AdminReply handle_admin_request(AdminHooks& hooks, const AdminRequest& request) {
  std::string_view path = request.path();
  const std::string& method = request.method;
  auto only = [&](std::string_view allowed) {
    return error_reply(405, "method_not_allowed",
                       method + " " + std::string(path) + " is not supported; use " +
                           std::string(allowed));
  };
  auto starts = [&](std::string_view prefix) { return path.substr(0, prefix.size()) == prefix; };

  if (path == "/healthz") {
    return method == "GET" ? json_reply(200, {{"status", "ok"}}) : only("GET");
  }
  if (path == "/readyz") {
    if (method != "GET") return only("GET");
    std::string reason = hooks.not_ready_reason();
    return reason.empty() ? json_reply(200, {{"status", "ready"}})
                          : json_reply(503, {{"status", "not ready"}, {"reason", reason}});
  }
  if (path == "/v1/status") {
    if (method != "GET") return only("GET");
    nlohmann::json status = hooks.status();
    auto& rt = *hooks.runtime;
    status["version"] = hooks.version;
    status["profile"] = hooks.profile;
    status["started"] = iso_time(rt.started);
    status["uptime_s"] = std::chrono::duration<double>(std::chrono::system_clock::now() -
                                                       rt.started).count();
    status["counts"]["requests"] = rt.requests.load();
    status["counts"]["active_connections"] = hooks.open_connections();
    status["counts"]["records"] = rt.store.size();
    status["counts"]["breakpoints"] = rt.breakpoints.list().size();
    status["counts"]["paused"] = rt.breakpoints.paused_count();
    status["counts"]["reloads"] = rt.metrics.reloads_ok.load();
    return json_reply(200, status);
  }
  if (path == "/v1/routes") return method == "GET" ? routes_reply(hooks) : only("GET");
  if (path == "/v1/requests") return method == "GET" ? list_requests(hooks, request) : only("GET");
  if (starts("/v1/requests/")) {
    if (method != "GET") return only("GET");
    std::string id(path.substr(13));
    auto record = hooks.runtime->store.find(id);
    if (!record) {
      return error_reply(404, "not_found",
                         "no request with id \"" + id + "\" in the store (it keeps the last " +
                             std::to_string(hooks.runtime->store.capacity()) + " requests)");
    }
    nlohmann::json out = full_json(*record);
    out["explain"] = explain_json(*hooks.snapshot(), *record);
    return json_reply(200, out);
  }
  if (path == "/v1/stream") {
    return method == "GET" ? stream_requests(hooks, request) : only("GET");
  }
  if (path == "/metrics") {
    if (method != "GET") return only("GET");
    trace::MetricsGauges gauges{hooks.open_connections, hooks.idle_upstream_connections,
                                [&hooks] { return static_cast<uint64_t>(hooks.runtime->store.size()); }};
    AdminReply reply;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = hooks.runtime->metrics.render(hooks.version, hooks.profile, gauges);
    return reply;
  }
  if (path == "/v1/reload") {
    if (method != "POST") return only("POST");
    auto reloaded = hooks.reload();
    if (!reloaded) {
      const Error& e = reloaded.error();
      return error_reply(422, "config_error",
                         (e.where.source.empty() ? "" : e.where.str() + ": ") + e.message +
                             " (still serving the previous config)");
    }
    return json_reply(200, {{"reloaded", true}, {"config_hash", *reloaded}});
  }
  Breakpoints& breakpoints = hooks.runtime->breakpoints;
  if (path == "/v1/breakpoints") {
    if (method == "GET") return json_reply(200, {{"breakpoints", breakpoints.list()}});
    if (method != "POST") return only("GET or POST");
    auto spec = parse_breakpoint_spec(request.body);
    if (!spec) return body_error_reply(spec.error());
    auto created = breakpoints.create(spec->rule, spec->phase, spec->hold);
    if (!created) {
      // Field types, phase and hold were checked above: what is left is the rule's syntax.
      return json_reply(400, {{"error", "bad_breakpoint"},
                              {"field", "rule"},
                              {"message", created.error().message}});
    }
    return json_reply(201, *created);
  }
  if (starts("/v1/breakpoints/")) {
    std::string rest(path.substr(16));
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (action == "events") {
      return method == "GET" ? breakpoint_events(hooks, id) : only("GET");
    }
    if (action == "renew") {
      if (method != "POST") return only("POST");
      return breakpoints.renew(id) ? json_reply(200, {{"renewed", id}})
                                   : error_reply(404, "not_found", "no breakpoint \"" + id + "\"");
    }
    if (!action.empty()) return error_reply(404, "not_found", "unknown path " + std::string(path));
    if (method != "DELETE") return only("DELETE");
    auto released = breakpoints.remove(id);
    if (!released) return error_reply(404, "not_found", "no breakpoint \"" + id + "\"");
    return json_reply(200, {{"deleted", id}, {"released", *released}});
  }
  if (path == "/v1/paused") {
    return method == "GET" ? json_reply(200, {{"paused", breakpoints.paused_list()}}) : only("GET");
  }
  if (starts("/v1/paused/")) {
    if (method != "POST") return only("POST");
    return decide_paused(hooks, std::string(path.substr(11)), request);
  }
  return error_reply(404, "not_found",
                     "unknown path " + std::string(path) +
                         "; see /v1/status, /v1/routes, /v1/requests, /v1/stream, /metrics");
}

}  // namespace bridge::proxy
