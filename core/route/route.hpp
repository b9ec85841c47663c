#pragma once
/// Traefik v3 rule language: parse, match, explain; and the priority-ordered route table.
/// Pure code: no Asio, no config types. Thread-safe for concurrent matching once built.

#include "common/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::route {

namespace detail {
struct PathKey {  // see required_path_key() in detail/match.hpp
  uint64_t bits = 0;
  uint64_t mask = 0;
};
}  // namespace detail

/// An IPv4 or IPv6 address in network byte order (v4 uses the first 4 bytes).
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  static std::optional<IpAddress> parse(std::string_view text);  // "127.0.0.1", "::1", "[::1]"
  /// Text form: "127.0.0.1", "::1" (inet_ntop).
  std::string str() const;
  bool operator==(const IpAddress&) const = default;
};

/// An address or CIDR (ClientIP, trusted proxies); IPv4-mapped IPv6 is stored as IPv4 (as Go's
/// net.IP does).
struct IpNetwork {
  IpAddress address;
  int prefix = 0;  // bits compared: 32 or 128 for a single address
  /// Parses what Go's net.ParseIP or net.ParseCIDR accept (no brackets, no zone).
  static std::optional<IpNetwork> parse(std::string_view text);
  bool contains(const IpAddress& ip) const;
};

struct HeaderField {
  std::string_view name;  // as sent; compared case-insensitively
  std::string_view value;
};

/// Which matchers a rule may use: Traefik's HTTP routers (Host, Path, Header, ...) or its TCP
/// routers (HostSNI, HostSNIRegexp, ClientIP, ALPN). Both share the grammar.
enum class Language : uint8_t { Http, Tcp };

/// What the matcher looks at. Views into the request (or, for a TCP rule, the connection and
/// its TLS ClientHello); nothing is copied.
struct RequestView {
  std::string_view method;     // as sent
  std::string_view host;       // Host header (or URL authority) as sent, may include :port
  std::string_view path;       // percent-decoded path
  std::string_view raw_query;  // after '?', not decoded
  std::span<const HeaderField> headers;
  std::optional<IpAddress> client_ip;
  std::string_view sni = {};                    // TCP: the ClientHello's server name, "" if none
  std::span<const std::string_view> alpn = {};  // TCP: the protocols the ClientHello offers
};

/// A parsed, compiled rule. Regexes are compiled once here.
class Rule {
 public:
  /// Parses `text`. Errors carry `where.column` = 1-based column in `text`.
  static Result<Rule> parse(std::string_view text, Language language = Language::Http);
  bool matches(const RequestView& request) const;  // no allocation
  const std::string& text() const;
  /// The rule rewritten canonically: canonical matcher names, backtick arguments, minimal parens.
  std::string canonical() const;
  struct Node;
  /// The AST root; null for a default-constructed Rule (which matches nothing).
  const Node* root() const { return root_.get(); }

 private:
  std::shared_ptr<const Node> root_;
  std::string text_;
};

/// The first matcher of a TCP rule that only a TLS connection can satisfy (HostSNI other than
/// `*`, HostSNIRegexp, ALPN), canonical ("HostSNI(`db.localhost`)"); "" when there is none.
std::string tls_only_matcher(const Rule& rule);

/// Why a rule matched or did not: the deciding sub-expression and the value it saw.
struct Explanation {
  bool matched = false;
  std::string expression;  // e.g. "Host(`api.localhost`)"
  std::string observed;    // e.g. "host was \"localhost\""
  std::string note;        // e.g. PathPrefix matching "/apix" for "/api" (not a segment boundary)
};
Explanation explain(const Rule& rule, const RequestView& request);

struct RouteSpec {
  std::string name;
  std::string rule;
  int64_t priority = 0;                // 0 = rule length
  std::vector<std::string> listeners;  // empty = all
};

struct CompiledRoute {
  std::string name;
  Rule rule;
  int64_t priority = 0;  // effective
  std::vector<std::string> listeners;
  size_t index = 0;  // position in the config
  bool serves(std::string_view listener) const;
};

struct RouteDecision {
  const CompiledRoute* route = nullptr;
  Explanation explanation;
};

/// Routes in priority order (higher first; ties keep config order).
class Table {
 public:
  /// Compiles every rule; the first error names the route (message) and the rule column.
  static Result<Table> build(std::vector<RouteSpec> specs, Language language = Language::Http);
  /// The winning route for a request on `listener`, or nullptr. No allocation.
  const CompiledRoute* match(const RequestView& request, std::string_view listener) const;
  /// Every route in priority order with why it matched or not.
  std::vector<RouteDecision> explain_all(const RequestView& request,
                                         std::string_view listener) const;
  const std::vector<CompiledRoute>& routes() const { return routes_; }

 private:
  std::vector<CompiledRoute> routes_;
  std::vector<uint64_t> host_keys_;  // per route: the Host() it requires, 0 if none (prefilter)
  std::vector<detail::PathKey> path_keys_;  // per route: the path start it requires (prefilter)
};

}  // namespace bridge::route
