// The fields of Traefik's dynamic configuration as labels set them (detail/traefik_docker.hpp),
// in the file provider's spelling: the names bridge's decoders read (decode_middleware*.cpp,
// traefik.cpp), which are Traefik's. What bridge does not run is kept as written (Free) for
// the importer to name in a warning: a plugin, a weighted service, udp.
#include "config/detail/traefik_docker.hpp"
#include "config/keys.hpp"

#include <algorithm>

namespace bridge::config::detail {

namespace {

Field str(std::string_view name) { return {name, Shape::String}; }
Field integer(std::string_view name) { return {name, Shape::Integer}; }
Field boolean(std::string_view name) { return {name, Shape::Boolean}; }
Field list(std::string_view name) { return {name, Shape::List}; }
Field duration(std::string_view name) { return {name, Shape::Duration}; }
Field free(std::string_view name) { return {name, Shape::Free}; }
Field table(std::string_view name, std::vector<Field> fields, bool allow_empty = false) {
  return {name, Shape::Table, std::move(fields), allow_empty};
}
Field named(std::string_view name, Field element) { return {name, Shape::Named, {element}}; }

// A field for the key-table entry `k` (named by its last segment) and the keys below it.
Field field_of(const KeyInfo& k) {
  const std::string_view name = k.key.substr(k.key.rfind('.') + 1);
  switch (k.type) {
  case KeyType::String:
  case KeyType::Path:
    return str(name);
  case KeyType::Bool:
    return boolean(name);
  case KeyType::Integer:
  case KeyType::Size:
    return integer(name);
  case KeyType::Duration:
  case KeyType::Seconds:
    return duration(name);
  case KeyType::Strings:
  case KeyType::Integers:
    return list(name);
  case KeyType::Map:
    return {name, Shape::StringMap};
  case KeyType::IntegerMap:
    return {name, Shape::IntegerMap};
  case KeyType::Table:
  case KeyType::Tables:
    break;
  }
  std::vector<Field> fields;
  for (const KeyInfo* below : keys_matching(k.key))
    if (below->key.size() > k.key.size() &&
        below->key.find('.', k.key.size() + 1) == std::string_view::npos)
      fields.push_back(field_of(*below));
  // A table bridge reads no keys of (forwardAuth's tls) is kept for its decoder to refuse.
  if (fields.empty()) return free(name);
  // paerser's allowEmpty (`info.subject=true`): a table of flags (and of such tables) alone.
  const bool flags = std::all_of(fields.begin(), fields.end(), [](const Field& f) {
    return f.shape == Shape::Boolean || (f.shape == Shape::Table && f.allow_empty);
  });
  return table(name, std::move(fields), flags);
}

// The middleware types of the key table (`middlewares.NAME.TYPE`, options below them), each
// of which may be set by `=true` alone: bridge's decoder then says which options it needs.
Field middleware_table(std::string_view named, std::vector<Field> extra) {
  std::vector<Field> types;
  for (const KeyInfo* k : keys_matching(named))
    if (k->key.size() > named.size() &&
        k->key.find('.', named.size() + 1) == std::string_view::npos) {
      Field type = field_of(*k);
      type.allow_empty = true;
      types.push_back(std::move(type));
    }
  for (Field& f : extra) types.push_back(std::move(f));
  return table("middleware", std::move(types));
}

// The options of bridge's decoders, which are Traefik's: the key table (config/keys.hpp).
// ipWhiteList is kept for the decoder to say Traefik v3 renamed it; a plugin for the importer
// to leave out with a warning.
Field http_middleware() {
  return middleware_table("middlewares.NAME", {free("ipWhiteList"), free("plugin")});
}

Field tcp_middleware() { return middleware_table("tcp_middlewares.NAME", {free("ipWhiteList")}); }

Field router(bool tcp) {
  std::vector<Field> tls = {str("certResolver"), str("options"), free("domains")};
  if (tcp) tls.insert(tls.begin(), boolean("passthrough"));
  std::vector<Field> fields = {str("rule"),      list("entryPoints"), list("middlewares"),
                               str("service"),   integer("priority"), table("tls", tls, true),
                               str("ruleSyntax")};
  if (!tcp)
    fields.push_back(table("observability", {boolean("accessLogs"), boolean("metrics"),
                                             boolean("tracing"), str("traceVerbosity")}));
  return table("router", std::move(fields));
}

// `server` is the one server labels describe: the provider turns it into `servers`.
Field http_service() {
  Field health = table("healthCheck", {str("scheme"),
                                       str("mode"),
                                       str("path"),
                                       str("method"),
                                       integer("status"),
                                       integer("port"),
                                       duration("interval"),
                                       duration("unhealthyInterval"),
                                       duration("timeout"),
                                       str("hostname"),
                                       boolean("followRedirects"),
                                       {"headers", Shape::StringMap}});
  Field cookie = table("cookie",
                       {str("name"), boolean("secure"), boolean("httpOnly"), str("sameSite"),
                        integer("maxAge"), str("path"), str("domain")},
                       true);
  return table("service",
               {table("loadBalancer",
                      {table("server", {str("port"), str("scheme"), str("url"), integer("weight"),
                                        boolean("preservePath")}),
                       health, boolean("passHostHeader"), table("sticky", {cookie}, true),
                       str("serversTransport"),
                       table("responseForwarding", {duration("flushInterval")}), str("strategy")},
                      true),
                free("weighted"), free("mirroring"), free("failover")});
}

Field tcp_service() {
  return table("service", {table("loadBalancer",
                                 {table("server", {str("port"), boolean("tls")}),
                                  table("proxyProtocol", {integer("version")}, true),
                                  str("serversTransport"), integer("terminationDelay")},
                                 true),
                           free("weighted")});
}

}  // namespace

// Below `traefik.`: what Traefik's docker provider reads. Other keys (traefik.constraint-label,
// read by constraint expressions) are kept for the provider to name.
const Field& traefik_schema() {
  static const Field schema =
      table("traefik",
            {table("http", {named("routers", router(false)), named("services", http_service()),
                            named("middlewares", http_middleware()), free("serversTransports")}),
             table("tcp", {named("routers", router(true)), named("services", tcp_service()),
                           named("middlewares", tcp_middleware()), free("serversTransports")}),
             free("udp"), free("tls"), free("docker"), boolean("enable")});
  return schema;
}

}  // namespace bridge::config::detail
