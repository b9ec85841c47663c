#include "route/detail/canonical.hpp"
#include "route/detail/match.hpp"
#include "route/detail/query.hpp"
#include "route/detail/text.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace bridge::route {

namespace {

using detail::MatcherKind;
using detail::Precedence;
using detail::quoted;
using Node = Rule::Node;

// The part of a rule that decided its outcome, and what it looked at.
struct Verdict {
  bool matched = false;
  std::string expression;
  Precedence precedence = Precedence::Atom;
  std::vector<std::string> observed;
  std::vector<std::string> notes;
};

void add_unique(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& item : from) {
    if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
  }
}

std::string values_seen(const std::string& what, const std::vector<std::string>& values) {
  if (values.empty()) return what + " was absent";
  if (values.size() == 1) return what + " was " + quoted(values[0]);
  return what + " had values " + detail::quoted_list(values);
}

std::string describe_host(detail::MatchContext& context) {
  std::string_view sent = context.request().host;
  if (sent.empty()) return "host was empty";
  std::string_view host = context.lower_host();
  std::string out = "host was " + quoted(host);
  if (host != sent) out += " (sent as " + quoted(sent) + ")";
  return out;
}

std::vector<std::string> header_values(const RequestView& request, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& field : request.headers) {
    if (detail::iequals(field.name, name)) values.emplace_back(field.value);
  }
  return values;
}

std::vector<std::string> query_values(const RequestView& request, std::string_view key) {
  std::vector<std::string> values;
  detail::for_each_query_pair(request.raw_query, [&](std::string_view k, std::string_view v) {
    if (detail::unescaped_equals(k, key)) values.push_back(detail::unescape(v));
    return false;
  });
  return values;
}

std::string describe(const Node& node, detail::MatchContext& context) {
  const RequestView& request = context.request();
  switch (node.matcher) {
  case MatcherKind::Host:
  case MatcherKind::HostRegexp:
    return describe_host(context);
  case MatcherKind::Path:
  case MatcherKind::PathPrefix:
  case MatcherKind::PathRegexp:
    return "path was " + quoted(request.path);
  case MatcherKind::Method:
    return "method was " + quoted(request.method);
  case MatcherKind::Header:
  case MatcherKind::HeaderRegexp:
    if (detail::is_host_header(node.args[0])) {
      return "header " + quoted(node.args[0]) + " is not visible to header matchers";
    }
    return values_seen("header " + quoted(node.args[0]), header_values(request, node.args[0]));
  case MatcherKind::Query:
  case MatcherKind::QueryRegexp:
    return values_seen("query " + quoted(node.args[0]), query_values(request, node.args[0]));
  case MatcherKind::ClientIP:
    return request.client_ip ? "client IP was " + request.client_ip->str()
                             : "client IP was unknown";
  case MatcherKind::HostSNI:
  case MatcherKind::HostSNIRegexp:
    return request.sni.empty() ? "no SNI (plain TCP, or a ClientHello without a server name)"
                               : "SNI was " + quoted(request.sni);
  case MatcherKind::ALPN: {
    std::vector<std::string> offered(request.alpn.begin(), request.alpn.end());
    return offered.empty() ? "no ALPN offered" : "ALPN offered " + detail::quoted_list(offered);
  }
  }
  return {};
}

std::string host_note(const Node& node, std::string_view host, const std::string& text) {
  std::string_view rule_host = node.value;
  if (rule_host.size() > 2 && rule_host.front() == '[' && rule_host.back() == ']' &&
      detail::iequals(host, rule_host.substr(1, rule_host.size() - 2))) {
    return text + " only matches a request host sent without a port; Traefik compares " +
           quoted(host) + ": write Host(" + detail::format_argument(host) + ")";
  }
  if (std::count(rule_host.begin(), rule_host.end(), ':') == 1 && rule_host.front() != '[') {
    return text + " names a port, but Traefik compares the host without its port";
  }
  return {};
}

