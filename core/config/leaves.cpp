#include "config/detail/decode.hpp"

#include <algorithm>
#include <set>

namespace bridge::config {

const Origin& Config::origin(std::string_view path) const {
  static const Origin none;
  for (const Leaf& leaf : leaves)
    if (leaf.path == path) return leaf.origin;
  // An entry ("routes.api") is where its name was written.
  std::string name_path = std::string(path) + ".name";
  for (const Leaf& leaf : leaves)
    if (leaf.path == name_path) return leaf.origin;
  return none;
}

const Origin& Config::entry_origin(std::string_view array, std::string_view name) const {
  return origin(std::string(array) + "." + detail::render_key(name));
}

const Upstream* Config::find_upstream(std::string_view name) const {
  for (const Upstream& u : upstreams)
    if (u.name == name) return &u;
  return nullptr;
}

const Listener* Config::find_listener(std::string_view name) const {
  for (const Listener& l : listeners)
    if (l.name == name) return &l;
  return nullptr;
}

const Middleware* Config::find_middleware(std::string_view name) const {
  for (const Middleware& m : middlewares)
    if (m.name == name) return &m;
  return nullptr;
}

namespace detail {
namespace {

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? render_key(key) : path + "." + render_key(key);
}

void walk(const Node& node, const std::string& path, bool top, std::vector<Leaf>& out) {
  if (node.is(Kind::Table)) {
    for (const Entry& e : node.entries) {
      if (top && is_named_array(e.key) && e.value.is(Kind::Array)) {
        for (const Node& item : e.value.items) {
          const Node* name = item.find("name");
          walk(item, join_path(e.key, name ? name->text : ""), false, out);
        }
      } else {
        walk(e.value, join_path(path, e.key), false, out);
      }
    }
    return;
  }
  bool tables = node.is(Kind::Array) && !node.items.empty() &&
                std::all_of(node.items.begin(), node.items.end(),
                            [](const Node& n) { return n.is(Kind::Table); });
  if (tables) {  // e.g. tls.certs: one leaf per field, addressed by index
    for (size_t i = 0; i < node.items.size(); ++i)
      walk(node.items[i], path + "[" + std::to_string(i) + "]", false, out);
    return;
  }
  out.push_back(Leaf{path, render(node), node.origin});
}

// The defaults of every field that a decoded section has, rendered as one would write them.
class Defaults {
 public:
  explicit Defaults(std::vector<Leaf>& out) : out_(out) {
    for (const Leaf& leaf : out) present_.insert(leaf.path);
  }

  void add_string(const std::string& path, std::string_view value) {
    add(path, render_string(value));
  }
  void add_bool(const std::string& path, bool value) { add(path, value ? "true" : "false"); }
  void add_number(const std::string& path, int64_t value) { add(path, std::to_string(value)); }
  void add_duration(const std::string& path, Duration value) {
    add(path, render_string(format_duration(value)));
  }
  void add_size(const std::string& path, uint64_t value) {
    std::string text = format_size(value);
    add(path, text == std::to_string(value) ? text : render_string(text));
  }
  void add_strings(const std::string& path, const std::vector<std::string>& values) {
    std::string text = "[";
    for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + render_string(values[i]);
    add(path, text + "]");
  }

  /// A default that is computed from other values; `how` says from what.
  void add_derived(const std::string& path, int64_t value, const std::string& how) {
    add(path, std::to_string(value), "<default: " + how + ">");
  }

 private:
  void add(const std::string& path, std::string value, std::string origin = "<default>") {
    if (present_.insert(path).second) {
      out_.push_back(Leaf{path, std::move(value), {std::move(origin)}});
    }
  }

