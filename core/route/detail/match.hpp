#pragma once
/// Evaluating the AST against a request. Facts every rule needs (the host without its port)
/// are worked out once per request in a MatchContext that lives on the caller's stack.

#include "route/detail/ast.hpp"
#include "route/route.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bridge::route::detail {

/// The host Traefik routes on: net.SplitHostPort's host when that succeeds (so "[::1]:8080"
/// is "::1"), else the whole value; then trimmed. Case is left as sent.
std::string_view routing_host(std::string_view host);

/// A request plus facts derived from it once. Not thread-safe; one per request.
class MatchContext {
 public:
  explicit MatchContext(const RequestView& request)
      : request_(request), host_(routing_host(request.host)) {}
  MatchContext(const MatchContext&) = delete;
  MatchContext& operator=(const MatchContext&) = delete;

  const RequestView& request() const { return request_; }
  /// routing_host(request.host), case as sent.
  std::string_view host() const { return host_; }
  /// host() in lowercase, as HostRegexp sees it; computed on first use.
  std::string_view lower_host();

 private:
  const RequestView& request_;
  std::string_view host_;
  std::string_view lower_;
  bool lowered_ = false;
  std::array<char, 256> buffer_;  // lowercase copy for the usual host; longer ones use spill_
  std::string spill_;
};

bool evaluate(const Rule::Node& node, MatchContext& context);
bool evaluate_matcher(const Rule::Node& node, MatchContext& context);

/// The Host() comparison on a routing host, ignoring case and one trailing dot on either side.
bool host_equals(std::string_view request_host, std::string_view rule_host);

/// A hash of a host as Host() compares it (lowercase, one trailing dot dropped); never 0.
/// Equal hosts give equal keys, so a differing key proves a Host() cannot match.
uint64_t host_key(std::string_view host);
/// The key of a Host() that every match of `node` needs (one on its && spine), or 0 if none.
uint64_t required_host_key(const Rule::Node& node);

/// The first bytes of a literal every match of a rule needs its path to start with (a Path or
/// PathPrefix on the && spine), as a masked 64-bit word: `(path_word(p) & mask) != bits` proves
/// no match with one compare. mask == 0 when the rule requires no such literal.
PathKey required_path_key(const Rule::Node& node);
/// The first 8 bytes of `path` (zero padded) in the layout PathKey uses.
uint64_t path_word(std::string_view path);

/// HostSNI: `*` matches every connection; a name matches the SNI (lowercase, as the ClientHello
/// parser gives it) as Host() compares hosts; `*.name` matches one label in place of the star.
bool sni_matches(std::string_view sni, std::string_view rule_host);

/// Header(`Host`, ...) never matches in Traefik: Go moves Host out of the header map.
bool is_host_header(std::string_view name);

}  // namespace bridge::route::detail
