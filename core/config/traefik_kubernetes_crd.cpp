// type = "kubernetes": Middleware, MiddlewareTCP and TraefikService objects, and the service
// references of Traefik's CRDs (LoadBalancerSpec), as Traefik's kubernetescrd provider builds
// them (pkg/provider/kubernetes/crd/kubernetes.go and kubernetes_http.go, Traefik v3).
#include "config/detail/traefik_kubernetes.hpp"

#include <sstream>

namespace bridge::config::detail::kube {

namespace {

constexpr std::string_view crd_provider = "@kubernetescrd";

std::string qualified(const std::string& name) {
  return name.find('@') == std::string::npos ? name + std::string(crd_provider) : name;
}

Node* find_entry(Node& table, std::string_view key) {
  return table.is(Kind::Table) ? table.find(key) : nullptr;
}

void erase(Node& table, std::string_view key) {
  std::erase_if(table.entries, [&](const Entry& e) { return e.key == key; });
}

}  // namespace

// A Middleware's spec is Traefik's dynamic.Middleware (the file provider's keys), but for the
// references Kubernetes spells its own way: chain members, Secrets, the errors service.
Result<void> ManifestReader::middleware(const Object& o) {
  const std::string id = traefik_normalize(o.ns + "-" + o.name);
  auto found = spec_table(o, "a middleware type", "e.g. spec: {stripPrefix: {prefixes: [/api]}}");
  BRIDGE_TRY(found);
  const Node* spec = *found;
  Entry entry;
  entry.key = id;
  entry.key_origin = o.origin;
  entry.key_span = o.span;
  entry.value = *spec;
  for (Entry& type : entry.value.entries) {
    auto kept = middleware_option(o, id, type);
    BRIDGE_TRY(kept);
    if (!*kept) return {};
  }
  pending_middlewares_.emplace_back(qualified(id), std::move(entry));
  return {};
}

Result<bool> ManifestReader::middleware_option(const Object& o, const std::string& id,
                                               Entry& type) {
  const std::string path = "spec." + type.key;
  if (type.key == "plugin") {
    warn_key(o, "spec", type, "bridge runs Traefik's own middlewares, not plugins; left out");
    refuse_middleware(qualified(id), "a plugin");
    return false;
  }
  if (type.key == "basicAuth" || type.key == "digestAuth") return auth_from_secret(o, id, type);
  if (type.key == "chain") {
    Node* list = find_entry(type.value, "middlewares");
    if (list == nullptr || !list->is(Kind::Array))
      return fail(o, path + ".middlewares", "expected an array of {name, namespace}",
                  list != nullptr ? *list : type.value, "e.g. middlewares: [{name: strip}]");
    auto names = middleware_refs(o, path + ".middlewares", *list);
    BRIDGE_TRY(names);
    Chain& chain = chains_[qualified(id)];
    chain.describe = o.describe();
    chain.origin = o.origin;
    chain.span = o.span;
    for (const Node& n : names->items) chain.members.push_back(qualified(n.text));
    *list = std::move(*names);
  } else if (type.key == "forwardAuth") {
    if (Node* tls = find_entry(type.value, "tls"))
      for (const char* secret : {"caSecret", "certSecret"})
        if (const Node* s = find_entry(*tls, secret)) {
          warn(o, path + ".tls." + secret,
               "bridge reads the CA and client certificate of a forwardAuth from files "
               "(tls = { ca, cert, key }), not Secrets; this middleware is left out",
               *s);
          refuse_middleware(qualified(id), "its tls Secret");
          return false;
        }
  } else if (type.key == "errors") {
    if (Node* service = find_entry(type.value, "service"); service && service->is(Kind::Table)) {
      auto name = service_ref(o, path + ".service", *service, id + "-errorpage-service");
      BRIDGE_TRY(name);
      *service = string_node(*name, service->origin, service->span);
    }
  } else if (type.key == "rateLimit") {
    if (const Node* redis = find_entry(type.value, "redis")) {
      warn(o, path + ".redis",
           "bridge counts requests in its own memory, not in Redis; the limit holds per bridge",
           *redis);
      erase(type.value, "redis");
    }
  }
  return true;
}

// basicAuth and digestAuth name a Secret: its one data entry holds htpasswd lines, or (basicAuth)
// a kubernetes.io/basic-auth Secret holds a username and a password (Traefik's
// loadAuthCredentials and loadBasicAuthCredentials).
Result<bool> ManifestReader::auth_from_secret(const Object& o, const std::string& id, Entry& type) {
  const std::string path = "spec." + type.key;
  if (!type.value.is(Kind::Table)) return fail(o, path, "expected a table", type.value);
  auto secret_name = text(o, type.value, "secret", path, false);
  BRIDGE_TRY(secret_name);
  if (secret_name->empty()) return true;  // users or usersFile as the file provider has them
  const Node secret_node = *type.value.find("secret");  // a copy: the entry is replaced below
  auto found = secrets_.find(o.ns + "/" + *secret_name);
  if (found == secrets_.end()) {
    warn(o, path + ".secret",
         "the Secret " + o.ns + "/" + *secret_name +
             " is not in the manifests, and bridge does not read the cluster; this middleware is "
             "left out",
         secret_node,
         "add the Secret's manifest to " + context_.path + " (kubectl get secret " + *secret_name +
             " -n " + o.ns + " -o yaml)");
    refuse_middleware(qualified(id), "its Secret");
    return false;
  }
  const Object& secret = *found->second;
  std::vector<std::pair<std::string, Node>> data;  // key, decoded value (origin: the value's)
  if (const Node* d = secret.node->find("data"); d != nullptr && d->is(Kind::Table))
    for (const Entry& e : d->entries) {
      std::string decoded;
      if (!e.value.is(Kind::String) || !base64_decode(e.value.text, decoded))
        return fail(secret, "data." + e.key, "expected base64", e.value,
                    "Secret data is base64; stringData takes plain text");
      data.emplace_back(e.key, string_node(std::move(decoded), e.value.origin, e.value.span));
    }
  if (const Node* d = secret.node->find("stringData"); d != nullptr && d->is(Kind::Table))
    for (const Entry& e : d->entries)
      if (e.value.is(Kind::String)) data.emplace_back(e.key, e.value);
  Node users = array_node(secret_node.origin);
  const Node* kind = secret.node->find("type");
  if (type.key == "basicAuth" && kind != nullptr && kind->is(Kind::String) &&
      kind->text == "kubernetes.io/basic-auth") {
    const Node* user = nullptr;
    const Node* password = nullptr;
    for (const auto& [key, value] : data) {
      if (key == "username") user = &value;
      if (key == "password") password = &value;
    }
    if (user == nullptr || password == nullptr)
      return fail(secret, "data", "a kubernetes.io/basic-auth Secret needs username and password",
                  secret.node->find("type") != nullptr ? *kind : *secret.node);
    users.items.push_back(
        string_node(user->text + ":" + sha1_htpasswd(password->text), user->origin, user->span));
  } else {
    if (data.size() != 1)
      return fail(secret, "data",
                  "found " + std::to_string(data.size()) +
                      " elements, must be a single element exactly (htpasswd lines)",
                  *secret.node);
    std::istringstream lines(data.front().second.text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty())
        users.items.push_back(
            string_node(line, data.front().second.origin, data.front().second.span));
    }
    if (users.items.empty())
      return fail(secret, "data." + data.front().first, "holds no credentials",
                  data.front().second);
  }
  erase(type.value, "secret");
  put(type.value, "users", std::move(users), secret_node.origin, secret_node.span);
  return true;
}

