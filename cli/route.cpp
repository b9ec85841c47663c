// bridge route list|test: the effective route table, and why a request goes where it goes.
#include "print.hpp"
#include "proxy/rewrite.hpp"
#include "proxy/snapshot.hpp"
#include "route_common.hpp"
#include "route_ingress.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

namespace bridge::cli {

namespace {

struct RouteOptions {
  bool json = false;
  std::vector<std::string> positional;  // [METHOD] URL
  std::vector<std::string> headers;
  std::string client_ip = "127.0.0.1";
  std::string listener;
  bool live = false;
  bool http2 = false;
  std::string sni;                // tcp:// tests: the ClientHello's server name
  std::vector<std::string> alpn;  // and its ALPN protocols
  std::string method;             // -X: the method, as curl takes it
  std::string origin;             // --origin: an Origin header (CORS)
  std::string ingress;            // --ingress DIR: the cluster's manifests instead of a profile
  std::string ns;                 // --namespace: theirs when they name none
};

// -X and --origin as the request they describe: the method in front of the URL, an Origin
// header, and for OPTIONS with an Origin the Access-Control-Request-Method of a preflight
// (GET unless -H gives one). False with a usage error printed when -X contradicts the method.
bool apply_request_options(RouteOptions& o) {
  if (!o.method.empty()) {
    if (o.positional.size() == 2 && o.positional.front() != o.method) {
      print_error(
          Error::usage("-X " + o.method + " and the method " + o.positional.front() + " disagree",
                       "give the method once"));
      return false;
    }
    if (o.positional.size() == 1) o.positional.insert(o.positional.begin(), o.method);
  }
  if (o.origin.empty()) return true;
  o.headers.push_back("Origin: " + o.origin);
  const bool options = o.positional.size() == 2 && o.positional.front() == "OPTIONS";
  const bool asked = std::any_of(o.headers.begin(), o.headers.end(), [](const std::string& h) {
    return iequals(h.substr(0, h.find(':')), "Access-Control-Request-Method");
  });
  if (options && !asked) o.headers.push_back("Access-Control-Request-Method: GET");
  return true;
}

// Where a compose:// or k8s:// target resolves right now ("" for static targets); resolved
// once per url and cached, since a compose lookup asks the Docker Engine.
const discovery::Resolution* resolution_of(const proxy::Target& t) {
  static std::map<std::string, discovery::Resolution> cache;
  if (!t.dynamic()) return nullptr;
  auto it = cache.find(t.url);
  if (it == cache.end()) {
    std::error_code ec;
    discovery::Options options{std::filesystem::current_path(ec).string(), {}};
    it = cache.emplace(t.url, discovery::resolve_once(t.url, options)).first;
  }
  return &it->second;
}

std::string addresses_of(const discovery::Resolution& r) {
  std::vector<std::string> out;
  for (const auto& e : r.endpoints) out.push_back(e.host + ":" + std::to_string(e.port));
  return join(out);
}

// One line per target for the table; why a target is unresolved goes to `notes` (printed
// under the table once per target), so a long multi-line reason does not break the columns.
std::string targets_of(const proxy::UpstreamSet& set, std::vector<std::string>& notes) {
  std::vector<std::string> urls;
  for (const auto& t : set.targets) {
    const discovery::Resolution* r = resolution_of(*t);
    if (r == nullptr) {
      urls.push_back(t->url);
    } else if (r->endpoints.empty() && r->state == discovery::State::Pending &&
               r->via == "kubectl port-forward") {
      urls.push_back(t->url + " (tunnel opens with bridge up)");  // not an error
    } else if (r->endpoints.empty()) {
      urls.push_back(t->url + " (unresolved)");
      std::string note = t->url + ": " + r->error;
      if (std::find(notes.begin(), notes.end(), note) == notes.end()) notes.push_back(note);
    } else {
      urls.push_back(t->url + " -> " + addresses_of(*r) + " (" + r->via + ")");
    }
  }
  return join(urls);
}

// "the Traefik router of dynamic.yml:3:5" for a route read from [[sources]], else "".
std::string imported_from(const config::Config& config, std::string_view name) {
  auto it = config.imported.find(name);
  return it == config.imported.end() ? std::string() : it->second;
}

std::string rewrites_of(const config::Route& r) {
  std::vector<std::string> parts;
  if (!r.strip_prefix.empty()) parts.push_back("strip " + r.strip_prefix);
  if (!r.host_rewrite.empty()) parts.push_back("host " + r.host_rewrite);
  for (const auto& [k, v] : r.request_headers.set) parts.push_back("+" + k);
  for (const auto& k : r.request_headers.remove) parts.push_back("-" + k);
  for (const auto& [k, v] : r.response_headers.set) parts.push_back("resp +" + k);
  for (const auto& k : r.response_headers.remove) parts.push_back("resp -" + k);
  return parts.empty() ? "-" : join(parts);
}

int run_list(const GlobalOptions& global, const RouteOptions& options) {
  auto snapshot = load_snapshot(global);
  if (!snapshot) return exit_usage;
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : snapshot->table.routes()) {
      const proxy::RouteEntry& entry = snapshot->routes[r.index];
      nlohmann::json targets = nlohmann::json::array();
      for (const auto& t : entry.upstream->targets) {
        nlohmann::json target = {{"url", t->url}};
        if (const discovery::Resolution* r = resolution_of(*t)) {
          nlohmann::json endpoints = nlohmann::json::array();
          for (const auto& e : r->endpoints) {
            endpoints.push_back(
                {{"address", e.host + ":" + std::to_string(e.port)}, {"name", e.name}});
          }
          target["endpoints"] = endpoints;
          target["via"] = r->via;
          target["error"] = r->error;
        }
        targets.push_back(target);
      }
      out.push_back({{"kind", "http"},
                     {"priority", r.priority},
                     {"name", r.name},
                     {"rule", r.rule.text()},
                     {"listeners", r.listeners},
                     {"upstream", entry.upstream->name},
                     {"targets", targets},
                     {"middlewares", entry.config->middlewares},
                     {"origin", snapshot->config.entry_origin("routes", r.name).str()},
                     {"imported_from", imported_from(snapshot->config, r.name)},
                     {"strip_prefix", entry.config->strip_prefix},
                     {"host_rewrite", entry.config->host_rewrite}});
    }
    for (const auto& r : snapshot->tcp_table.routes()) {
      const proxy::TcpRouteEntry& entry = snapshot->tcp_routes[r.index];
      nlohmann::json targets = nlohmann::json::array();
      for (const auto& t : entry.upstream->targets) targets.push_back({{"url", t->url}});
      out.push_back({{"kind", "tcp"},
                     {"priority", r.priority},
                     {"name", r.name},
                     {"rule", r.rule.text()},
                     {"listeners", r.listeners},
                     {"upstream", entry.upstream->name},
                     {"targets", targets},
                     {"origin", snapshot->config.entry_origin("tcp_routes", r.name).str()},
                     {"imported_from", imported_from(snapshot->config, r.name)},
                     {"tls_passthrough", entry.config->tls_passthrough},
                     {"tls_terminate", entry.config->tls_terminate},
                     {"idle_timeout", config::format_duration(entry.config->idle_timeout)}});
    }
    print_json(out);
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{
      {"PRIORITY", "NAME", "RULE", "LISTENERS", "UPSTREAM", "TARGETS", "MIDDLEWARES", "REWRITES"}};
  std::vector<std::string> notes;
  for (const auto& r : snapshot->table.routes()) {
    const proxy::RouteEntry& entry = snapshot->routes[r.index];
    const auto& middlewares = entry.config->middlewares;
    rows.push_back({std::to_string(r.priority), r.name, r.rule.text(),
                    r.listeners.empty() ? "*" : join(r.listeners), entry.upstream->name,
                    targets_of(*entry.upstream, notes),
                    middlewares.empty() ? "-" : join(middlewares), rewrites_of(*entry.config)});
  }
  print_table(rows);
  // Routes read from Traefik's configuration ([[sources]]): where each router was written.
  for (const auto& r : snapshot->table.routes())
    if (auto from = imported_from(snapshot->config, r.name); !from.empty())
      print_line(r.name + " is " + from);
  for (const auto& listener : snapshot->config.listeners)
    if (!listener.middlewares.empty())
      print_line("listener " + listener.name + " runs " + join(listener.middlewares) +
                 " before its routes' middlewares");
  if (!snapshot->tcp_table.routes().empty()) {
    print_line("");
    std::vector<std::vector<std::string>> tcp_rows{
        {"PRIORITY", "TCP ROUTE", "RULE", "LISTENERS", "UPSTREAM", "TARGETS", "TLS"}};
    for (const auto& r : snapshot->tcp_table.routes()) {
      const proxy::TcpRouteEntry& entry = snapshot->tcp_routes[r.index];
      tcp_rows.push_back({std::to_string(r.priority), r.name, r.rule.text(), join(r.listeners),
                          entry.upstream->name, targets_of(*entry.upstream, notes),
                          entry.config->reads_tls() ? tls_mode(*entry.config) : "-"});
    }
    print_table(tcp_rows);
    for (const auto& r : snapshot->tcp_table.routes())
      if (auto from = imported_from(snapshot->config, r.name); !from.empty())
        print_line(r.name + " is " + from);
  }
  if (!notes.empty()) print_line("");
  for (const auto& note : notes) print_line(note);
  return exit_ok;
}

}  // namespace

