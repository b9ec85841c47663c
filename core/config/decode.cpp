#include "config/detail/decode.hpp"

#include <array>

namespace bridge::config::detail {
namespace {

constexpr std::array<std::string_view, 6> log_levels = {"trace", "debug", "info",
                                                        "warn",  "error", "off"};
constexpr std::array<std::string_view, 2> log_formats = {"json", "text"};
constexpr std::array<std::string_view, 3> log_outputs = {"auto", "json", "text"};
constexpr std::array<std::string_view, 2> propagations = {"w3c", "b3"};
constexpr std::array<std::string_view, 3> underscore_actions = {"reject", "drop", "allow"};

void check_string(Reader& r, std::string_view key, bool (*valid)(std::string_view),
                  const std::string& what, std::string hint) {
  const Node* v = r.get(key);
  if (v && v->is(Kind::String) && !valid(v->text))
    r.decoder().fail(r.path(key) + ": " + what + " \"" + v->text + "\"", *v, std::move(hint));
}

void decode_bridge(Reader& r, BridgeSection& out) {
  r.string("admin", out.admin);
  r.string("admin_token", out.admin_token);
  r.boolean("admin_probes_only", out.admin_probes_only);
  r.choice("log_level", out.log_level, log_levels);
  r.choice("log_format", out.log_format, log_outputs);
  r.string("access_log", out.access_log);
  r.choice("access_log_format", out.access_log_format, log_formats);
  r.integer("workers", out.workers, 0, 1024);
  check_string(
      r, "access_log", [](std::string_view s) { return !s.empty(); }, "invalid value",
      "stdout, stderr, off or a file path");
  const Node* admin = r.get("admin");
  if (!admin || !admin->is(Kind::String) || out.admin == "off") return;
  if (auto why = check_address(out.admin); !why.empty())
    return r.decoder().fail("bridge.admin: invalid address \"" + out.admin + "\": " + why, *admin,
                            std::string(address_hint) + ", or \"off\"");
  // The admin API can pause and rewrite traffic: only loopback unless a token guards it.
  if (!is_loopback(out.admin) && out.admin_token.empty() && !out.admin_probes_only)
    r.decoder().fail("bridge.admin: \"" + out.admin + "\" is reachable from other hosts", *admin,
                     "set bridge.admin_token (or admin_probes_only = true), or bind 127.0.0.1");
}

void decode_limits(Reader& r, LimitsSection& out) {
  r.size("max_header_bytes", out.max_header_bytes);
  r.size("max_body_bytes", out.max_body_bytes);
  r.duration("header_timeout", out.header_timeout, true);
  r.duration("idle_timeout", out.idle_timeout, true);
  r.duration("connect_timeout", out.connect_timeout, true);
  r.duration("drain_timeout", out.drain_timeout, false);
  r.integer("max_header_count", out.max_header_count, 1, 10'000);
  r.size("max_uri_bytes", out.max_uri_bytes);
  r.choice("headers_with_underscores", out.headers_with_underscores, underscore_actions);
  r.integer("admin_connections", out.admin_connections, 1, 100'000);
  if (const Node* v = r.get("max_uri_bytes"); v && out.max_uri_bytes < 256)
    r.decoder().fail("limits.max_uri_bytes: must be at least 256B", *v);
  if (const Node* v = r.get("max_header_bytes"); v && out.max_header_bytes < 1024)
    r.decoder().fail("limits.max_header_bytes: must be at least 1KiB", *v);
}

void decode_trace(Reader& r, TraceSection& out) {
  r.string("request_id_header", out.request_id_header);
  check_string(r, "request_id_header", valid_header_name, "invalid header name",
               "header names are letters, digits and !#$%&'*+-.^_`|~");
  r.boolean("trust_incoming_request_id", out.trust_incoming_request_id);
  r.strings("propagation", out.propagation, propagations);
  r.strings("redact_headers", out.redact_headers);
  r.integer("store_size", out.store_size, 0, 10'000'000);  // 0: keep no records
  r.string("otlp_endpoint", out.otlp_endpoint);
  r.boolean("redact_defaults", out.redact_defaults);
  // OTLP/HTTP over plain HTTP: a local collector or agent (an OpenTelemetry Collector
  // sidecar) is the supported shape; TLS to a remote collector is that collector's job.
  check_string(
      r, "otlp_endpoint", [](std::string_view s) { return s.empty() || s.starts_with("http://"); },
      "invalid URL (only http:// collectors are supported)",
      "e.g. \"http://127.0.0.1:4318\" (bridge posts to /v1/traces); for a TLS "
      "collector run an OpenTelemetry Collector next to bridge");
}

void decode_acme(Reader& r, AcmeSection& out) {
  r.string("email", out.email);
  check_string(
      r, "email", [](std::string_view s) { return s.find('@') != std::string_view::npos; },
      "invalid address", "the ACME account's contact, e.g. \"you@example.com\"");
  r.string("directory", out.directory);
  check_string(
      r, "directory",
      [](std::string_view s) {
        return s == "staging" || s == "production" || s.starts_with("https://");
      },
      "unknown directory",
      "use \"staging\" (Let's Encrypt staging, the default), \"production\" or an "
      "https:// ACME directory URL");
  r.file("ca_bundle", out.ca_bundle);
  r.integer("renew_days", out.renew_days, 1, 3650);
  r.duration("check_interval", out.check_interval, true);
  r.file("account_dir", out.account_dir);
  r.file("cert_dir", out.cert_dir);
}

std::string name_of(const Node& entry) {
  const Node* name = entry.find("name");
  return name != nullptr ? name->text : std::string();
}

// Each [[key]] entry is read by `decode_one(reader, entry)`; entries are already named.
template <class T, class Fn>
void decode_entries(Decoder& d, const Node& document, std::string_view key, std::vector<T>& out,
                    Fn decode_one) {
  const Node* array = document.find(key);
  if (array == nullptr) return;
  for (const Node& entry : array->items) {
    out.emplace_back().name = name_of(entry);
    Reader r(d, entry, std::string(key) + "." + out.back().name, "[[" + std::string(key) + "]]",
             std::string(key) + "[]");
    decode_one(r, out.back());
  }
}

void decode_sections(Decoder& d, Reader& top, Config& config) {
  if (const Node* v = top.get("version");
      v && top.expect("version", *v, Kind::Integer, "an integer") && v->integer != 1)
    d.fail("version: unsupported version " + std::to_string(v->integer), *v,
           "this bridge reads version = 1");
  if (const Node* t = top.table("bridge")) {
    Reader r(d, *t, "bridge", "[bridge]", "bridge");
    decode_bridge(r, config.bridge);
  }
  if (const Node* t = top.table("limits")) {
    Reader r(d, *t, "limits", "[limits]", "limits");
    decode_limits(r, config.limits);
  }
  if (const Node* t = top.table("trace")) {
    Reader r(d, *t, "trace", "[trace]", "trace");
    decode_trace(r, config.trace);
  }
  if (const Node* t = top.table("acme")) {
    Reader r(d, *t, "acme", "[acme]", "acme");
    decode_acme(r, config.acme);
  }
}

// An ACME account needs a contact: the error points at the first listener that asks for one.
void check_acme_email(Decoder& d, const Node& document, const Config& config) {
  const Node* array = document.find("listeners");
  if (!config.acme.email.empty() || array == nullptr) return;
  for (const Node& entry : array->items) {
    const Node* tls = entry.find("tls");
    const Node* automatic = tls != nullptr ? tls->find("auto") : nullptr;
    if (automatic == nullptr || !automatic->is(Kind::String) || automatic->text != "acme") continue;
    return d.fail("listener \"" + name_of(entry) + "\": tls.auto = \"acme\" needs [acme] email",
                  *automatic,
                  "add [acme] with email = \"you@example.com\" (the ACME account's contact; "
                  "directory defaults to Let's Encrypt staging)");
  }
}

}  // namespace

Result<void> decode(const Node& document, Config& config, const Sources& sources, KeyAudit* audit) {
  Decoder d(sources, audit);
  Reader top(d, document, "", "the top level", "");
  decode_sections(d, top, config);
  decode_middlewares(d, document, config);
  // Routes refer to listeners and upstreams: decode those first, and stop on an error so
  // reference checks never run against half-read entries.
  decode_entries(d, document, "listeners", config.listeners, [&config](Reader& r, Listener& out) {
    decode_listener(r, out);
    check_middleware_names(r, out.middlewares, "listener \"" + out.name + "\"", config);
  });
  decode_entries(d, document, "upstreams", config.upstreams, decode_upstream);
  if (!d.failed()) check_acme_email(d, document, config);
  if (!d.failed()) check_error_services(d, document, config);
  if (d.failed()) return d.result();
  if (config.listeners.empty())
    return Error::config("no listeners defined", {},
                         "add [[listeners]] with name = \"web\" and bind = \"127.0.0.1:8080\"");
  decode_entries(d, document, "routes", config.routes,
                 [&config](Reader& r, Route& out) { decode_route(r, out, config); });
  decode_tcp_middlewares(d, document, config);
  decode_entries(d, document, "tcp_routes", config.tcp_routes,
                 [&config](Reader& r, TcpRoute& out) { decode_tcp_route(r, out, config); });
  return d.result();
}

}  // namespace bridge::config::detail