Result<Node> ManifestReader::middleware_refs(const Object& o, const std::string& path,
                                             const Node& list) {
  Node out = array_node(list.origin);
  for (size_t i = 0; i < list.items.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    const Node& ref = list.items[i];
    if (!ref.is(Kind::Table))
      return fail(o, at, "expected {name, namespace}", ref, "e.g. - name: strip");
    for (const Entry& e : ref.entries)
      if (e.key != "name" && e.key != "namespace")
        return unknown_key(o, at, e, {"name", "namespace"});
    auto name = text(o, ref, "name", at, true);
    BRIDGE_TRY(name);
    auto ns = text(o, ref, "namespace", at, false);
    BRIDGE_TRY(ns);
    // Traefik refuses another namespace's middleware unless allowCrossNamespace is set; a
    // laptop reads the whole set as one.
    const Node& name_node = *ref.find("name");
    out.items.push_back(
        string_node(reference(ns->empty() ? o.ns : *ns, *name), name_node.origin, name_node.span));
  }
  return out;
}

// A chain that names a middleware bridge cannot run cannot run either.
void ManifestReader::finish_middlewares() {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [name, chain] : chains_) {
      if (refused_middlewares_.contains(name)) continue;
      const std::string member = refused_among(chain.members);
      if (member.empty()) continue;
      cannot_honour(context_,
                    chain.describe + ": left out: bridge cannot run its chain's middleware " +
                        member,
                    chain.origin, chain.span, "the warning about " + member + " says why");
      refuse_middleware(name, "its chain");
      changed = true;
    }
  }
  for (auto& [name, entry] : pending_middlewares_)
    if (!refused_middlewares_.contains(name)) crd_.http_middlewares.entries.push_back(entry);
}

