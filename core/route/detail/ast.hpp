#pragma once
/// The rule AST that the parser builds and the matcher walks. Internal to core/route.

#include "route/route.hpp"

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::route::detail {

enum class MatcherKind : uint8_t {
  Host,
  HostRegexp,
  Path,
  PathPrefix,
  PathRegexp,
  Method,
  Header,
  HeaderRegexp,
  Query,
  QueryRegexp,
  ClientIP,
  HostSNI,  // TCP only, from here on
  HostSNIRegexp,
  ALPN,
};

/// The canonical spelling, e.g. "PathPrefix".
std::string_view matcher_name(MatcherKind kind);
/// Looks a name up the way Traefik registers it: canonical, lower, UPPER and Title
/// ("PathPrefix", "pathprefix", "PATHPREFIX", "Pathprefix"), among `language`'s matchers.
std::optional<MatcherKind> find_matcher(std::string_view spelling, Language language);
/// Every canonical name of `language`, for "did you mean".
const std::vector<std::string>& matcher_names(Language language);

using IpNetwork = route::IpNetwork;

/// `ip` with an IPv4-mapped IPv6 address turned into IPv4.
IpAddress unmap(const IpAddress& ip);

}  // namespace bridge::route::detail

namespace bridge::route {

struct Rule::Node {
  enum class Kind : uint8_t { Matcher, Not, And, Or };

  Kind kind = Kind::Matcher;
  detail::MatcherKind matcher = detail::MatcherKind::Host;
  std::vector<std::string> args;  // decoded, as written
  std::string value;  // comparand prepared at parse time: lowercase host, uppercase method, ...
  std::unique_ptr<RE2> regex;
  bool regex_matches_empty = false;  // HostRegexp: Traefik also tests the empty CNAME host
  detail::IpNetwork network;
  std::vector<Node> children;  // Not: one; And, Or: two or more (chains are flattened)
};

}  // namespace bridge::route
