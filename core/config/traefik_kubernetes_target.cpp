// type = "kubernetes": Services as bridge targets. A reference to a Service names it and a port
// (a number, or a name of one of its ports); the Service's manifest, when the directory has it,
// turns a port name into its number and an ExternalName into its host, and the scheme follows
// Traefik's parseServiceProtocol (pkg/provider/kubernetes/crd/kubernetes_http.go, Traefik v3).
#include "config/detail/traefik_kubernetes.hpp"

namespace bridge::config::detail::kube {

namespace {

// The Service's ports[] entry that `port` (a number or a name) names.
const Node* service_port(const Node& service, const Node& port) {
  const Node* spec = service.find("spec");
  const Node* ports = spec != nullptr ? spec->find("ports") : nullptr;
  if (ports == nullptr || !ports->is(Kind::Array)) return nullptr;
  for (const Node& p : ports->items) {
    const Node* key = p.find(port.is(Kind::Integer) ? "port" : "name");
    if (key != nullptr && key->kind == port.kind &&
        (port.is(Kind::Integer) ? key->integer == port.integer : key->text == port.text))
      return &p;
  }
  return nullptr;
}

std::string ports_of(const Node& service) {
  std::vector<std::string> out;
  const Node* spec = service.find("spec");
  const Node* ports = spec != nullptr ? spec->find("ports") : nullptr;
  if (ports != nullptr && ports->is(Kind::Array))
    for (const Node& p : ports->items) {
      const Node* name = p.find("name");
      const Node* number = p.find("port");
      std::string text = number != nullptr && number->is(Kind::Integer)
                             ? std::to_string(number->integer)
                             : std::string("?");
      if (name != nullptr && name->is(Kind::String)) text = name->text + " " + text;
      out.push_back(text);
    }
  return out.empty() ? "none" : join(out);
}

}  // namespace

std::string port_text(const Node& port) {
  return port.is(Kind::Integer) ? std::to_string(port.integer) : port.text;
}

Result<Target> ManifestReader::target(const Object& o, const std::string& path,
                                      const std::string& ns, const Node& name, const Node* port,
                                      const Node* scheme, bool direct, bool tcp) {
  if (port == nullptr || (port->is(Kind::Table) && port->entries.empty()))
    return fail(o, path, "needs a port", name, "e.g. port: 80, or a port name of the Service");
  if (!port->is(Kind::Integer) && !port->is(Kind::String))
    return fail(o, path + ".port", "expected a port number or name", *port);
  if (port->is(Kind::Integer) && (port->integer < 1 || port->integer > 65535))
    return fail(o, path + ".port", "a port is 1-65535", *port);
  const std::string service = ns + "/" + name.text;
  const Object* svc = service_object(ns, name.text);
  Target out;
  int64_t number = port->is(Kind::Integer) ? port->integer : 0;
  std::string port_name;
  std::string external;  // an ExternalName Service's host
  if (svc != nullptr) {
    // An ExternalName Service is its DNS name (Traefik needs allowExternalNameServices for it;
    // a laptop has no reason to refuse it), at any port it is given.
    const Node* spec = svc->spec();
    const Node* type = spec != nullptr ? spec->find("type") : nullptr;
    const Node* host = spec != nullptr ? spec->find("externalName") : nullptr;
    if (type != nullptr && type->is(Kind::String) && type->text == "ExternalName" &&
        host != nullptr && host->is(Kind::String))
      external = host->text;
    const Node* found = service_port(*svc->node, *port);
    if (found == nullptr && (external.empty() || !port->is(Kind::Integer)))
      return fail(o, path + ".port", "the Service " + service + " has no port " + port_text(*port),
                  *port, "its ports: " + ports_of(*svc->node) + " (" + svc->origin.str() + ")");
    if (const Node* n = found != nullptr ? found->find("port") : nullptr;
        n != nullptr && n->is(Kind::Integer))
      number = n->integer;
    if (const Node* n = found != nullptr ? found->find("name") : nullptr;
        n != nullptr && n->is(Kind::String))
      port_name = n->text;
  } else if (port->is(Kind::String)) {
    port_name = port->text;
  }
  // A port named by a Service outside the manifests stays a name: k8s:// resolves it.
  const std::string port_part = number != 0 ? std::to_string(number) : port->text;
  std::string protocol = "http";
  if (!tcp) {
    const std::string given = scheme != nullptr && scheme->is(Kind::String) ? scheme->text : "";
    if (!given.empty() && given != "http" && given != "https" && given != "h2c")
      return fail(o, path + ".scheme", "expected http, https or h2c", *scheme);
    protocol = !given.empty()                                    ? given
               : number == 443 || port_name.starts_with("https") ? "https"
                                                                 : "http";
  }
  std::string url;
  if (!external.empty()) {
    url = (tcp                   ? "tcp"
           : protocol == "https" ? "https"
                                 : "http") +
          std::string("://") + external + ":" + port_part;
  } else {
    url = "k8s://" + ns + "/" + name.text + ":" + port_part + (direct ? "?mode=direct" : "");
    if (protocol == "https")
      warn(o, path,
           "Traefik speaks HTTPS to this Service; bridge connects to k8s:// targets with "
           "plain HTTP",
           scheme != nullptr ? *scheme : *port,
           "serve plain HTTP on another port of the Service for bridge, or give an https:// "
           "upstream in the profile");
  }
  if (protocol == "h2c") out.protocol = "h2c";
  out.url = string_node(url, port->origin, port->span);
  return out;
}

void ManifestReader::add_load_balancer(Output& out, const std::string& name, const Node& at,
                                       Target target, bool tcp, std::vector<Entry> extra) {
  if (!out.service_names.insert(name).second) return;
  Node server = table_node(target.url.origin);
  put(server, tcp ? "address" : "url", target.url);
  Node servers = array_node(at.origin);
  servers.items.push_back(std::move(server));
  Node lb = table_node(at.origin);
  put(lb, "servers", std::move(servers));
  for (Entry& e : extra) lb.entries.push_back(std::move(e));
  Node service = table_node(at.origin);
  put(service, "loadBalancer", std::move(lb));
  put(tcp ? out.tcp_services : out.http_services, name, std::move(service), at.origin, at.span);
  if (!target.protocol.empty())
    out.dynamic.protocols[name + "@" + out.dynamic.provider] = target.protocol;
}

}  // namespace bridge::config::detail::kube
