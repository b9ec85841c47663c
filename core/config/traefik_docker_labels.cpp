// One compose service's labels as Traefik's docker provider turns a container's labels into its
// dynamic configuration (traefik/traefik pkg/provider/docker/config.go, DynConfBuilder.build,
// and pkg/provider/configuration.go, BuildRouterConfiguration), with exposedByDefault = true:
// - without traefik.enable=false every service is read, labels or not;
// - with no http.services label, one service named getServiceName(): Normalize(SERVICE + "_" +
//   PROJECT) for a compose container ("api_shop" -> "api-shop", shared.go);
// - with no router label and at most one service, one router of that name;
// - a router without a rule gets the default rule Host(`{{ normalize .Name }}`) (shared.go
//   DefaultTemplateRule) with .Name = getServiceName(): Host(`api-shop`);
// - a router without a service takes the container's only service (more: Traefik drops it);
// - a service's server is the container at loadbalancer.server.port, else at its one port.
//   Traefik "uses the first exposed port of a container" (doc.traefik.io/traefik/v3.0/routing/
//   providers/docker, "Traefik Connecting to the Wrong Port"; getPort in shared.go takes the
//   lowest). bridge sees the compose file's ports and expose, not the image's EXPOSE, so with
//   several or none it asks for the label instead of guessing;
// - TCP labels (or UDP ones) and no HTTP label: no HTTP router for the container.
// The server is compose://SERVICE:PORT, which discovery follows across recreates.
#include "config/detail/node_build.hpp"
#include "config/detail/traefik_docker.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bridge::config::detail {

