// bridge route test: runs the matcher on a described request and prints the decision.
#include "http/fields.hpp"
#include "http/message.hpp"
#include "middleware/middleware.hpp"
#include "print.hpp"
#include "proxy/rewrite.hpp"
#include "proxy/snapshot.hpp"
#include "route_common.hpp"

#include <algorithm>

namespace bridge::cli {

namespace {

struct TestRequest {
  std::string method = "GET";
  std::string scheme;
  std::string authority;  // host[:port] from the URL
  std::string target;     // path?query as sent
  std::string decoded_path;
  std::string normalized_from;  // the target as given, when normalization changed it
  std::vector<std::pair<std::string, std::string>> headers;
  uint16_t port = 0;
  bool http2 = false;  // --http2: the client speaks HTTP/2 (Host comes from :authority)
  bool grpc() const {
    return std::any_of(headers.begin(), headers.end(), [](const auto& h) {
      return iequals(h.first, "content-type") && h.second.starts_with("application/grpc");
    });
  }
};

// What bridge speaks to `target` of `upstream` (upstreams[].protocol, h2c:// targets).
std::string upstream_protocol(const proxy::Target& target, const proxy::UpstreamSet& upstream) {
  const std::string& p = upstream.config.protocol;
  if (target.scheme == proxy::Scheme::Echo) return "answered inside bridge";
  if (target.h2c) return "HTTP/2 (prior knowledge)";
  if (p == "h2") return "HTTP/2 (ALPN h2, required)";
  if (p == "auto" && target.scheme == proxy::Scheme::Https)
    return "HTTP/2 if the target agrees by ALPN, else HTTP/1.1";
  return "HTTP/1.1";
}

bool speaks_h2(const proxy::Target& target, const proxy::UpstreamSet& upstream) {
  return target.h2c || upstream.config.protocol == "h2" ||
         (upstream.config.protocol == "auto" && target.scheme == proxy::Scheme::Https);
}

Result<TestRequest> parse_request(const std::vector<std::string>& positional,
                                  const std::vector<std::string>& headers) {
  TestRequest req;
  const std::string& url = positional.back();
  if (positional.size() == 2) req.method = positional.front();
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return Error::usage("\"" + url + "\" is not an absolute URL",
                        "write it as http://HOST[:PORT]/PATH, e.g. http://localhost:8080/api");
  }
  req.scheme = url.substr(0, scheme_end);
  if (req.scheme != "http" && req.scheme != "https") {
    return Error::usage("unsupported scheme \"" + req.scheme + "\"", "use http:// or https://");
  }
  std::string rest = url.substr(scheme_end + 3);
  auto slash = rest.find_first_of("/?");
  req.authority = rest.substr(0, slash);
  req.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (req.target.front() == '?') req.target = "/" + req.target;
  auto colon = req.authority.rfind(':');
  bool has_port = colon != std::string::npos && req.authority.find(']', colon) == std::string::npos;
  req.port = req.scheme == "https" ? 443 : 80;
  if (has_port) req.port = static_cast<uint16_t>(std::atoi(req.authority.c_str() + colon + 1));
  auto parsed = parse_header_args(headers);
  if (!parsed) return parsed.error();
  req.headers.insert(req.headers.end(), parsed->begin(), parsed->end());
  return req;
}

// The request bridge would send upstream, in the order the proxy writes it (see
// core/proxy/forward.cpp, edit_request_head): `added` has set semantics, one entry per name;
// `removed` names the incoming headers that are not forwarded.
struct Plan {
  std::string method, target, host;
  std::vector<std::pair<std::string, std::string>> added;
  std::vector<std::string> removed;