Result<void> ManifestReader::middleware_tcp(const Object& o) {
  auto found =
      spec_table(o, "a middleware type", "e.g. spec: {ipAllowList: {sourceRange: [127.0.0.1/32]}}");
  BRIDGE_TRY(found);
  const Node* spec = *found;
  put(crd_.tcp_middlewares, traefik_normalize(o.ns + "-" + o.name), *spec, o.origin, o.span);
  return {};
}

Result<void> ManifestReader::traefik_service(const Object& o) {
  const std::string name = traefik_normalize(o.ns + "-" + o.name);
  auto found = spec_table(o, "weighted, mirroring, highestRandomWeight or failover");
  BRIDGE_TRY(found);
  const Node* spec = *found;
  if (spec->entries.size() > 1)
    return fail(o, "spec", "one of weighted, mirroring, highestRandomWeight or failover", *spec);
  const Entry& e = spec->entries.front();
  const std::string path = "spec." + e.key;
  if (e.key == "weighted" || e.key == "highestRandomWeight") {
    if (!e.value.is(Kind::Table)) return fail(o, path, "expected a table", e.value);
    if (e.key == "highestRandomWeight")
      warn_key(o, "spec", e,
               "bridge balances these services round robin in their weights; a client is not "
               "kept on one");
    for (const Entry& option : e.value.entries)
      if (option.key == "sticky")
        warn_key(o, path, option, "bridge does not keep a client on one service; left out");
      else if (option.key != "services")
        return unknown_key(o, path, option, {"services", "sticky"});
    const Node* list = e.value.find("services");
    if (list == nullptr) return fail(o, path, "missing \"services\"", e.value);
    return weighted(o, path + ".services", *list, name, string_node(o.name, o.origin, o.span));
  }
  if (e.key == "mirroring" || e.key == "failover") {
    // As it is: the importer says that bridge does not run it, and leaves out its routers.
    Node service = table_node(e.key_origin);
    put(service, e.key, e.value, e.key_origin, e.key_span);
    if (crd_.service_names.insert(name).second)
      put(crd_.http_services, name, std::move(service), o.origin, o.span);
    return {};
  }
  return unknown_key(o, "spec", e, {"weighted", "mirroring", "highestRandomWeight", "failover"});
}

Result<void> ManifestReader::weighted(const Object& o, const std::string& path, const Node& list,
                                      const std::string& name, const Node& at) {
  if (!list.is(Kind::Array) || list.items.empty())
    return fail(o, path, "expected services", list, "e.g. services: [{name: api, port: 80}]");
  Node services = array_node(list.origin);
  for (size_t i = 0; i < list.items.size(); ++i) {
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const Node& child = list.items[i];
    auto child_name = service_ref(o, item_path, child, "");
    BRIDGE_TRY(child_name);
    auto weight = get(o, child, "weight", item_path, Kind::Integer);
    BRIDGE_TRY(weight);
    Node ref = table_node(child.origin);
    put(ref, "name", string_node(*child_name, child.origin, child.span));
    put(ref, "weight", *weight != nullptr ? **weight : integer_node(1, child.origin));
    services.items.push_back(std::move(ref));
  }
  Node weights = table_node(list.origin);
  put(weights, "services", std::move(services));
  Node service = table_node(at.origin);
  put(service, "weighted", std::move(weights));
  if (crd_.service_names.insert(name).second)
    put(crd_.http_services, name, std::move(service), at.origin, at.span);
  return {};
}

