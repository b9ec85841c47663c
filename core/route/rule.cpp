#include "route/detail/canonical.hpp"
#include "route/detail/match.hpp"
#include "route/detail/parser.hpp"
#include "route/detail/text.hpp"

namespace bridge::route {

namespace detail {

Precedence precedence_of(const Rule::Node& node) {
  switch (node.kind) {
  case Rule::Node::Kind::Or:
    return Precedence::Or;
  case Rule::Node::Kind::And:
    return Precedence::And;
  default:
    return Precedence::Atom;
  }
}

std::string operand(std::string text, Precedence inner, Precedence outer) {
  if (inner >= outer) return text;
  text.insert(text.begin(), '(');
  text += ')';
  return text;
}

std::string canonical_text(const Rule::Node& node) {
  if (node.kind == Rule::Node::Kind::Matcher) {
    std::vector<std::string> args;
    for (const auto& arg : node.args) args.push_back(format_argument(arg));
    return std::string(matcher_name(node.matcher)) + "(" + join(args, ", ") + ")";
  }
  if (node.kind == Rule::Node::Kind::Not) {
    const auto& child = node.children.front();
    std::string out = "!";
    out += operand(canonical_text(child), precedence_of(child), Precedence::Atom);
    return out;
  }
  Precedence outer = precedence_of(node);
  std::vector<std::string> parts;
  for (const auto& child : node.children) {
    parts.push_back(operand(canonical_text(child), precedence_of(child), outer));
  }
  return join(parts, outer == Precedence::And ? " && " : " || ");
}

const Rule::Node* find_tls_only(const Rule::Node& node) {
  if (node.kind != Rule::Node::Kind::Matcher) {
    for (const auto& child : node.children)
      if (const Rule::Node* found = find_tls_only(child)) return found;
    return nullptr;
  }
  const bool tls_only = (node.matcher == MatcherKind::HostSNI && node.value != "*") ||
                        node.matcher == MatcherKind::HostSNIRegexp ||
                        node.matcher == MatcherKind::ALPN;
  return tls_only ? &node : nullptr;
}

}  // namespace detail

std::string tls_only_matcher(const Rule& rule) {
  const Rule::Node* found = rule.root() ? detail::find_tls_only(*rule.root()) : nullptr;
  return found ? detail::canonical_text(*found) : std::string();
}

Result<Rule> Rule::parse(std::string_view text, Language language) {
  auto root = detail::parse_rule(text, language);
  if (!root) return root.error();
  Rule rule;
  rule.root_ = std::make_shared<const Node>(std::move(*root));
  rule.text_ = std::string(text);
  return rule;
}

bool Rule::matches(const RequestView& request) const {
  if (!root_) return false;
  detail::MatchContext context(request);
  return detail::evaluate(*root_, context);
}

const std::string& Rule::text() const { return text_; }

std::string Rule::canonical() const {
  return root_ ? detail::canonical_text(*root_) : std::string();
}

}  // namespace bridge::route