  void remove(std::string_view name, const TestRequest& req) {
    std::erase_if(added, [&](const auto& kv) { return iequals(kv.first, name); });
    for (const auto& header : req.headers) {
      const std::string& k = header.first;  // clang 14 cannot capture a structured binding
      bool listed = std::any_of(removed.begin(), removed.end(),
                                [&](const std::string& r) { return iequals(r, k); });
      if (iequals(k, name) && !listed) removed.push_back(k);
    }
  }
  void set(std::string_view name, std::string value, const TestRequest& req) {
    remove(name, req);
    added.emplace_back(name, std::move(value));
  }
};

Plan plan_upstream(const TestRequest& req, const config::Route& r, const config::Config& cfg,
                   const std::string& client_ip, bool forwarded_trusted, bool h2_upstream,
                   const middleware::Effects& fx) {
  Plan plan{req.method, req.target, req.authority, {}, {}};
  std::string forwarded_for, forwarded_proto, forwarded_host, connection;
  for (const auto& [k, v] : req.headers) {
    if (iequals(k, "host")) plan.host = v;
    if (iequals(k, "x-forwarded-for") && forwarded_for.empty()) forwarded_for = v;
    if (iequals(k, "x-forwarded-proto") && forwarded_proto.empty()) forwarded_proto = v;
    if (iequals(k, "x-forwarded-host") && forwarded_host.empty()) forwarded_host = v;
    if (iequals(k, "connection") && connection.empty()) connection = v;
  }
  const std::string original_host = plan.host;
  for (const auto& [k, v] : req.headers) {
    bool kept =
        iequals(k, "content-length") || iequals(k, "transfer-encoding") || iequals(k, "host");
    if (!kept && (proxy::is_hop_by_hop(k) || bridge::http::has_token(connection, k))) {
      plan.remove(k, req);
    }
  }
  if (!forwarded_trusted) {  // as the proxy does for a peer outside forwarded_headers
    for (std::string_view name : proxy::forwarded_fields) plan.remove(name, req);
    forwarded_for = forwarded_proto = forwarded_host = "";
  }
  plan.set("X-Forwarded-For", forwarded_for.empty() ? client_ip : forwarded_for + ", " + client_ip,
           req);
  if (forwarded_proto.empty()) plan.set("X-Forwarded-Proto", req.scheme, req);
  if (forwarded_host.empty()) plan.set("X-Forwarded-Host", original_host, req);
  plan.set(cfg.trace.request_id_header, "<generated>", req);
  plan.set("traceparent", "<generated>", req);
  for (const auto& p : cfg.trace.propagation) {
    if (p == "b3") plan.set("b3", "<generated>", req);
  }
  // The middlewares' changes, then the route's own rewrites (as edit_request_head applies them).
  for (const middleware::FieldEdit& e : fx.request) {
    if (e.op == middleware::FieldEdit::Op::Remove)
      plan.remove(e.name, req);
    else
      plan.set(e.name, e.value, req);
  }
  if (fx.target_changed) plan.target = fx.target;
  if (!r.strip_prefix.empty()) {
    std::string stripped;
    if (proxy::strip_prefix(plan.target, r.strip_prefix, stripped)) {
      plan.target = stripped;
      plan.set("X-Forwarded-Prefix", r.strip_prefix, req);
    }
  }
  if (h2_upstream) {  // TE is hop-by-hop, but "trailers" goes on to HTTP/2 (gRPC needs it)
    for (const auto& [k, v] : req.headers) {
      if (!iequals(k, "te") || v.find("trailers") == std::string::npos) continue;
      if (iequals(v, "trailers"))  // goes up as it came: neither removed nor added
        std::erase_if(plan.removed, [](const std::string& r) { return iequals(r, "te"); });
      else
        plan.set("te", "trailers", req);
    }
  }
  if (!r.host_rewrite.empty()) plan.host = r.host_rewrite;
  for (const auto& k : r.request_headers.remove) plan.remove(k, req);
  for (const auto& [k, v] : r.request_headers.set) plan.set(k, v, req);
  return plan;
}

// Each target with the path it is sent: appended to a URL; beside a compose:// or k8s:// one,
// whose query (?context=staging) is no place for a path.
std::string target_url(const proxy::UpstreamSet& set, const std::string& path) {
  std::string out;
  for (const auto& t : set.targets) {
    std::string url = t->scheme == proxy::Scheme::Echo ? t->url
                      : t->dynamic()                   ? t->url + " (path " + path + ")"
                                                       : t->url + path;
    out += (out.empty() ? "" : " | ") + url;
  }
  return out;
}

// A request the front door refuses never reaches routing: say so and why, as the proxy answers.
int print_refusal(const std::string& request_line, const std::string& listener,
                  const proxy::Refusal& refused, bool json) {
  if (json) {
    print_json({{"request", request_line},
                {"listener", listener},
                {"matched", false},
                {"refused",
                 {{"status", refused.status},
                  {"error", refused.code},
                  {"message", refused.message},
                  {"hint", refused.hint}}}});
    return exit_failure;
  }
  bool c = stdout_colour();
  print_line(paint(request_line, Colour::Bold, c) + "  " +
             paint("(listener " + listener + ")", Colour::Dim, c));
  print_line(paint("refused before routing: " + std::to_string(refused.status) + " " +
                       refused.code + ": " + refused.message,
                   Colour::Red, c));
  if (!refused.hint.empty()) print_line(paint("hint: " + refused.hint, Colour::Dim, c));
  return exit_failure;
}

// The listener's and the route's middlewares, run on the described request as the proxy runs
// them (a dry run: nothing is sent, a rate limit counts nothing).
middleware::Effects run_middlewares(const proxy::Snapshot& snap, const TestRequest& req,
                                    const std::string& host, const std::string& listener,
                                    size_t route_index, const std::string& client_ip) {
  http::Fields fields;
  fields.add("Host", host);
  for (const auto& [k, v] : req.headers)
    if (!iequals(k, "host")) fields.add(k, v);
  const middleware::Request request{req.method,
                                    host,
                                    req.scheme,
                                    req.target,
                                    &fields,
                                    client_ip,
                                    route::IpAddress::parse(client_ip)};
  middleware::Effects fx;
  for (const proxy::MiddlewareChain* chain :
       {&snap.listener_chain(listener), &snap.routes[route_index].middlewares}) {
    // A forwardAuth is not asked in a dry run: the chain goes on as if it had said 2xx.
    for (size_t at = 0; at < chain->chain.size() && !fx.answer; fx.auth.reset())
      at = middleware::run(chain->chain, request, fx, at);
    if (fx.answer) break;
  }
  return fx;
}

nlohmann::json middlewares_json(const middleware::Effects& fx) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : fx.steps)
    steps.push_back({{"name", step.name},
                     {"type", step.type},
                     {"outcome", middleware::outcome_names[static_cast<size_t>(step.outcome)]},
                     {"detail", step.detail}});
  return steps;
}

