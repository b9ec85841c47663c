// [middlewares.NAME.TYPE] (and Traefik's own nesting [http.middlewares.NAME.TYPE]): HTTP
// middlewares with Traefik's type and option names, so a block from its documentation works
// when pasted. Routes and listeners list them by name in `middlewares`. Every option is checked
// (decode_middleware_http.cpp, decode_middleware_access.cpp): types, ranges, regexes (compiled
// with RE2, which reads Go's syntax), and the combinations that cannot work.
#include "config/detail/decode_middleware.hpp"

#include <algorithm>
#include <array>

namespace bridge::config::detail {
namespace {

// The types are the key table's (config/keys_middlewares.cpp), which says each one's options.
const std::vector<std::string>& supported_types() {
  static const std::vector<std::string> types = keys_inside("middlewares.NAME");
  return types;
}

// Traefik types bridge does not run yet: named, so a pasted block fails clearly rather than
// being dropped.
constexpr std::array<std::string_view, 1> later_types = {"plugin"};

const std::string types_hint =
    "HTTP middlewares are " + join(supported_types()) +
    " (e.g. [middlewares.api-cors.headers] accessControlAllowOriginList = "
    "[\"http://localhost:3000\"])";

void decode_one(Decoder& d, const Entry& entry, const std::string& prefix, Middleware& out) {
  const std::string path = prefix + render_key(entry.key);
  if (!entry.value.is(Kind::Table) || entry.value.entries.size() != 1)
    return d.fail(path + ": needs exactly one middleware type", entry.value, types_hint);
  const Entry& kind = entry.value.entries.front();
  const std::string kind_path = path + "." + render_key(kind.key);
  out.type = kind.key;
  if (!kind.value.is(Kind::Table))
    return d.fail(kind_path + ": expected a table", kind.value, types_hint);
  const std::string& t = kind.key;
  // Both nestings read the same table of keys: middlewares.NAME.TYPE.
  auto reader = [&] {
    return Reader(d, kind.value, kind_path, kind_path, "middlewares.NAME." + t);
  };
  if (t == "headers") {
    Reader r = reader();
    decode_headers(r, out.headers.emplace());
  } else if (t == "redirectScheme") {
    Reader r = reader();
    decode_redirect_scheme(r, out.redirect_scheme.emplace());
  } else if (t == "redirectRegex") {
    Reader r = reader();
    decode_redirect_regex(r, out.redirect_regex.emplace());
  } else if (t == "stripPrefix") {
    Reader r = reader();
    bool force_slash = false;  // deprecated in Traefik and without effect; accepted
    r.boolean("forceSlash", force_slash);
    decode_prefixes(r, "prefixes", out.strip_prefix.emplace(), false);
  } else if (t == "stripPrefixRegex") {
    Reader r = reader();
    decode_prefixes(r, "regex", out.strip_prefix_regex.emplace(), true);
  } else if (t == "addPrefix") {
    Reader r = reader();
    if (!r.require("prefix", kind_path, "e.g. prefix = \"/v1\"")) return;
    r.string("prefix", out.add_prefix.emplace());
    if (!out.add_prefix->starts_with('/'))
      d.fail(r.path("prefix") + ": " + quoted(*out.add_prefix) + " does not start with /",
             *r.get("prefix"), "e.g. prefix = \"/v1\"");
  } else if (t == "replacePath") {
    Reader r = reader();
    if (!r.require("path", kind_path, "e.g. path = \"/health\"")) return;
    r.string("path", out.replace_path.emplace());
    if (!out.replace_path->starts_with('/'))
      d.fail(r.path("path") + ": " + quoted(*out.replace_path) + " does not start with /",
             *r.get("path"), "e.g. path = \"/health\"");
  } else if (t == "replacePathRegex") {
    Reader r = reader();
    if (!r.require("regex", kind_path, "e.g. regex = \"^/api/(.*)\"") ||
        !r.require("replacement", kind_path, "e.g. replacement = \"/v2/$1\""))
      return;
    auto& [regex, replacement] = out.replace_path_regex.emplace();
    r.string("regex", regex);
    r.string("replacement", replacement);
    if (const Node* at = r.get("regex"); at && at->is(Kind::String))
      check_regex(r, "regex", regex, *at);
  } else if (t == "ipAllowList") {
    Reader r = reader();
    decode_ip_allow_list(r, out.ip_allow_list.emplace());
  } else if (t == "basicAuth") {
    Reader r = reader();
    decode_basic_auth(r, out.basic_auth.emplace());
  } else if (t == "digestAuth") {
    Reader r = reader();
    decode_digest_auth(r, out.digest_auth.emplace());
  } else if (t == "forwardAuth") {
    Reader r = reader();
    decode_forward_auth(r, out.forward_auth.emplace());
  } else if (t == "rateLimit") {
    Reader r = reader();
    decode_rate_limit(r, out.rate_limit.emplace());
  } else if (t == "inFlightReq") {
    Reader r = reader();
    decode_in_flight_req(r, out.in_flight_req.emplace());
  } else if (t == "compress") {
    Reader r = reader();
    decode_compress(r, out.compress.emplace());
  } else if (t == "circuitBreaker") {
    Reader r = reader();
    decode_circuit_breaker(r, out.circuit_breaker.emplace());
  } else if (t == "retry") {
    Reader r = reader();
    decode_retry(r, out.retry.emplace());
  } else if (t == "buffering") {
    Reader r = reader();
    decode_buffering(r, out.buffering.emplace());
  } else if (t == "errors") {
    Reader r = reader();
    decode_errors(r, out.errors.emplace());
  } else if (t == "contentType") {
    Reader r = reader();
    bool detect = true;
    r.boolean("autoDetect", detect);
    out.content_type = detect;
  } else if (t == "grpcWeb") {
    Reader r = reader();
    decode_grpc_web(r, out.grpc_web.emplace());
  } else if (t == "passTLSClientCert") {
    Reader r = reader();
    decode_pass_tls_client_cert(r, out.pass_tls_client_cert.emplace());
  } else if (t == "chain") {
    Reader r = reader();
    if (!r.require("middlewares", kind_path, "e.g. middlewares = [\"rid\", \"api-cors\"]")) return;
    r.strings("middlewares", out.chain.emplace());
  } else if (t == "ipWhiteList") {
    d.fail(d.sources().error(path + ": Traefik v3 renamed ipWhiteList to ipAllowList",
                             kind.key_origin, kind.key_span, "write ipAllowList"));
  } else if (std::find(later_types.begin(), later_types.end(), t) != later_types.end()) {
    d.fail(d.sources().error(path + ": bridge does not run the Traefik middleware " + quoted(t) +
                                 " yet",
                             kind.key_origin, kind.key_span, types_hint));
  } else {
    const std::vector<std::string>& known = supported_types();
    d.fail(d.sources().error(path + ": unknown middleware type " + quoted(t), kind.key_origin,
                             kind.key_span, suggest(t, known, types_hint)));
  }
}

void decode_table(Decoder& d, const Node& table, const std::string& prefix, Config& config) {
  for (const Entry& entry : table.entries) {
    if (config.find_middleware(entry.key) != nullptr)
      return d.fail(d.sources().error(prefix + render_key(entry.key) + ": the middleware " +
                                          quoted(entry.key) + " is defined twice",
                                      entry.key_origin, entry.key_span,
                                      "[middlewares] and [http.middlewares] share one namespace"));
    config.middlewares.emplace_back().name = entry.key;
    decode_one(d, entry, prefix, config.middlewares.back());
  }
}

// The option `key` of the middleware `name` of `type`, under either nesting.
const Node* option_node(const Node& document, const std::string& name, std::string_view type,
                        std::string_view key) {
  const Node* http = document.find("http");
  for (const Node* table :
       {document.find("middlewares"), http != nullptr ? http->find("middlewares") : nullptr}) {
    const Node* m = table != nullptr ? table->find(name) : nullptr;
    const Node* options = m != nullptr ? m->find(type) : nullptr;
    if (options != nullptr && options->find(key) != nullptr) return options->find(key);
  }
  return nullptr;
}

// The `chain.middlewares` array of the middleware `name`.
const Node* chain_list(const Node& document, const std::string& name) {
  return option_node(document, name, "chain", "middlewares");
}

// A chain may not contain itself, directly or through another chain.
void check_chain_cycles(Decoder& d, const Config& config, const Node& document) {
  for (const Middleware& m : config.middlewares) {
    if (!m.chain) continue;
    std::vector<const Middleware*> pending{&m}, seen;
    while (!pending.empty()) {
      const Middleware* at = pending.back();
      pending.pop_back();
      if (!at->chain || std::find(seen.begin(), seen.end(), at) != seen.end()) continue;
      seen.push_back(at);
      for (const std::string& name : *at->chain) {
        if (name == m.name) {
          const Node* where = chain_list(document, m.name);
          return d.fail("middlewares." + render_key(m.name) + ".chain: contains itself (through " +
                            quoted(at->name) + ")",
                        where != nullptr ? *where : document, "a chain lists other middlewares");
        }
        if (const Middleware* next = config.find_middleware(name)) pending.push_back(next);
      }
    }
  }
}

}  // namespace

void decode_middlewares(Decoder& d, const Node& document, Config& config) {
  if (const Node* table = document.find("middlewares")) {
    if (!table->is(Kind::Table))
      return d.fail("middlewares: expected a table of named middlewares", *table,
                    "e.g. [middlewares.api-cors.headers] accessControlAllowOriginList = "
                    "[\"http://localhost:3000\"]");
    decode_table(d, *table, "middlewares.", config);
  }
  if (const Node* http = document.find("http")) {
    if (!http->is(Kind::Table)) return d.fail("http: expected a table", *http);
    Reader r(d, *http, "http", "[http]", "http");
    if (const Node* table = r.table("middlewares"))
      decode_table(d, *table, "http.middlewares.", config);
  }
  if (d.failed()) return;
  // A chain's members must exist (checked once all are read: order in the file is free).
  for (const Middleware& m : config.middlewares) {
    if (!m.chain) continue;
    for (const std::string& name : *m.chain)
      if (config.find_middleware(name) == nullptr) {
        const Node* where = chain_list(document, m.name);
        return d.fail("middleware " + quoted(m.name) + ": unknown middleware " + quoted(name) +
                          " in its chain",
                      where != nullptr ? *where : document,
                      suggest(name, names_of(config.middlewares),
                              "defined: " + join(names_of(config.middlewares))));
      }
  }
  check_chain_cycles(d, config, document);
}

void check_middleware_names(Reader& r, const std::vector<std::string>& names,
                            const std::string& owner, const Config& config) {
  check_names(r, "middlewares", names, owner, names_of(config.middlewares), "middleware");
}

void check_error_services(Decoder& d, const Node& document, const Config& config) {
  for (const Middleware& m : config.middlewares) {
    if (!m.errors || m.errors->service.find("://") != std::string::npos) continue;
    const Node* where = option_node(document, m.name, "errors", "service");
    const std::string at = "middlewares." + render_key(m.name) + ".errors.service";
    const Upstream* up = config.find_upstream(m.errors->service);
    if (up == nullptr)
      return d.fail(at + ": unknown upstream " + quoted(m.errors->service),
                    where != nullptr ? *where : document,
                    suggest(m.errors->service, names_of(config.upstreams),
                            "define it under [[upstreams]], or give the page server's http:// "
                            "URL"));
    for (const std::string& target : up->targets) {
      const std::string_view scheme = target_scheme(target);
      if (scheme != "http" && scheme != "compose" && scheme != "k8s")
        return d.fail(at + ": the upstream " + quoted(up->name) + " has the target " +
                          quoted(target) + ", and pages are fetched over plain HTTP",
                      where != nullptr ? *where : document,
                      "use an upstream of http://, compose:// or k8s:// targets");
    }
  }
}

}  // namespace bridge::config::detail
