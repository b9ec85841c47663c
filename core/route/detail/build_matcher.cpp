#include "route/detail/parser.hpp"
#include "route/detail/punycode.hpp"
#include "route/detail/text.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

namespace bridge::route::detail {

namespace {

using Node = Rule::Node;

constexpr std::array<std::string_view, 14> names{
    "Host",     "HostRegexp", "Path",          "PathPrefix", "PathRegexp",
    "Method",   "Header",     "HeaderRegexp",  "Query",      "QueryRegexp",
    "ClientIP", "HostSNI",    "HostSNIRegexp", "ALPN",
};

// Traefik's TCP routers know four matchers; its HTTP routers every other one and ClientIP.
bool in_language(MatcherKind kind, Language language) {
  if (kind == MatcherKind::ClientIP) return true;
  const bool tcp_only = kind == MatcherKind::HostSNI || kind == MatcherKind::HostSNIRegexp ||
                        kind == MatcherKind::ALPN;
  return tcp_only == (language == Language::Tcp);
}

// Traefik's hostOrIP check on a HostSNI value: letters, digits, '.', '-', ':' (an IPv6
// literal), and a leading "*." for a wildcard subdomain.
bool valid_sni_value(std::string_view host) {
  if (host.starts_with("*.")) host.remove_prefix(2);
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == ':' || c == '_';
  });
}

Error at_token(std::string_view text, const Token& token, std::string message,
               std::string hint = {}) {
  return rule_error(text, token.offset, token.length, std::move(message), std::move(hint));
}

// Traefik v2 took several values per matcher; v3 wants one call per value joined with ||.
std::string v2_form_hint(MatcherKind kind, const Call& call) {
  std::vector<std::string> calls;
  for (const auto& arg : call.args) {
    calls.push_back(std::string(matcher_name(kind)) + "(" + format_argument(arg.value) + ")");
  }
  return "write " + join(calls, " || ");
}

std::optional<Error> check_arity(std::string_view text, MatcherKind kind, const Call& call) {
  size_t got = call.args.size();
  std::string name(matcher_name(kind));
  std::string message;
  std::string hint;
  switch (kind) {
  case MatcherKind::Header:
  case MatcherKind::HeaderRegexp:
    if (got == 2) return std::nullopt;
    message = name + " takes exactly 2 arguments, got " + std::to_string(got);
    hint = "write " + name + "(`X-Name`, `value`)";
    break;
  case MatcherKind::Query:
  case MatcherKind::QueryRegexp:
    if (got == 1 || got == 2) return std::nullopt;
    message = name + " takes 1 or 2 arguments, got " + std::to_string(got);
    hint = "write " + name + "(`key`, `value`)";
    break;
  default:
    if (got == 1) return std::nullopt;
    message = name + " takes exactly 1 argument, got " + std::to_string(got);
    if (got > 1) hint = v2_form_hint(kind, call);
    break;
  }
  return rule_error(text, call.name.offset, call.end - call.name.offset, message, hint);
}

std::optional<Error> compile_regex(std::string_view text, const Token& arg, Node& node) {
  RE2::Options options;
  options.set_log_errors(false);
  node.regex = std::make_unique<RE2>(arg.value, options);
  if (!node.regex->ok()) {
    return at_token(text, arg, "invalid regular expression: " + node.regex->error());
  }
  return std::nullopt;
}

std::optional<Error> check_host(std::string_view text, const Token& arg, MatcherKind kind) {
  if (is_ascii(arg.value)) return std::nullopt;
  std::string hint;
  if (auto ascii = punycode_host(arg.value); ascii && kind == MatcherKind::Host) {
    hint = "write Host(" + format_argument(*ascii) + ")";
  }
  return at_token(text, arg,
                  "non-ASCII host " + quoted(arg.value) + ": rules take punycode (xn--...)", hint);
}