// "+ Name: value", "- Name", "+ Vary: Origin (unless listed)" for a list of field edits.
std::string edit_text(const middleware::FieldEdit& e) {
  switch (e.op) {
  case middleware::FieldEdit::Op::Set:
    return "+ " + e.name + ": " + e.value;
  case middleware::FieldEdit::Op::Remove:
    return "- " + e.name;
  case middleware::FieldEdit::Op::AppendToken:
    return "+ " + e.name + ": " + e.value + " (unless the upstream's " + e.name + " lists it)";
  case middleware::FieldEdit::Op::Add:
    return "+ " + e.name + ": " + e.value + " (besides any other " + e.name + ")";
  }
  return "";
}

void print_middlewares(const middleware::Effects& fx, bool c) {
  if (fx.steps.empty()) return;
  print_line("middlewares:");
  size_t width = 0;
  for (const auto& step : fx.steps)
    width = std::max(width, step.name.size() + step.type.size() + 3);
  for (const auto& step : fx.steps) {
    std::string label = step.name + " (" + std::string(step.type) + ")";
    label += std::string(width - label.size(), ' ');
    const bool answered = step.outcome == middleware::Outcome::Answered;
    print_line("  " + (answered ? paint(label, Colour::Yellow, c) : label) + "  " + step.detail);
  }
}