Result<std::string> ManifestReader::service_ref(const Object& o, const std::string& path,
                                                const Node& spec, const std::string& own_name) {
  if (!spec.is(Kind::Table))
    return fail(o, path, "expected a table", spec, "e.g. - name: api\n  port: 80");
  auto name = text(o, spec, "name", path, true);
  BRIDGE_TRY(name);
  auto kind = text(o, spec, "kind", path, false);
  BRIDGE_TRY(kind);
  auto ns = text(o, spec, "namespace", path, false);
  BRIDGE_TRY(ns);
  if (*kind == "TraefikService") {
    // Traefik's fullServiceName with port 0: NS-NAME, or NAME@PROVIDER for another provider's.
    const size_t at = name->rfind('@');
    if (at == std::string::npos) return traefik_normalize((ns->empty() ? o.ns : *ns) + "-" + *name);
    const std::string provider = name->substr(at + 1);
    if (provider == "kubernetescrd") return traefik_normalize(*ns + "-" + name->substr(0, at));
    return traefik_normalize(name->substr(0, at)) + "@" + provider;
  }
  if (!kind->empty() && *kind != "Service")
    return fail(o, path + ".kind", "expected Service or TraefikService", *spec.find("kind"));
  const Node& name_node = *spec.find("name");
  if (name->find('@') != std::string::npos)
    return fail(o, path + ".name", "a Kubernetes Service's name has no \"@\"", name_node,
                "kind: TraefikService names a service of another provider (e.g. api@file)");
  static const std::vector<std::string> known = {"name",
                                                 "kind",
                                                 "namespace",
                                                 "port",
                                                 "scheme",
                                                 "weight",
                                                 "passHostHeader",
                                                 "healthCheck",
                                                 "strategy",
                                                 "nativeLB",
                                                 "nodePortLB",
                                                 "sticky",
                                                 "serversTransport",
                                                 "responseForwarding",
                                                 "passiveHealthCheck",
                                                 "middlewares"};
  std::vector<Entry> extra;
  bool direct = false;
  for (const Entry& e : spec.entries) {
    if (e.key == "passHostHeader" || e.key == "healthCheck") {
      extra.push_back(e);
    } else if (e.key == "nativeLB") {
      // Traefik's nativeLB sends to the ClusterIP: k8s://'s direct mode.
      direct = e.value.is(Kind::Boolean) && e.value.boolean;
    } else if (e.key == "strategy") {
      if (!e.value.is(Kind::String) || (e.value.text != "RoundRobin" && e.value.text != "wrr"))
        warn_key(o, path, e, "bridge balances round robin; left out");
    } else if (e.key == "middlewares") {
      warn_key(o, path, e, "bridge runs middlewares on routes, not on services; left out",
               "name them in the route's middlewares");
    } else if (e.key == "sticky" || e.key == "serversTransport" || e.key == "nodePortLB" ||
               e.key == "responseForwarding" || e.key == "passiveHealthCheck") {
      warn_key(o, path, e, "not something bridge does; left out");
    } else if (std::find(known.begin(), known.end(), e.key) == known.end()) {
      return unknown_key(o, path, e, known);
    }
  }
  const std::string service_ns = ns->empty() ? o.ns : *ns;
  const Node* port = spec.find("port");
  const std::string service =
      !own_name.empty() ? own_name
      : port != nullptr ? traefik_normalize(service_ns + "-" + *name + "-" + port_text(*port))
                        : traefik_normalize(service_ns + "-" + *name);
  // Traefik's service of this Service and port, built for another route already.
  if (crd_.service_names.contains(service)) return service;
  auto target_of = target(o, path, service_ns, name_node, port, spec.find("scheme"), direct, false);
  BRIDGE_TRY(target_of);
  add_load_balancer(crd_, service, spec, std::move(*target_of), false, std::move(extra));
  return service;
}

}  // namespace bridge::config::detail::kube
