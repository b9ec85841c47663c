// bridge route test tcp://HOST:PORT [--sni NAME] [--alpn PROTO]: which TCP route a connection
// takes and why, in the order the proxy tries them (passthrough routes first for TLS).
#include "print.hpp"
#include "route_common.hpp"

namespace bridge::cli {

namespace {

struct TcpTest {
  std::string url, host;
  uint16_t port = 0;
  std::string listener, client_ip, sni;
  std::vector<std::string> alpn;
};

Result<TcpTest> parse_tcp_url(const std::string& url) {
  TcpTest t;
  t.url = url;
  std::string rest = url.substr(std::string("tcp://").size());
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find('/') != std::string::npos)
    return Error::usage("\"" + url + "\" is not tcp://HOST:PORT",
                        "e.g. bridge route test tcp://localhost:5432, or with --sni for TLS");
  t.host = rest.substr(0, colon);
  t.port = static_cast<uint16_t>(std::atoi(rest.c_str() + colon + 1));
  return t;
}

std::string connection_line(const TcpTest& t) {
  std::string line = "TCP " + t.url + "  (listener " + t.listener + ", client " + t.client_ip;
  line += t.sni.empty() ? ", no TLS" : ", TLS SNI " + t.sni;
  if (!t.alpn.empty()) line += ", ALPN " + join(t.alpn);
  return line + ")";
}

std::string targets_text(const proxy::UpstreamSet& set) {
  return join(set.targets, ", ", [](const auto& target) { return target->url; });
}

int print_tcp_test(const proxy::Snapshot& snap, const TcpTest& t,
                   const std::vector<route::RouteDecision>& decisions,
                   const proxy::TcpRouteEntry* winner, bool json) {
  auto entry_of = [&](const route::RouteDecision& d) -> const proxy::TcpRouteEntry& {
    return snap.tcp_routes[d.route->index];
  };
  if (json) {
    nlohmann::json routes = nlohmann::json::array();
    for (const auto& d : decisions) {
      routes.push_back({{"name", d.route->name},
                        {"rule", d.route->rule.text()},
                        {"priority", d.route->priority},
                        {"tls_passthrough", entry_of(d).config->tls_passthrough},
                        {"tls_terminate", entry_of(d).config->tls_terminate},
                        {"matched", d.explanation.matched},
                        {"expression", d.explanation.expression},
                        {"observed", d.explanation.observed}});
    }
    nlohmann::json out = {{"connection", t.url},
                          {"listener", t.listener},
                          {"client_ip", t.client_ip},
                          {"sni", t.sni},
                          {"alpn", t.alpn},
                          {"routes", routes},
                          {"matched", winner != nullptr}};
    if (winner) {
      out["winner"] = winner->config->name;
      out["upstream"] = winner->upstream->name;
      out["targets"] = nlohmann::json::array();
      for (const auto& target : winner->upstream->targets) out["targets"].push_back(target->url);
      out["tls"] = winner->config->tls_passthrough ? "passed through"
                   : winner->config->tls_terminate ? "terminated"
                                                   : "none";
    }
    print_json(out);
    return winner ? exit_ok : exit_failure;
  }
  const bool c = stdout_colour();
  print_line(paint(connection_line(t), Colour::Bold, c));
  print_line("");
  size_t width = 0;
  for (const auto& d : decisions) width = std::max(width, d.route->name.size());
  for (const auto& d : decisions) {
    const auto& e = d.explanation;
    const bool won = winner && &entry_of(d) == winner;
    std::string name = d.route->name + std::string(width - d.route->name.size(), ' ');
    print_line("  " + (e.matched ? paint("✓", Colour::Green, c) : paint("✗", Colour::Red, c)) +
               " " + (won ? paint(name, Colour::Bold, c) : name) + "  " + d.route->rule.text() +
               paint("  (priority " + std::to_string(d.route->priority) +
                         (entry_of(d).config->tls_passthrough ? ", TLS passthrough"
                          : entry_of(d).config->tls_terminate ? ", TLS terminated"
                                                              : "") +
                         ")",
                     Colour::Dim, c));
    std::string why = e.expression.empty()
                          ? e.observed
                          : e.expression + (e.matched ? " matched: " : " failed: ") + e.observed;
    print_line("    " + std::string(width, ' ') + paint(why, Colour::Dim, c));
  }
  print_line("");
  if (!winner) {
    std::string why =
        decisions.empty() ? "this config has no [[tcp_routes]]" : "no TCP route matched";
    print_line(paint(why + (snap.policy(t.listener).tcp
                                ? ": bridge closes the connection"
                                : ": listener " + t.listener +
                                      " serves it as HTTP (see bridge route test https://" +
                                      (t.sni.empty() ? t.host : t.sni) + ":" +
                                      std::to_string(t.port) + "/)"),
                     Colour::Red, c));
    return exit_failure;
  }
  print_line(paint("winner: ", Colour::Green, c) + winner->config->name + " -> upstream " +
             winner->upstream->name);
  print_line("targets: " + targets_text(*winner->upstream));
  print_line(winner->config->tls_passthrough
                 ? "bytes relayed as they come; the TLS handshake goes to the target untouched"
             : winner->config->tls_terminate
                 ? "TLS terminated with listener " + t.listener +
                       "'s certificates; the plaintext relayed to the target"
                 : "bytes relayed as they come (no TLS)");
  return exit_ok;
}

}  // namespace

int run_route_test_tcp(const GlobalOptions& global, const std::string& url, const std::string& sni,
                       const std::vector<std::string>& alpn, const std::string& client_ip,
                       const std::string& listener_arg, bool json) {
  auto parsed = parse_tcp_url(url);
  if (!parsed) {
    print_error(parsed.error());
    return exit_usage;
  }
  auto ip = route::IpAddress::parse(client_ip);
  if (!ip) {
    print_error(Error::usage("invalid --client-ip \"" + client_ip + "\""));
    return exit_usage;
  }
  auto built = load_snapshot(global);
  if (!built) return exit_usage;
  const proxy::Snapshot& snap = *built;
  TcpTest& t = *parsed;
  t.client_ip = client_ip;
  t.sni = sni;
  for (char& ch : t.sni) ch = ascii_lower(ch);
  t.alpn = alpn;
  auto listener = resolve_listener(snap.config, listener_arg, t.port);
  if (!listener) return exit_usage;
  t.listener = *listener;
  std::vector<std::string_view> alpn_views(t.alpn.begin(), t.alpn.end());
  route::RequestView view;
  view.client_ip = ip;
  view.sni = t.sni;
  view.alpn = alpn_views;
  const bool tls = !t.sni.empty() || !t.alpn.empty();
  return print_tcp_test(snap, t, snap.explain_tcp(t.listener, view, tls),
                        snap.match_tcp(t.listener, view, tls), json);
}

}  // namespace bridge::cli