int print_route_test(const proxy::Snapshot& snap, const TestRequest& req,
                     const std::string& request_line, const std::string& listener,
                     const std::string& client_ip,
                     const std::vector<route::RouteDecision>& decisions,
                     const route::RouteDecision* winner, const std::optional<Plan>& plan,
                     const middleware::Effects& fx, bool json) {
  const proxy::UpstreamSet* upstream =
      winner ? snap.routes[winner->route->index].upstream : nullptr;
  if (json) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& d : decisions) {
      routes.push_back({{"name", d.route->name},
                        {"rule", d.route->rule.text()},
                        {"priority", d.route->priority},
                        {"matched", d.explanation.matched},
                        {"expression", d.explanation.expression},
                        {"observed", d.explanation.observed},
                        {"note", d.explanation.note}});
    }
    nlohmann::json out = {{"request", request_line},
                          {"listener", listener},
                          {"client_ip", client_ip},
                          {"path", req.target.substr(0, req.target.find('?'))},
                          {"routes", routes},
                          {"matched", winner != nullptr},
                          {"client_protocol", req.http2 ? "HTTP/2" : "HTTP/1.1"},
                          {"grpc", req.grpc()}};
    if (!req.normalized_from.empty()) out["normalized_from"] = req.normalized_from;
    if (winner) {
      // [name, value] pairs in the order they are written: an object would lose it.
      nlohmann::json added = nlohmann::json::array();
      for (const auto& [k, v] : plan->added) added.push_back({k, v});
      out["winner"] = winner->route->name;
      out["upstream"] = upstream->name;
      if (!fx.steps.empty()) out["middlewares"] = middlewares_json(fx);
      if (fx.answer) {
        nlohmann::json fields = nlohmann::json::array();
        for (const auto& [k, v] : fx.answer->fields) fields.push_back({k, v});
        out["answered"] = {{"by", fx.steps.back().name},
                           {"status", fx.answer->status},
                           {"headers", fields},
                           {"message", fx.answer->message}};
        print_json(out);
        return exit_ok;
      }
      nlohmann::json response = nlohmann::json::array();
      for (const auto& e : fx.response) response.push_back(edit_text(e));
      if (!response.empty()) out["response_changes"] = response;
      out["upstream_request"] = {{"method", plan->method},
                                 {"target", plan->target},
                                 {"host", plan->host},
                                 {"headers_added", added},
                                 {"headers_removed", plan->removed}};
      out["target"] = target_url(*upstream, plan->target);
      nlohmann::json protocols = nlohmann::json::array();
      for (const auto& t : upstream->targets) protocols.push_back(upstream_protocol(*t, *upstream));
      out["upstream_protocols"] = protocols;
    }
    print_json(out);
    return winner ? exit_ok : exit_failure;
  }
  bool c = stdout_colour();
  print_line(paint(request_line, Colour::Bold, c) + "  " +
             paint("(listener " + listener + ", client " + client_ip + ")", Colour::Dim, c));
  print_line("");
  size_t name_width = 0;
  for (const auto& d : decisions) name_width = std::max(name_width, d.route->name.size());
  for (const auto& d : decisions) {
    const auto& e = d.explanation;
    bool is_winner = winner && d.route == winner->route;
    std::string mark = e.matched ? paint("✓", Colour::Green, c) : paint("✗", Colour::Red, c);
    std::string name = d.route->name + std::string(name_width - d.route->name.size(), ' ');
    std::string line =
        "  " + mark + " " + (is_winner ? paint(name, Colour::Bold, c) : name) + "  " +
        d.route->rule.text() +
        paint("  (priority " + std::to_string(d.route->priority) + ")", Colour::Dim, c);
    if (e.matched && winner && !is_winner)
      line += paint("  shadowed by " + winner->route->name, Colour::Dim, c);
    print_line(line);
    std::string why =
        e.expression.empty()
            ? e.observed
            : e.expression + " " + (e.matched ? "matched: " : "failed: ") + e.observed;
    print_line("    " + std::string(name_width, ' ') + paint(why, Colour::Dim, c));
    if (!e.note.empty())
      print_line("    " + std::string(name_width, ' ') +
                 paint("note: " + e.note, Colour::Yellow, c));
  }
  print_line("");
  if (!winner) {
    std::string hint = "no route matched";
    for (const auto& d : decisions) {
      if (d.route->serves(listener)) {
        hint += "; closest by priority: " + d.route->name + " (" + d.explanation.expression + " " +
                d.explanation.observed + ")";
        break;
      }
    }
    print_line(paint(hint, Colour::Red, c));
    return exit_failure;
  }
  print_line(paint("winner: ", Colour::Green, c) + winner->route->name + " -> upstream " +
             upstream->name);
  print_middlewares(fx, c);
  if (fx.answer) {
    print_line(paint("answered by " + fx.steps.back().name + ": " +
                         std::to_string(fx.answer->status) + " " +
                         std::string(bridge::http::reason_phrase(fx.answer->status)),
                     Colour::Yellow, c) +
               paint(" (not forwarded)", Colour::Dim, c));
    for (const auto& [k, v] : fx.answer->fields) print_line("  " + k + ": " + v);
    if (!fx.answer->message.empty() && fx.answer->status >= 400)
      print_line("  " + paint(fx.answer->message, Colour::Dim, c));
    return exit_ok;
  }
  const proxy::Target& first = *upstream->targets.front();
  const bool h2_up = speaks_h2(first, *upstream);
  print_line("upstream request (" + upstream_protocol(first, *upstream) + "):");
  if (h2_up) {
    print_line("  :method " + plan->method);
    print_line(std::string("  :scheme ") +
               (first.scheme == proxy::Scheme::Https ? "https" : "http"));
    print_line("  :authority " + plan->host);
    print_line("  :path " + plan->target);
  } else {
    print_line("  " + plan->method + " " + plan->target + " HTTP/1.1");
    print_line("  Host: " + plan->host);
  }
  for (const auto& [k, v] : plan->added) print_line(paint("  + " + k + ": " + v, Colour::Green, c));
  for (const auto& k : plan->removed) print_line(paint("  - " + k, Colour::Red, c));
  print_line("target: " + target_url(*upstream, plan->target));
  if (!fx.response.empty()) {
    print_line("response from the middlewares:");
    for (const auto& e : fx.response) print_line("  " + edit_text(e));
  }
  if (req.grpc()) {
    print_line(paint("gRPC: ", Colour::Bold, c) +
               (h2_up ? std::string("te: trailers goes up, grpc-status comes back in trailers")
                      : std::string("the upstream speaks HTTP/1.1 here: gRPC needs HTTP/2 (h2c:// "
                                    "target or protocol = \"h2c\")")) +
               "; bridge's own errors are answered as gRPC statuses (no route: UNIMPLEMENTED, "
               "upstream down: UNAVAILABLE, timeout: DEADLINE_EXCEEDED)");
  }
  return exit_ok;
}

