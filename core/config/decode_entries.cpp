#include "config/detail/decode.hpp"

#include <algorithm>
#include <array>

namespace bridge::config::detail {
namespace {

constexpr std::array<std::string_view, 2> tls_autos = {"local-ca", "acme"};
constexpr std::array<std::string_view, 2> tls_versions = {"1.2", "1.3"};
constexpr std::array<std::string_view, 2> client_auths = {"require", "optional"};
constexpr std::array<std::string_view, 2> http_protocols = {"http1", "h2"};
constexpr std::array<std::string_view, 2> listener_protocols = {"http", "tcp"};
constexpr std::array<std::string_view, 4> upstream_protocols = {"auto", "http1", "h2c", "h2"};
constexpr std::array<std::string_view, 3> balances = {"round_robin", "least_conn", "first"};

void decode_encoded_characters(Reader& r, EncodedCharacters& out) {
  r.boolean("slash", out.slash);
  r.boolean("backslash", out.backslash);
  r.boolean("null", out.null);
  r.boolean("semicolon", out.semicolon);
  r.boolean("percent", out.percent);
  r.boolean("question_mark", out.question_mark);
  r.boolean("hash", out.hash);
}

// Every entry of the array at `key` must be an address or a CIDR.
void check_cidrs(Reader& r, std::string_view key, const std::vector<std::string>& values) {
  const Node* ips = r.get(key);
  if (ips == nullptr || !ips->is(Kind::Array)) return;
  for (size_t i = 0; i < values.size() && i < ips->items.size(); ++i)
    if (!valid_cidr(values[i]))
      return r.decoder().fail(r.path(key) + "[" + std::to_string(i) +
                                  "]: invalid address or CIDR " + quoted(values[i]),
                              ips->items[i], "e.g. \"10.0.0.0/8\", \"192.168.1.7\" or \"::1/128\"");
}

void decode_forwarded_headers(Reader& r, ForwardedHeaders& out) {
  r.strings("trusted_ips", out.trusted_ips);
  r.boolean("insecure", out.insecure);
  check_cidrs(r, "trusted_ips", out.trusted_ips);
}

// RFC 9113 6.5.2 bounds: a window below 2^31, frames of 16 KiB to 16 MiB.
void decode_http2_limits(Reader& r, Http2Limits& out) {
  r.integer("max_concurrent_streams", out.max_concurrent_streams, 1, 100'000);
  r.size("initial_window", out.initial_window);
  r.size("max_frame_size", out.max_frame_size);
  r.size("max_header_list_size", out.max_header_list_size);
  auto check = [&](std::string_view key, uint64_t value, uint64_t min, uint64_t max,
                   std::string_view hint) {
    if (const Node* node = r.get(key); node && (value < min || value > max))
      r.decoder().fail(r.path(key) + ": " + std::to_string(value) + " is out of range (" +
                           std::to_string(min) + " to " + std::to_string(max) + ")",
                       *node, std::string(hint));
  };
  check("initial_window", out.initial_window, 1, 2'147'483'647, "e.g. \"1MiB\" (the default)");
  check("max_frame_size", out.max_frame_size, 16'384, 16'777'215, "e.g. 16384 (the default)");
  check("max_header_list_size", out.max_header_list_size, 1024, uint64_t{16} * 1024 * 1024,
        "e.g. \"64KiB\" (the default)");
}

void decode_cert_pair(Reader& r, CertPair& out, const std::string& owner) {
  if (!r.require("cert", owner, "add cert = \"path/to/cert.pem\"")) return;
  if (!r.require("key", owner, "add key = \"path/to/key.pem\"")) return;
  r.file("cert", out.cert);
  r.file("key", out.key);
}

void decode_listener_tls(Reader& r, ListenerTls& out, const Listener& listener) {
  std::string owner = "listeners." + listener.name + ".tls";
  if (r.get("cert") || r.get("key")) decode_cert_pair(r, out.certs.emplace_back(), owner);
  if (const Node* certs = r.get("certs");
      certs && r.expect("certs", *certs, Kind::Array, "an array of tables")) {
    for (size_t i = 0; i < certs->items.size(); ++i) {
      std::string path = owner + ".certs[" + std::to_string(i) + "]";
      const Node& item = certs->items[i];
      if (!r.expect("certs[" + std::to_string(i) + "]", item, Kind::Table, "a table")) return;
      Reader pair(r, "certs[]", item, path);
      decode_cert_pair(pair, out.certs.emplace_back(), path);
    }
  }
  r.choice("auto", out.automatic, tls_autos);
  r.choice("min_version", out.min_version, tls_versions);
  r.file("client_ca", out.client_ca);
  r.choice("client_auth", out.client_auth, client_auths);
  if (!out.client_auth.empty() && out.client_ca.empty())
    r.decoder().fail(owner + ": client_auth = \"" + out.client_auth + "\" needs client_ca",
                     *r.get("client_auth"),
                     "client_ca = \"ca.pem\": the CA that signs client certificates (bridge cert "
                     "ca shows the local one)");
  else if (out.client_auth.empty() && !out.client_ca.empty())
    out.client_auth = "require";  // a CA given without a mode asks for certificates
  if (out.certs.empty() && out.automatic.empty())
    r.decoder().fail(owner + ": needs cert and key, certs, or auto", r.node(),
                     "e.g. tls = { auto = \"local-ca\" } or tls = { cert = \"certs/web.pem\", "
                     "key = \"certs/web-key.pem\" }");
  else if (out.automatic == "acme" && listener.hosts.empty())
    r.decoder().fail(owner + ": auto = \"acme\" needs the listener's hosts", *r.get("auto"),
                     "add hosts = [\"app.example.com\"] to listener \"" + listener.name + "\"");
}

}  // namespace

void decode_listener(Reader& r, Listener& out) {
  std::string owner = "listener " + quoted(out.name);
  if (!r.require("bind", owner, "add bind = \"127.0.0.1:8080\"")) return;
  r.string("bind", out.bind);
  if (const Node* bind = r.get("bind"); bind->is(Kind::String))
    if (auto why = check_address(out.bind); !why.empty())
      r.decoder().fail(r.path("bind") + ": invalid address " + quoted(out.bind) + ": " + why, *bind,
                       std::string(address_hint));
  r.strings("hosts", out.hosts);
  r.strings("middlewares", out.middlewares);
  r.choice("protocol", out.protocol, listener_protocols);
  if (out.is_tcp()) {
    // A TCP listener relays bytes: nothing of HTTP applies to it.
    for (std::string_view key : {"tls", "http_protocols", "http2", "sanitize_path",
                                 "encoded_characters", "forwarded_headers", "middlewares"}) {
      const Node* v = r.get(key);
      if (v == nullptr) continue;
      std::string hint =
          key == "tls"           ? "route TLS by SNI with tls = { passthrough = true } on the TCP "
                                   "route, and let the upstream terminate it"
          : key == "middlewares" ? "TCP routes take [tcp_middlewares] in their own middlewares"
                                 : "remove it, or use protocol = \"http\"";
      return r.decoder().fail(r.path(std::string(key)) + ": does not apply to a TCP listener "
                                                         "(protocol = \"tcp\")",
                              *v, hint);
    }
  }
  if (const Node* tls = r.table("tls")) {
    Reader tr(r, "tls", *tls);
    decode_listener_tls(tr, out.tls.emplace(), out);
  }
  r.boolean("sanitize_path", out.sanitize_path);
  if (const Node* encoded = r.table("encoded_characters")) {
    Reader er(r, "encoded_characters", *encoded);
    decode_encoded_characters(er, out.encoded_characters);
  }
  if (const Node* forwarded = r.table("forwarded_headers")) {
    Reader fr(r, "forwarded_headers", *forwarded);
    decode_forwarded_headers(fr, out.forwarded_headers);
  }
  r.integer("max_connections", out.max_connections, 0, 10'000'000);
  if (const Node* proxy = r.table("proxy_protocol")) {
    Reader pr(r, "proxy_protocol", *proxy);
    ProxyProtocolIn& in = out.proxy_protocol.emplace();
    pr.strings("trusted_ips", in.trusted_ips);
    pr.boolean("insecure", in.insecure);
    check_cidrs(pr, "trusted_ips", in.trusted_ips);
    if (in.trusted_ips.empty() && !in.insecure)
      pr.decoder().fail(pr.path("trusted_ips") + ": needs the addresses whose PROXY headers "
                                                 "are believed",
                        *proxy, "e.g. proxy_protocol = { trusted_ips = [\"10.0.0.0/8\"] }");
  }
  r.strings("http_protocols", out.http_protocols, http_protocols);
  if (const Node* protocols = r.get("http_protocols"); protocols && out.http_protocols.empty())
    r.decoder().fail(r.path("http_protocols") + ": needs at least one protocol", *protocols,
                     "http_protocols = [\"http1\", \"h2\"] (the default), or one of them");
  if (const Node* http2 = r.table("http2")) {
    Reader hr(r, "http2", *http2);
    decode_http2_limits(hr, out.http2);
  }
}

// weights = [3, 1]: one per target, round robin only, not all zero.
void decode_weights(Reader& r, Upstream& out) {
  const Node* weights = r.get("weights");
  if (weights == nullptr) return;
  const std::string hint = "one weight per target, e.g. weights = [3, 1] sends 3 of 4 requests "
                           "to the first";
  if (!weights->is(Kind::Array) || weights->items.size() != out.targets.size())
    return r.decoder().fail(r.path("weights") + ": expected " + std::to_string(out.targets.size()) +
                                " integers (one per target)",
                            *weights, hint);
  int64_t total = 0;
  for (const Node& w : weights->items) {
    if (!w.is(Kind::Integer) || w.integer < 0 || w.integer > 1'000'000)
      return r.decoder().fail(r.path("weights") + ": expected an integer from 0 to 1000000", w,
                              hint);
    out.weights.push_back(w.integer);
    total += w.integer;
  }
  if (total == 0) r.decoder().fail(r.path("weights") + ": all zero", *weights, hint);
  if (out.balance != "round_robin")
    r.decoder().fail(r.path("weights") + ": only round_robin balancing is weighted", *weights,
                     "remove balance, or weights");
}

void decode_upstream(Reader& r, Upstream& out) {
  std::string owner = "upstream " + quoted(out.name);
  if (!r.require("targets", owner, "add targets = [\"http://127.0.0.1:3000\"]")) return;
  r.strings("targets", out.targets);
  const Node* targets = r.get("targets");
  if (targets->is(Kind::Array) && targets->items.empty())
    r.decoder().fail(r.path("targets") + ": needs at least one target", *targets,
                     std::string(target_hint));
  for (size_t i = 0; i < out.targets.size(); ++i)
    if (auto why = check_target(out.targets[i]); !why.empty())
      return r.decoder().fail(r.path("targets") + "[" + std::to_string(i) + "]: invalid target " +
                                  quoted(out.targets[i]) + ": " + why,
                              targets->items[i], std::string(target_hint));
  r.choice("balance", out.balance, balances);
  decode_weights(r, out);
  r.choice("protocol", out.protocol, upstream_protocols);
  r.integer("proxy_protocol", out.proxy_protocol, 0, 2);
  r.integer("max_idle", out.max_idle, 0, 100'000);
  r.duration("down_for", out.down_for, false);
  if (const Node* health = r.table("health")) {
    Reader hr(r, "health", *health);
    HealthCheck& h = out.health.emplace();
    hr.string("path", h.path);
    if (const Node* p = hr.get("path"); p && p->is(Kind::String) && !h.path.starts_with('/'))
      hr.decoder().fail(hr.path("path") + ": must start with \"/\"", *p, "e.g. \"/healthz\"");
    hr.boolean("grpc", h.grpc);
    hr.string("service", h.service);
    if (const Node* p = hr.get("path"); p && h.grpc)
      hr.decoder().fail(hr.path("path") + ": a gRPC check (grpc = true) calls "
                                          "grpc.health.v1.Health/Check, not a path",
                        *p, "remove path, or set service = \"package.Service\" to ask about one");
    if (const Node* s = hr.get("service"); s && s->is(Kind::String)) {
      if (!h.grpc)
        hr.decoder().fail(hr.path("service") + ": only a gRPC check asks about a service", *s,
                          "add grpc = true");
      else if (h.service.size() > 127)
        hr.decoder().fail(hr.path("service") + ": longer than 127 bytes", *s, "");
    }
    hr.duration("interval", h.interval, true);
    hr.duration("timeout", h.timeout, true);
    hr.integer("healthy", h.healthy, 1, 100);
    hr.integer("unhealthy", h.unhealthy, 1, 100);
  }
  if (const Node* tls = r.table("tls")) {
    Reader tr(r, "tls", *tls);
    tr.boolean("verify", out.tls.verify);
    tr.string("ca", out.tls.ca);
    tr.string("sni", out.tls.sni);
  }
}

}  // namespace bridge::config::detail
