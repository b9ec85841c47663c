// Admin API endpoints (docs/admin-api.md).
#include "proxy/detail/admin_handlers.hpp"

#include "config/config.hpp"
#include "proxy/record_json.hpp"
#include "proxy/rewrite.hpp"

#include <charconv>

namespace bridge::proxy {

namespace {

constexpr size_t stream_backlog_limit = 4u << 20;

nlohmann::json parse_body(const AdminRequest& request) {
  if (request.body.empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(request.body, nullptr, false);
  return body.is_discarded() ? nlohmann::json() : body;
}

// A request view rebuilt from a stored record, for explain and for --rule stream filters.
struct RecordView {
  std::string decoded_path;
  std::vector<route::HeaderField> fields;
  route::RequestView view;
  explicit RecordView(const trace::Record& r) {
    percent_decode(r.path, decoded_path);
    for (const auto& [name, value] : r.request_in) fields.push_back({name, value});
    view = {r.method, r.host, decoded_path, r.query, std::span(fields),
            route::IpAddress::parse(r.client)};
  }
};

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

AdminReply stream_requests(AdminHooks& hooks, const AdminRequest& request,
                           asio::any_io_executor executor) {
  trace::RecordFilter filter;
  std::string why;
  if (!parse_filter(request, filter, why)) return error_reply(400, "bad_query", why);
  std::shared_ptr<route::Rule> rule;
  std::string rule_text = request.param("rule");
  if (!rule_text.empty()) {
    auto parsed = route::Rule::parse(rule_text);
    if (!parsed) {
      return error_reply(400, "bad_rule", "rule:" + std::to_string(parsed.error().where.column) +
                                              ": " + parsed.error().message);
    }
    rule = std::make_shared<route::Rule>(std::move(*parsed));
  }
  auto queue = std::make_shared<LineQueue>(executor);
  Runtime* runtime = hooks.runtime;
  // Called on worker threads: filter and serialise there, then hand the line off.
  uint64_t token = runtime->store.subscribe(
      [queue, filter, rule, runtime](const trace::RecordPtr& r) {
        if (!filter.matches(*r)) return;
        if (rule && !rule->matches(RecordView(*r).view)) return;
        if (!queue->push(summary_json(*r).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace))) {
          runtime->metrics.records_dropped.fetch_add(1, std::memory_order_relaxed);
        }
      });
  queue->on_close = [runtime, token] { runtime->store.unsubscribe(token); };
  AdminReply reply;
  reply.stream = queue;
  return reply;
}

AdminReply breakpoint_events(AdminHooks& hooks, const std::string& id,
                             asio::any_io_executor executor) {
  auto queue = std::make_shared<LineQueue>(executor);
  uint64_t token = 0;
  Breakpoints& breakpoints = hooks.runtime->breakpoints;
  bool attached = breakpoints.attach(id, token, [queue](const nlohmann::json& event) {
    queue->push(event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
  if (!attached) return error_reply(404, "not_found", "no breakpoint \"" + id + "\"");
  queue->on_close = [&breakpoints, id, token] { breakpoints.detach(id, token); };
  AdminReply reply;
  reply.stream = queue;
  return reply;
}

AdminReply decide_paused(AdminHooks& hooks, const std::string& id, const AdminRequest& request) {
  nlohmann::json body = parse_body(request);
  if (!body.is_object()) return error_reply(400, "bad_body", "the body must be a JSON object");
  std::string action = body.value("action", "");
  Decision decision;
  bool release = true;
  if (action == "continue") {
    decision.action = Decision::Action::Continue;
  } else if (action == "abort") {
    decision.action = Decision::Action::Abort;
    decision.status = body.value("status", 503);
    if (decision.status < 100 || decision.status > 599) {
      return error_reply(400, "bad_body", "status must be between 100 and 599");
    }
  } else if (action == "edit") {
    release = false;
  } else {
    return error_reply(400, "bad_body",
                       "action must be \"continue\", \"abort\" or \"edit\", not \"" + action + "\"");
  }
  if (body.contains("set_headers")) {
    if (!body["set_headers"].is_object()) {
      return error_reply(400, "bad_body", "set_headers must be an object of name: value");
    }
    for (const auto& [name, value] : body["set_headers"].items()) {
      if (!value.is_string()) return error_reply(400, "bad_body", "header values are strings");
      decision.set_headers.emplace_back(name, value.get<std::string>());
    }
  }
  if (body.contains("remove_headers")) {
    if (!body["remove_headers"].is_array()) {
      return error_reply(400, "bad_body", "remove_headers must be an array of names");
    }
    for (const auto& name : body["remove_headers"]) {
      if (!name.is_string()) return error_reply(400, "bad_body", "header names are strings");
      decision.remove_headers.push_back(name.get<std::string>());
    }
  }
  decision.target = body.value("target", "");
  if (!decision.target.empty()) {
    auto target = parse_target(decision.target);
    if (!target || !(*target)->resolvable()) {
      return error_reply(400, "bad_body", "target must be an http(s):// URL or builtin://echo");
    }
  }
  if (!hooks.runtime->breakpoints.decide(id, std::move(decision), release)) {
    return error_reply(404, "not_found", "request \"" + id + "\" is not held (any more)");
  }
  return json_reply(200, {{"paused_id", id}, {"action", action}});
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

bool LineQueue::push(const std::string& line) {
  if (closed_) return true;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() > stream_backlog_limit) return false;
    pending_ += line;
    pending_ += '\n';
  }
  asio::post(timer.get_executor(), [weak = weak_from_this()] {
    if (auto queue = weak.lock()) queue->timer.cancel();
  });
  return true;
}

bool LineQueue::has_pending() {
  std::lock_guard lock(mutex_);
  return !pending_.empty();
}

std::string LineQueue::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

void LineQueue::close() {
  if (closed_.exchange(true)) return;
  if (on_close) on_close();
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
  auto executor = hooks.executor;
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
    return method == "GET" ? stream_requests(hooks, request, executor) : only("GET");
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
    nlohmann::json body = parse_body(request);
    if (!body.is_object() || !body.contains("rule") || !body["rule"].is_string()) {
      return error_reply(400, "bad_body", "send {\"rule\": \"...\", \"phase\": \"request\", "
                                          "\"hold\": \"60s\"}");
    }
    auto created = breakpoints.create(body["rule"].get<std::string>(),
                                      body.value("phase", "request"), body.value("hold", ""));
    if (!created) return error_reply(400, "bad_breakpoint", created.error().message);
    return json_reply(201, *created);
  }
  if (starts("/v1/breakpoints/")) {
    std::string rest(path.substr(16));
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (action == "events") {
      return method == "GET" ? breakpoint_events(hooks, id, executor) : only("GET");
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