// The listener bound to `port`; else the first, with a warning that says so.
std::string pick_listener(const config::Config& cfg, uint16_t port) {
  std::string suffix = ":" + std::to_string(port);
  for (const auto& l : cfg.listeners) {
    if (l.bind.size() > suffix.size() &&
        l.bind.compare(l.bind.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return l.name;
    }
  }
  if (cfg.listeners.empty()) return "";
  const auto& first = cfg.listeners.front();
  print_warning("no listener is bound to port " + std::to_string(port) +
                "; testing on listener \"" + first.name + "\" (" + first.bind +
                "); pick another with --listener NAME");
  return first.name;
}

// --listener must name a listener of the config: the usage error (nearest name) otherwise.
std::optional<Error> unknown_listener(const config::Config& cfg, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& l : cfg.listeners) {
    if (l.name == name) return std::nullopt;
    names.push_back(l.name);
  }
  std::string nearest_name = nearest(name, names);
  return Error::usage("unknown listener \"" + name + "\"",
                      nearest_name.empty() ? "listeners: " + join(names)
                                           : "did you mean \"" + nearest_name + "\"?");
}

}  // namespace

std::optional<std::string> resolve_listener(const config::Config& cfg,
                                            const std::string& listener_arg, uint16_t port) {
  if (listener_arg.empty()) return pick_listener(cfg, port);
  if (auto unknown = unknown_listener(cfg, listener_arg)) {
    print_error(*unknown);
    return std::nullopt;
  }
  return listener_arg;
}