std::optional<Error> prepare(std::string_view text, MatcherKind kind, const Call& call,
                             Node& node) {
  const Token& first = call.args[0];
  switch (kind) {
  case MatcherKind::Host:
    node.value = to_lower(first.value);
    return check_host(text, first, kind);
  case MatcherKind::HostRegexp:
    if (auto error = check_host(text, first, kind)) return error;
    if (auto error = compile_regex(text, first, node)) return error;
    node.regex_matches_empty = RE2::PartialMatch("", *node.regex);
    return std::nullopt;
  case MatcherKind::Path:
  case MatcherKind::PathPrefix:
    if (first.value.front() == '/') return std::nullopt;
    return at_token(text, first, std::string(matcher_name(kind)) + " must start with \"/\"",
                    "write " + std::string(matcher_name(kind)) + "(" +
                        format_argument("/" + first.value) + ")");
  case MatcherKind::PathRegexp:
    return compile_regex(text, first, node);
  case MatcherKind::Method:
    node.value = to_upper(first.value);
    return std::nullopt;
  case MatcherKind::Header:
    node.value = call.args[1].value;
    return std::nullopt;
  case MatcherKind::HeaderRegexp:
    return compile_regex(text, call.args[1], node);
  case MatcherKind::Query:
  case MatcherKind::QueryRegexp:
    // One argument: the key must be present with an empty value (Traefik compares with "").
    if (call.args.size() == 1) return std::nullopt;
    if (kind == MatcherKind::Query) node.value = call.args[1].value;
    return kind == MatcherKind::QueryRegexp ? compile_regex(text, call.args[1], node)
                                            : std::nullopt;
  case MatcherKind::HostSNI:
    if (first.value == "*") {
      node.value = "*";
      return std::nullopt;
    }
    if (auto error = check_host(text, first, kind)) return error;
    if (!valid_sni_value(first.value))
      return at_token(text, first, "invalid HostSNI value " + quoted(first.value),
                      "write a host name (HostSNI(`db.localhost`)), a wildcard subdomain "
                      "(HostSNI(`*.localhost`)) or `*` for every connection");
    node.value = to_lower(first.value);
    if (node.value.size() > 1 && node.value.back() == '.') node.value.pop_back();
    return std::nullopt;
  case MatcherKind::HostSNIRegexp:
    if (auto error = check_host(text, first, kind)) return error;
    return compile_regex(text, first, node);
  case MatcherKind::ALPN:
    // Traefik keeps the ACME TLS-ALPN-01 challenge protocol for itself.
    if (first.value == "acme-tls/1")
      return at_token(text, first, "ALPN(`acme-tls/1`) is reserved for ACME challenges",
                      "match an application protocol such as ALPN(`h2`) or ALPN(`postgresql`)");
    node.value = first.value;
    return std::nullopt;
  case MatcherKind::ClientIP:
    if (auto network = IpNetwork::parse(first.value)) {
      node.network = *network;
      return std::nullopt;
    }
    return at_token(text, first, "invalid IP or CIDR " + quoted(first.value),
                    "write an address (10.0.0.1, ::1) or a CIDR (10.0.0.0/8, fd00::/8)");
  }
  return std::nullopt;
}

}  // namespace

std::string_view matcher_name(MatcherKind kind) { return names[static_cast<size_t>(kind)]; }

std::optional<MatcherKind> find_matcher(std::string_view spelling, Language language) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (!in_language(static_cast<MatcherKind>(i), language)) continue;
    std::string_view name = names[i];
    std::string lower = to_lower(name);
    std::string title = lower;
    title[0] = ascii_upper(title[0]);
    if (spelling == name || spelling == lower || spelling == to_upper(name) || spelling == title) {
      return static_cast<MatcherKind>(i);
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& matcher_names(Language language) {
  static const auto of = [](Language l) {
    std::vector<std::string> out;
    for (size_t i = 0; i < names.size(); ++i)
      if (in_language(static_cast<MatcherKind>(i), l)) out.emplace_back(names[i]);
    return out;
  };
  static const std::vector<std::string> http = of(Language::Http), tcp = of(Language::Tcp);
  return language == Language::Http ? http : tcp;
}

Result<Rule::Node> build_matcher(std::string_view text, MatcherKind kind, const Call& call) {
  for (const auto& arg : call.args) {
    if (!arg.value.empty()) continue;
    std::string hint;
    if ((kind == MatcherKind::Query || kind == MatcherKind::QueryRegexp) && &arg != &call.args[0]) {
      hint =
          "Query(" + format_argument(call.args[0].value) + ") matches the key with an empty value";
    }
    return at_token(text, arg, "empty argument", hint);
  }
  if (auto error = check_arity(text, kind, call)) return *error;
  Node node;
  node.kind = Node::Kind::Matcher;
  node.matcher = kind;
  for (const auto& arg : call.args) node.args.push_back(arg.value);
  if (auto error = prepare(text, kind, call, node)) return *error;
  return node;
}

}  // namespace bridge::route::detail