// Traefik behaviour that surprises people, said where it decided the outcome.
std::string note_for(const Node& node, bool matched, detail::MatchContext& context,
                     const std::string& text) {
  const RequestView& request = context.request();
  switch (node.matcher) {
  case MatcherKind::PathPrefix: {
    std::string_view prefix = node.args[0];
    if (matched && request.path.size() > prefix.size() && prefix.back() != '/' &&
        request.path[prefix.size()] != '/') {
      return text + " also matches " + quoted(request.path) +
             ": it is a string prefix, not a path segment";
    }
    return {};
  }
  case MatcherKind::Host:
    return matched ? std::string() : host_note(node, context.host(), text);
  case MatcherKind::HostRegexp:
    if (matched && !RE2::PartialMatch(context.lower_host(), *node.regex)) {
      return text + " matches the empty string, so Traefik matches it for every host";
    }
    return {};
  case MatcherKind::Method:
    if (!matched && detail::iequals(request.method, node.value)) {
      return "methods are case-sensitive: " + quoted(request.method) + " is not " +
             quoted(node.value);
    }
    return {};
  case MatcherKind::Header:
  case MatcherKind::HeaderRegexp:
    if (detail::is_host_header(node.args[0])) {
      return "Traefik never matches " + std::string(detail::matcher_name(node.matcher)) +
             "(`Host`, ...): Go moves the Host header out of the header map; use Host()";
    }
    return {};
  case MatcherKind::Query:
    if (node.args.size() == 1 && node.args[0].find('=') != std::string::npos) {
      size_t eq = node.args[0].find('=');
      return text + " looks for a key named " + quoted(node.args[0]) + ": write Query(" +
             detail::format_argument(node.args[0].substr(0, eq)) + ", " +
             detail::format_argument(node.args[0].substr(eq + 1)) + ")";
    }
    return {};
  default:
    return {};
  }
}

Verdict explain_node(const Node& node, detail::MatchContext& context);

Verdict explain_matcher(const Node& node, detail::MatchContext& context) {
  Verdict verdict;
  verdict.matched = detail::evaluate_matcher(node, context);
  verdict.expression = detail::canonical_text(node);
  verdict.observed.push_back(describe(node, context));
  if (auto note = note_for(node, verdict.matched, context, verdict.expression); !note.empty()) {
    verdict.notes.push_back(std::move(note));
  }
  return verdict;
}

// All operands agreed (every && operand matched, or every || operand failed): the reason is
// the operator applied to each operand's own reason.
Verdict combine(std::vector<Verdict> parts, Precedence outer) {
  if (parts.size() == 1) return std::move(parts.front());
  Verdict verdict;
  verdict.matched = parts.front().matched;
  verdict.precedence = outer;
  std::vector<std::string> texts;
  for (auto& part : parts) {
    texts.push_back(detail::operand(std::move(part.expression), part.precedence, outer));
    add_unique(verdict.observed, part.observed);
    add_unique(verdict.notes, part.notes);
  }
  verdict.expression = join(texts, outer == Precedence::And ? " && " : " || ");
  return verdict;
}

Verdict explain_node(const Node& node, detail::MatchContext& context) {
  if (node.kind == Node::Kind::Matcher) return explain_matcher(node, context);
  if (node.kind == Node::Kind::Not) {
    Verdict inner = explain_node(node.children.front(), context);
    inner.matched = !inner.matched;
    std::string negated = "!";
    negated += detail::operand(std::move(inner.expression), inner.precedence, Precedence::Atom);
    inner.expression = std::move(negated);
    inner.precedence = Precedence::Atom;
    return inner;
  }
  // && is decided by its first failing operand, || by its first matching one.
  bool decisive = node.kind == Node::Kind::Or;
  std::vector<Verdict> parts;
  for (const auto& child : node.children) {
    Verdict part = explain_node(child, context);
    if (part.matched == decisive) return part;
    parts.push_back(std::move(part));
  }
  return combine(std::move(parts), detail::precedence_of(node));
}

}  // namespace

Explanation explain(const Rule& rule, const RequestView& request) {
  if (rule.root() == nullptr) return Explanation{false, {}, "the rule is empty", {}};
  detail::MatchContext context(request);
  Verdict verdict = explain_node(*rule.root(), context);
  return Explanation{verdict.matched, std::move(verdict.expression), join(verdict.observed, "; "),
                     join(verdict.notes, "; ")};
}

}  // namespace bridge::route