namespace {

void erase(Node& table, std::string_view key) {
  std::erase_if(table.entries, [&](const Entry& e) { return e.key == key; });
}

// The table `key` of `parent`, created (at `origin`) when missing.
Node& section(Node& parent, const std::string& key, const Origin& origin) {
  if (Node* n = parent.find(key)) return *n;
  Node empty;
  empty.origin = origin;
  put(parent, key, std::move(empty));
  return parent.entries.back().value;
}

bool has_entries(const Node* table, std::string_view key) {
  if (table == nullptr) return false;
  const Node* n = table->find(key);
  return n != nullptr && !n->entries.empty();
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Every label at or below `tree`.
void labels_below(const LabelTree& tree, std::vector<const Label*>& out) {
  if (tree.label != nullptr) out.push_back(tree.label);
  for (const LabelTree& c : tree.children) labels_below(c, out);
}

class ServiceBuilder {
 public:
  ServiceBuilder(ProviderContext& context, const LabelledService& service,
                 const LabelProject& project)
      : context_(context), service_(service), project_(project),
        default_name_(traefik_normalize(service.name + "_" + project.name)) {}

  Result<std::optional<ServiceDynamic>> build() {
    auto enabled = enable();
    BRIDGE_TRY(enabled);
    if (!*enabled) return std::optional<ServiceDynamic>();
    auto tree = label_tree(context_, service_.labels);
    BRIDGE_TRY(tree);
    labelled_ = !tree->children.empty();
    LabelTree read = set_aside(*tree);
    auto typed = typed_labels(context_, read);
    BRIDGE_TRY(typed);
    out_.config = std::move(*typed);
    out_.config.origin = service_.origin;
    Node* http = out_.config.find("http");
    Node* tcp = out_.config.find("tcp");
    const bool tcp_or_udp =
        has_entries(tcp, "routers") || has_entries(tcp, "services") || udp_routes_;
    if (has_entries(tcp, "routers") || has_entries(tcp, "services")) {
      auto built = tcp_section(*tcp);
      BRIDGE_TRY(built);
      if (!*built) return std::optional<ServiceDynamic>();
    }
    if (tcp_or_udp && !has_entries(http, "routers") && !has_entries(http, "services") &&
        !has_entries(http, "middlewares")) {
      erase(out_.config, "http");
      return std::optional<ServiceDynamic>(std::move(out_));
    }
    auto built = http_section(section(out_.config, "http", service_.origin));
    BRIDGE_TRY(built);
    if (!*built) return std::optional<ServiceDynamic>();
    return std::optional<ServiceDynamic>(std::move(out_));
  }

 private:
  // traefik.enable, as Traefik reads it with exposedByDefault = true.
  Result<bool> enable() const {
    const Label* found = nullptr;
    for (const Label& l : service_.labels)
      if (iequals(l.key, "traefik.enable") && (found == nullptr || l.key < found->key)) found = &l;
    if (found == nullptr) return true;
    for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"})
      if (found->value == yes) return true;
    for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"})
      if (found->value == no) return false;
    return context_.sources.error("label " + found->key + ": expected true or false, got " +
                                      detail::quoted(found->value),
                                  found->value_origin, found->value_span);
  }

  // The tree with what bridge reads (http, tcp); each other label is named in a warning.
  LabelTree set_aside(const LabelTree& tree) {
    LabelTree keep = tree;
    keep.children.clear();
    std::vector<std::pair<const Label*, std::string>> unread;
    for (const LabelTree& child : tree.children) {
      const std::string part = lowered(child.name);
      if (part == "http" || part == "tcp") {
        keep.children.push_back(child);
        continue;
      }
      if (part == "enable") continue;
      if (part == "udp") udp_routes_ = child.find("routers") || child.find("services");
      std::vector<const Label*> below;
      labels_below(child, below);
      for (const Label* l : below) unread.emplace_back(l, part);
    }
    // In the order written (service_.labels holds them so).
    std::sort(unread.begin(), unread.end());
    for (const auto& [label, part] : unread) warn_unread(*label, part);
    return keep;
  }

  void warn_unread(const Label& l, const std::string& part) {
    std::string why, hint;
    if (part == "udp") {
      why = "bridge relays HTTP and TCP, not UDP";
    } else if (part == "tls") {
      why = "TLS options and certificates are bridge's listeners'";
      hint = "a listener's tls = { cert = ..., key = ... } or tls = { auto = \"local-ca\" }";
    } else if (part == "docker") {
      why = "bridge reaches containers by their published ports (compose:// targets), not over "
            "a docker network";
    } else {
      why = "not a label Traefik's docker provider configures routing with";
      hint = "constraints may match it; bridge reads every service without traefik.enable=false";
    }
    cannot_honour(context_, "label " + l.key + ": " + why + "; left out", l.origin, l.span,
                  std::move(hint));
  }

  std::string compose_target(int port) const {
    return "compose://" + service_.name + ":" + std::to_string(port) +
           (project_.named ? "?project=" + project_.name : "");
  }

  // The container port of `service` (a service's name in `kind`, "http" or "tcp"):
  // loadbalancer.server.port, else the service's one port.
  Result<int> port_of(const Node* port, const std::string& kind, const std::string& service) {
    if (port != nullptr) {
      int value = 0;
      auto [end, ec] =
          std::from_chars(port->text.data(), port->text.data() + port->text.size(), value);
      if (ec != std::errc() || end != port->text.data() + port->text.size() || value < 1 ||
          value > 65535)
        return context_.sources.error("service " + service + ": port " +
                                          detail::quoted(port->text) +
                                          " is not a number from 1 to 65535",
                                      port->origin, port->span);
      return value;
    }
    if (service_.ports.size() == 1) return service_.ports.front();
    std::vector<std::string> ports;
    for (int p : service_.ports) ports.push_back(std::to_string(p));
    const std::string what = "compose service " + detail::quoted(service_.name);
    std::string message =
        ports.empty()
            ? what + " publishes or exposes no port, so Traefik's service " + service + " has none"
            : what + " has several ports (" + join(ports) + "), so Traefik's service " + service +
                  " needs to be told which";
    return context_.sources.error(
        std::move(message), service_.origin, static_cast<int>(service_.name.size()),
        "add the label traefik." + kind + ".services." + service +
            ".loadbalancer.server.port=" + (ports.empty() ? "PORT" : ports.front()) +
            (labelled_ ? "" : ", or traefik.enable=false to leave it out"));
  }

  // A service left out for want of a port: an error once the service has Traefik labels; a
  // warning for one that is only exposed by default (Traefik skips such a container too).
  Result<bool> unportable(Error error) {
    if (labelled_) return error;
    error.message += "; left out";
    context_.warnings.push_back(std::move(error));
    return false;
  }

  // The section's services, with Traefik's default one (named after the container, an empty
  // loadBalancer) when the labels define none.
  Node& services_of(Node& section_node) {
    section(section_node, "routers", service_.origin);  // both first: references stay valid
    Node& services = section(section_node, "services", service_.origin);
    if (services.entries.empty()) {
      Node service = table_node(service_.origin);
      put(service, "loadBalancer", table_node(service_.origin));
      put(services, default_name_, std::move(service), service_.origin,
          static_cast<int>(service_.name.size()));
    }
    return services;
  }

  Result<bool> http_section(Node& http) {
    Node& services = services_of(http);
    for (auto it = services.entries.begin(); it != services.entries.end();) {
      Node* lb = it->value.find("loadBalancer");
      if (lb == nullptr && it->value.find("weighted") != nullptr) {
        cannot_honour(context_,
                      "service " + it->key +
                          ": bridge reads loadBalancer services from labels, not weighted ones; "
                          "left out",
                      it->key_origin, it->key_span,
                      "write the weighted service in a traefik-file source");
        refused_.push_back(it->key);
        it = services.entries.erase(it);
        continue;
      }
      if (lb != nullptr) {
        auto served = http_servers(it->key, *lb);
        BRIDGE_TRY(served);
        if (!*served) return false;
      }
      ++it;
    }
    return http_routers(*http.find("routers"), services);
  }

  Result<bool> http_servers(const std::string& name, Node& lb) {
    const Node* server = lb.find("server");
    const Node* url = server != nullptr ? server->find("url") : nullptr;
    Node target;
    if (url != nullptr) {
      target = *url;
    } else {
      const Node* port = server != nullptr ? server->find("port") : nullptr;
      auto chosen = port_of(port, "http", name);
      if (!chosen) return unportable(chosen.error());
      target = string_node(compose_target(*chosen), port ? port->origin : service_.origin,
                           port ? port->span : static_cast<int>(service_.name.size()));
      if (const Node* scheme = server != nullptr ? server->find("scheme") : nullptr) {
        if (scheme->text == "h2c") {
          out_.protocols[name] = "h2c";
        } else if (scheme->text == "https") {
          cannot_honour(context_,
                        "service " + name +
                            ": scheme https: bridge reaches a compose service over plain HTTP "
                            "(compose:// targets)",
                        scheme->origin, scheme->span,
                        "name the server with loadbalancer.server.url=https://HOST:PORT instead");
        } else if (scheme->text != "http") {
          return context_.sources.error(
              "service " + name + ": unknown scheme " + detail::quoted(scheme->text),
              scheme->origin, scheme->span, "Traefik's schemes are http, https and h2c");
        }
      }
    }
    Node entry;
    entry.origin = target.origin;
    put(entry, "url", std::move(target));
    if (server != nullptr)  // weight and preservePath: the importer names them
      for (const Entry& e : server->entries)
        if (e.key == "weight" || e.key == "preservePath") entry.entries.push_back(e);
    Node servers;
    servers.kind = Kind::Array;
    servers.origin = entry.origin;
    servers.items.push_back(std::move(entry));
    erase(lb, "server");
    put(lb, "servers", std::move(servers));
    if (const Node* strategy = lb.find("strategy")) {
      cannot_honour(context_, "service " + name + ": strategy: bridge balances round robin",
                    strategy->origin, strategy->span);
      erase(lb, "strategy");
    }
    return true;
  }

  Result<bool> http_routers(Node& routers, const Node& services) {
    if (routers.entries.empty() && services.entries.size() + refused_.size() <= 1) {
      Node router;
      router.origin = service_.origin;
      Entry e{default_name_, service_.origin, static_cast<int>(service_.name.size()),
              std::move(router)};
      routers.entries.push_back(std::move(e));
    }
    for (Entry& r : routers.entries) {
      if (r.value.find("rule") == nullptr)
        put(r.value, "rule",
            string_node("Host(`" + traefik_normalize(default_name_) + "`)", r.key_origin,
                        r.key_span));
      if (r.value.find("service") == nullptr) {
        auto chosen = only_service(r, services, "http");
        BRIDGE_TRY(chosen);
        put(r.value, "service", string_node(*chosen, r.key_origin, r.key_span));
      }
      out_.described[r.key] = described(r.key, "http");
    }
    return true;
  }

  Result<std::string> only_service(const Entry& router, const Node& services,
                                   const std::string& kind) {
    std::vector<std::string> names;
    for (const Entry& s : services.entries) names.push_back(s.key);
    names.insert(names.end(), refused_.begin(), refused_.end());
    if (names.size() == 1) return names.front();
    return context_.sources.error(
        "router " + router.key + " names no service, and compose service " +
            detail::quoted(service_.name) + " has " +
            (names.empty() ? std::string("none") : "several (" + join(names) + ")"),
        router.key_origin, router.key_span,
        "add the label traefik." + kind + ".routers." + router.key +
            ".service=" + (names.empty() ? std::string("SERVICE") : names.front()));
  }

  Result<bool> tcp_section(Node& tcp) {
    Node& services = services_of(tcp);
    for (Entry& s : services.entries) {
      Node* lb = s.value.find("loadBalancer");
      if (lb == nullptr) continue;  // weighted: the importer says why it cannot be built
      const Node* server = lb->find("server");
      const Node* port = server != nullptr ? server->find("port") : nullptr;
      auto chosen = port_of(port, "tcp", s.key);
      if (!chosen) return unportable(chosen.error());
      if (const Node* tls = server != nullptr ? server->find("tls") : nullptr;
          tls != nullptr && tls->boolean)
        cannot_honour(context_,
                      "service " + s.key +
                          ": server tls: bridge relays TCP to a compose service "
                          "as it is, without TLS of its own",
                      tls->origin, tls->span);
      Node entry;
      entry.origin = port ? port->origin : service_.origin;
      put(entry, "address",
          string_node(compose_target(*chosen), entry.origin,
                      port ? port->span : static_cast<int>(service_.name.size())));
      Node servers;
      servers.kind = Kind::Array;
      servers.origin = entry.origin;
      servers.items.push_back(std::move(entry));
      erase(*lb, "server");
      put(*lb, "servers", std::move(servers));
    }
    for (Entry& r : tcp.find("routers")->entries) {
      if (r.value.find("rule") == nullptr)
        return context_.sources.error(
            "TCP router " + r.key + " has no rule", r.key_origin, r.key_span,
            "add the label traefik.tcp.routers." + r.key + ".rule=HostSNI(`*`)");
      if (r.value.find("service") == nullptr) {
        auto chosen = only_service(r, services, "tcp");
        BRIDGE_TRY(chosen);
        put(r.value, "service", string_node(*chosen, r.key_origin, r.key_span));
      }
      out_.described[r.key] = described(r.key, "tcp");
    }
    return true;
  }

  // Where router `name` was written: its rule label, else its first label, else the service.
  std::string described(const std::string& name, const std::string& kind) const {
    const std::string prefix = "traefik." + kind + ".routers." + name + ".";
    const Label* first = nullptr;
    for (const Label& l : service_.labels) {
      if (!starts_with_ignoring_case(l.key, prefix)) continue;
      if (iequals(std::string_view(l.key).substr(prefix.size()), "rule")) return describe(l);
      if (first == nullptr) first = &l;
    }
    if (first != nullptr) return describe(*first);
    return "compose service " + service_.name + " of " + service_.origin.str() +
           " (Traefik's default router)";
  }

  ProviderContext& context_;
  const LabelledService& service_;
  const LabelProject& project_;
  const std::string default_name_;
  bool labelled_ = false;
  bool udp_routes_ = false;
  std::vector<std::string> refused_;  // services named but left out
  ServiceDynamic out_;
};

}  // namespace

Result<std::optional<ServiceDynamic>> service_dynamic(ProviderContext& context,
                                                      const LabelledService& service,
                                                      const LabelProject& project) {
  return ServiceBuilder(context, service, project).build();
}

}  // namespace bridge::config::detail