int run_route_test(const GlobalOptions& global, const std::vector<std::string>& positional,
                   const std::vector<std::string>& header_args, const std::string& client_ip,
                   const std::string& listener_arg, bool json, bool http2) {
  auto parsed = parse_request(positional, header_args);
  if (!parsed) {
    print_error(parsed.error());
    return exit_usage;
  }
  parsed->http2 = http2;
  auto ip = route::IpAddress::parse(client_ip);
  if (!ip) {
    print_error(Error::usage("invalid --client-ip \"" + client_ip + "\""));
    return exit_usage;
  }
  auto built = load_snapshot(global);
  if (!built) return exit_usage;
  const proxy::Snapshot& snap = *built;
  TestRequest& req = *parsed;
  auto resolved = resolve_listener(snap.config, listener_arg, req.port);
  if (!resolved) return exit_usage;
  const std::string& listener = *resolved;
  const std::string request_line = req.method + " " + req.scheme + "://" + req.authority +
                                   req.target + (req.http2 ? " (HTTP/2)" : "");
  // The front door first, as the proxy does: what is routed is the normalized path.
  const proxy::ListenerPolicy& policy = snap.policy(listener);
  proxy::FrontDoorTarget normalized;
  if (auto refused = proxy::normalize_target(req.target, policy.path, normalized)) {
    return print_refusal(request_line, listener, *refused, json);
  }
  if (normalized.target != req.target) {
    if (!json) {
      print_line(paint("normalized: ", Colour::Dim, stdout_colour()) + req.target + " -> " +
                 normalized.target);
    }
    req.normalized_from = req.target;
    req.target = normalized.target;
  }
  req.decoded_path = normalized.decoded;

  std::vector<route::HeaderField> fields;
  std::string host = req.authority;
  for (const auto& [k, v] : req.headers) {
    fields.push_back({k, v});
    if (iequals(k, "host")) host = v;
  }
  fields.insert(fields.begin(), route::HeaderField{"Host", host});
  std::string_view path, query;
  proxy::split_target(req.target, path, query);
  route::RequestView view{req.method, host, req.decoded_path, query, fields, ip};

  auto decisions = snap.table.explain_all(view, listener);
  const route::RouteDecision* winner = nullptr;
  for (const auto& d : decisions) {
    if (d.explanation.matched) {
      winner = &d;
      break;
    }
  }
  std::optional<Plan> plan;
  middleware::Effects fx;
  if (winner) {
    const size_t index = winner->route->index;
    fx = run_middlewares(snap, req, host, listener, index, client_ip);
    const proxy::UpstreamSet& up = *snap.routes[index].upstream;
    plan = plan_upstream(req, *snap.routes[index].config, snap.config, client_ip,
                         policy.trusts(client_ip), speaks_h2(*up.targets.front(), up), fx);
  }
  return print_route_test(snap, req, request_line, listener, client_ip, decisions, winner, plan, fx,
                          json);
}

}  // namespace bridge::cli