std::shared_ptr<const proxy::Snapshot> load_snapshot(const GlobalOptions& global) {
  auto config = load_config_or_print(global);
  if (!config) return nullptr;
  auto snapshot = proxy::build_snapshot(std::move(*config));
  if (!snapshot) {
    print_error(snapshot.error());
    return nullptr;
  }
  return *snapshot;
}

int run_route_test(const GlobalOptions& global, const std::vector<std::string>& positional,
                   const std::vector<std::string>& headers, const std::string& client_ip,
                   const std::string& listener, bool json, bool http2);
int run_route_test_tcp(const GlobalOptions& global, const std::string& url, const std::string& sni,
                       const std::vector<std::string>& alpn, const std::string& client_ip,
                       const std::string& listener, bool json);
int run_route_test_live(const GlobalOptions& global, const std::string& admin,
                        const std::vector<std::string>& positional,
                        const std::vector<std::string>& headers, bool as_json);

void setup_route(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto options = std::make_shared<RouteOptions>();
  CLI::App* cmd = app.add_subcommand("route", "List routes and explain which one a request takes");
  cmd->require_subcommand(1);
  cmd->footer("Examples:\n  bridge route list --profile staging\n"
              "  bridge route test GET http://api.localhost:8080/api/users -H 'X-Env: beta'");

  CLI::App* list = cmd->add_subcommand("list", "The effective route table in priority order");
  list->add_flag("--json", options->json, "Print as JSON");
  list->footer("Example:\n  bridge route list --profile staging");
  list->callback([&action, &global, options] {
    action = [&global, options] { return run_list(global, *options); };
  });

  CLI::App* test = cmd->add_subcommand(
      "test", "Match a request against the routes (no server needed); exit 0 when a route "
              "matched, 1 when none did");
  test->add_option("REQUEST", options->positional,
                   "[METHOD] URL, e.g. POST http://localhost:8080/x")
      ->type_name("[METHOD] URL")
      ->required()
      ->expected(1, 2);
  test->add_option("-H,--header", options->headers, "Request header 'Name: value' (repeatable)");
  test->add_option("--client-ip", options->client_ip, "Client address seen by ClientIP()")
      ->capture_default_str();
  test->add_option("--listener", options->listener,
                   "Listener the request arrives on (default: the one bound to the URL's port)");
  test->add_flag("--json", options->json, "Print as JSON");
  test->add_flag("--live", options->live, "Send the request through the running bridge");
  test->add_flag("--http2", options->http2,
                 "The client speaks HTTP/2 (Host from :authority); shows the upstream protocol");
  test->add_option("-X,--request", options->method,
                   "The method, as curl takes it (same as METHOD before the URL)");
  test->add_option("--origin", options->origin,
                   "Send this Origin (CORS); with -X OPTIONS it is a preflight asking for GET "
                   "unless -H 'Access-Control-Request-Method: PUT' says otherwise");
  test->add_option("--sni", options->sni,
                   "tcp:// only: the TLS server name the client sends (HostSNI, passthrough)");
  test->add_option("--alpn", options->alpn,
                   "tcp:// only: an ALPN protocol the client offers (repeatable)");
  test->add_option("--ingress", options->ingress,
                   "Predict the cluster ingress's decision from its manifests instead of a "
                   "profile: a directory of IngressRoute, Middleware, TraefikService, Ingress and "
                   "Service YAML (kubectl get -o yaml output)")
      ->type_name("DIR");
  test->add_option("--namespace", options->ns,
                   "--ingress: the namespace of objects that name none (default: default)");
  test->footer(
      "Examples:\n  bridge route test http://localhost:8080/\n"
      "  bridge route test POST http://api.localhost:8080/api/orders -H 'X-Env: beta' "
      "--json\n"
      "  bridge route test --http2 POST http://localhost:8080/billing.v1.Billing/Charge "
      "-H 'content-type: application/grpc' -H 'te: trailers'\n"
      "  bridge route test -X OPTIONS --origin http://localhost:3000 "
      "http://localhost:8080/api/items -H 'Access-Control-Request-Method: PUT'\n"
      "  bridge route test tcp://localhost:5432\n"
      "  bridge route test tcp://billing.localhost:8443 --sni billing.localhost --alpn h2\n"
      "  bridge route test https://shop.example.com/api/cart --ingress k8s/   # as the cluster's "
      "Traefik");
  test->callback([&action, &global, options] {
    action = [&global, options]() -> int {
      if (!apply_request_options(*options)) return exit_usage;
      std::unique_ptr<IngressProfile> ingress;
      if (!options->ingress.empty()) {
        ingress = IngressProfile::make(global, options->ingress, options->ns);
        if (!ingress) return exit_usage;
        if (!options->json)
          print_line(paint("as the cluster's Traefik: ", Colour::Dim, stdout_colour()) +
                     "routers from the manifests in " + options->ingress);
      } else if (!options->ns.empty()) {
        print_error(Error::usage("--namespace goes with --ingress DIR"));
        return exit_usage;
      }
      const GlobalOptions& chosen = ingress ? ingress->options() : global;
      if (options->positional.back().starts_with("tcp://")) {
        if (options->positional.size() == 2 || options->live || options->http2) {
          print_error(
              Error::usage("a tcp:// test takes no method, --live or --http2",
                           "e.g. bridge route test tcp://localhost:5432 --sni db.localhost"));
          return exit_usage;
        }
        return run_route_test_tcp(chosen, options->positional.back(), options->sni, options->alpn,
                                  options->client_ip, options->listener, options->json);
      }
      if (!options->sni.empty() || !options->alpn.empty()) {
        print_error(Error::usage("--sni and --alpn describe a TCP connection",
                                 "test it as tcp://HOST:PORT"));
        return exit_usage;
      }
      if (options->live) {
        // With --ingress: the prediction first, then the request through the running bridge
        // (bridge up with the same manifests as a kubernetes source).
        if (ingress)
          run_route_test(chosen, options->positional, options->headers, options->client_ip,
                         options->listener, options->json, options->http2);
        return run_route_test_live(global, "", options->positional, options->headers,
                                   options->json);
      }
      return run_route_test(chosen, options->positional, options->headers, options->client_ip,
                            options->listener, options->json, options->http2);
    };
  });
}

}  // namespace bridge::cli