  std::vector<Leaf>& out_;
  std::set<std::string> present_;
};

void add_sections(Defaults& d) {
  const BridgeSection b;
  d.add_number("version", 1);
  d.add_string("bridge.admin", b.admin);
  d.add_bool("bridge.admin_probes_only", b.admin_probes_only);
  d.add_string("bridge.log_level", b.log_level);
  d.add_string("bridge.log_format", b.log_format);
  d.add_string("bridge.access_log", b.access_log);
  d.add_string("bridge.access_log_format", b.access_log_format);
  d.add_number("bridge.workers", b.workers);
  const LimitsSection l;
  d.add_size("limits.max_header_bytes", l.max_header_bytes);
  d.add_size("limits.max_body_bytes", l.max_body_bytes);
  d.add_duration("limits.header_timeout", l.header_timeout);
  d.add_duration("limits.idle_timeout", l.idle_timeout);
  d.add_duration("limits.connect_timeout", l.connect_timeout);
  d.add_duration("limits.drain_timeout", l.drain_timeout);
  d.add_number("limits.max_header_count", static_cast<int64_t>(l.max_header_count));
  d.add_size("limits.max_uri_bytes", l.max_uri_bytes);
  d.add_string("limits.headers_with_underscores", l.headers_with_underscores);
  d.add_number("limits.admin_connections", static_cast<int64_t>(l.admin_connections));
  const TraceSection t;
  d.add_string("trace.request_id_header", t.request_id_header);
  d.add_bool("trace.trust_incoming_request_id", t.trust_incoming_request_id);
  d.add_strings("trace.propagation", t.propagation);
  d.add_strings("trace.redact_headers", t.redact_headers);
  d.add_number("trace.store_size", static_cast<int64_t>(t.store_size));
  d.add_bool("trace.redact_defaults", t.redact_defaults);
  const AcmeSection a;
  d.add_string("acme.directory", a.directory);
  d.add_number("acme.renew_days", a.renew_days);
  d.add_duration("acme.check_interval", a.check_interval);
}

void add_entries(Defaults& d, const Config& config) {
  for (const Listener& listener : config.listeners) {
    const Listener fresh;
    std::string p = "listeners." + listener.name;
    d.add_string(p + ".protocol", fresh.protocol);
    if (listener.is_tcp()) continue;  // the rest applies to HTTP
    if (listener.tls) d.add_string(p + ".tls.min_version", ListenerTls{}.min_version);
    d.add_bool(p + ".sanitize_path", fresh.sanitize_path);
    d.add_strings(p + ".forwarded_headers.trusted_ips", fresh.forwarded_headers.trusted_ips);
    d.add_bool(p + ".forwarded_headers.insecure", fresh.forwarded_headers.insecure);
    d.add_number(p + ".max_connections", static_cast<int64_t>(fresh.max_connections));
    d.add_strings(p + ".http_protocols", fresh.http_protocols);
    d.add_number(p + ".http2.max_concurrent_streams",
                 static_cast<int64_t>(fresh.http2.max_concurrent_streams));
    d.add_size(p + ".http2.initial_window", fresh.http2.initial_window);
    d.add_size(p + ".http2.max_frame_size", fresh.http2.max_frame_size);
    d.add_size(p + ".http2.max_header_list_size", fresh.http2.max_header_list_size);
  }
  for (const Upstream& u : config.upstreams) {
    const Upstream fresh;
    std::string p = "upstreams." + u.name;
    d.add_string(p + ".balance", fresh.balance);
    d.add_string(p + ".protocol", fresh.protocol);
    d.add_number(p + ".proxy_protocol", fresh.proxy_protocol);
    d.add_number(p + ".max_idle", fresh.max_idle);
    d.add_duration(p + ".down_for", fresh.down_for);
    d.add_bool(p + ".tls.verify", fresh.tls.verify);
    if (!u.health) continue;
    const HealthCheck h;
    d.add_string(p + ".health.path", h.path);
    d.add_duration(p + ".health.interval", h.interval);
    d.add_duration(p + ".health.timeout", h.timeout);
    d.add_number(p + ".health.healthy", h.healthy);
    d.add_number(p + ".health.unhealthy", h.unhealthy);
    d.add_bool(p + ".health.grpc", h.grpc);
    d.add_string(p + ".health.service", h.service);
  }
  for (const Route& r : config.routes) {
    const Route fresh;
    // What the route table uses when priority is unset: Traefik's len(rule), in bytes.
    d.add_derived("routes." + r.name + ".priority", static_cast<int64_t>(r.rule.size()),
                  "length of the rule");
    d.add_duration("routes." + r.name + ".timeout", fresh.timeout);
  }
  for (const TcpRoute& r : config.tcp_routes) {
    const TcpRoute fresh;
    std::string p = "tcp_routes." + r.name;
    d.add_derived(p + ".priority", static_cast<int64_t>(r.rule.size()), "length of the rule");
    d.add_bool(p + ".tls.passthrough", fresh.tls_passthrough);
    d.add_duration(p + ".idle_timeout", fresh.idle_timeout);
  }
}

}  // namespace

std::vector<Leaf> collect_leaves(const Node& document, const Config& config) {
  std::vector<Leaf> leaves;
  walk(document, "", true, leaves);
  Defaults defaults(leaves);
  add_sections(defaults);
  add_entries(defaults, config);
  return leaves;
}

}  // namespace detail
}  // namespace bridge::config
