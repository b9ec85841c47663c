#include "route/detail/parser.hpp"

#include "route/detail/text.hpp"

#include <optional>
#include <string>

namespace bridge::route::detail {

namespace {

using Node = Rule::Node;

// Deep enough for any hand-written rule, shallow enough that test/fuzz/rule_fuzz cannot blow the
// stack.
constexpr int max_depth = 100;

class Parser {
 public:
  Parser(std::string_view text, Language language)
      : text_(text), language_(language), lexer_(text) {}

  Result<Node> parse() {
    if (!advance()) return *error_;
    if (current_.kind == TokenKind::End) return rule_error(text_, 0, text_.size(), "empty rule");
    auto root = parse_or(0);
    if (!root) return *error_;
    if (current_.kind != TokenKind::End) {
      // parse_and stops only at "&&", "||", ")" or the end, so this is a stray ")".
      return rule_error(text_, current_.offset, current_.length, "unexpected \")\"");
    }
    return std::move(*root);
  }

 private:
  bool advance() {
    auto token = lexer_.next();
    if (!token) {
      error_ = token.error();
      return false;
    }
    current_ = std::move(*token);
    return true;
  }

  std::nullopt_t fail(size_t offset, size_t length, std::string message, std::string hint = {}) {
    if (!error_) error_ = rule_error(text_, offset, length, std::move(message), std::move(hint));
    return std::nullopt;
  }

  // `a op b op c` becomes one node with three children: explain reads better, matching is flatter.
  static Node combine(Node::Kind kind, Node left, Node right) {
    if (left.kind != kind) {
      Node parent;
      parent.kind = kind;
      parent.children.push_back(std::move(left));
      left = std::move(parent);
    }
    if (right.kind == kind) {
      for (auto& child : right.children) left.children.push_back(std::move(child));
    } else {
      left.children.push_back(std::move(right));
    }
    return left;
  }

  std::optional<Node> parse_or(int depth) {
    auto left = parse_and(depth);
    while (left && current_.kind == TokenKind::Or) {
      if (!advance()) return std::nullopt;
      auto right = parse_and(depth);
      if (!right) return std::nullopt;
      left = combine(Node::Kind::Or, std::move(*left), std::move(*right));
    }
    return left;
  }

  std::optional<Node> parse_and(int depth) {
    auto left = parse_unary(depth);
    while (left && current_.kind == TokenKind::And) {
      if (!advance()) return std::nullopt;
      auto right = parse_unary(depth);
      if (!right) return std::nullopt;
      left = combine(Node::Kind::And, std::move(*left), std::move(*right));
    }
    if (left && current_.kind != TokenKind::Or && current_.kind != TokenKind::RParen &&
        current_.kind != TokenKind::End) {
      return fail(current_.offset, current_.length,
                  std::string("expected \"&&\" or \"||\" after ") +
                      (last_was_group_ ? "\")\"" : "matcher"));
    }
    return left;
  }

  std::optional<Node> parse_unary(int depth) {
    if (depth > max_depth) {
      return fail(current_.offset, current_.length,
                  "rule nests too deeply (more than " + std::to_string(max_depth) + " levels)");
    }
    if (current_.kind != TokenKind::Not) return parse_primary(depth);
    if (!advance()) return std::nullopt;
    auto operand = parse_unary(depth + 1);
    if (!operand) return std::nullopt;
    Node node;
    node.kind = Node::Kind::Not;
    node.children.push_back(std::move(*operand));
    return node;
  }

  std::optional<Node> parse_primary(int depth) {
    switch (current_.kind) {
    case TokenKind::LParen:
      return parse_group(depth);
    case TokenKind::Ident:
      return parse_call();
    case TokenKind::RParen:
      return fail(current_.offset, current_.length, "unexpected \")\"");
    case TokenKind::End:
      return fail(current_.offset, 0, "expected a matcher at the end of the rule",
                  "an operator needs a matcher on both sides");
    case TokenKind::String:
      return fail(current_.offset, current_.length, "expected a matcher, got a string",
                  "arguments go inside a matcher: Host(`example.test`)");
    default:
      return fail(current_.offset, current_.length,
                  "expected a matcher, got " + describe(current_));
    }
  }

  std::optional<Node> parse_group(int depth) {
    size_t open = current_.offset;
    if (!advance()) return std::nullopt;
    auto inner = parse_or(depth + 1);
    if (!inner) return std::nullopt;
    if (current_.kind != TokenKind::RParen) {
      return fail(open, 1, "unbalanced parentheses: missing \")\"");
    }
    if (!advance()) return std::nullopt;
    last_was_group_ = true;
    return inner;
  }

  std::optional<Node> parse_call();
  std::optional<Node> unknown_matcher(const Token& name);

  std::string_view text_;
  Language language_;
  Lexer lexer_;
  Token current_;
  std::optional<Error> error_;
  bool last_was_group_ = false;
};

std::optional<Rule::Node> Parser::unknown_matcher(const Token& name) {
  std::string hint;
  const auto& names = matcher_names(language_);
  const Language other = language_ == Language::Http ? Language::Tcp : Language::Http;
  if (name.value == "HostHeader") {
    hint = "HostHeader was removed in Traefik v3: use Host";
  } else if (find_matcher(name.value, other)) {
    // HostSNI in an HTTP route, Path in a TCP route: say where it belongs.
    hint = language_ == Language::Http
               ? "HostSNI, HostSNIRegexp and ALPN match TCP connections: use them in "
                 "[[tcp_routes]]; HTTP routes match the host with Host()"
               : "TCP routes see a connection, not a request: they match " + join(names, ", ");
  } else if (auto guess = nearest(name.value, names); !guess.empty()) {
    hint = "did you mean \"" + guess + "\"?";
  } else {
    hint = "matchers are " + join(names, ", ");
  }
  return fail(name.offset, name.length, "unknown matcher \"" + name.value + "\"", hint);
}

std::optional<Rule::Node> Parser::parse_call() {
  Call call{current_, 0, 0, {}};
  auto kind = find_matcher(call.name.value, language_);
  if (!kind) return unknown_matcher(call.name);
  if (!advance()) return std::nullopt;
  if (current_.kind != TokenKind::LParen) {
    return fail(current_.offset, current_.length,
                "expected \"(\" after " + std::string(matcher_name(*kind)));
  }
  call.open = current_.offset;
  if (!advance()) return std::nullopt;
  while (current_.kind != TokenKind::RParen) {
    if (current_.kind == TokenKind::End)
      return fail(call.open, 1, "unbalanced parentheses: missing \")\"");
    if (current_.kind != TokenKind::String) {
      return fail(current_.offset, current_.length,
                  "expected a string in backticks or double quotes, got " + describe(current_),
                  bare_argument_hint(text_, current_.offset));
    }
    call.args.push_back(std::move(current_));
    if (!advance()) return std::nullopt;
    if (current_.kind == TokenKind::Comma) {
      if (!advance()) return std::nullopt;  // Go accepts a trailing comma
    } else if (current_.kind == TokenKind::End) {
      return fail(call.open, 1, "unbalanced parentheses: missing \")\"");
    } else if (current_.kind != TokenKind::RParen) {
      return fail(current_.offset, current_.length, "expected \",\" or \")\" after argument");
    }
  }
  call.end = current_.offset + 1;
  auto node = build_matcher(text_, *kind, call);
  if (!node) {
    error_ = node.error();
    return std::nullopt;
  }
  if (!advance()) return std::nullopt;
  last_was_group_ = false;
  return std::move(*node);
}

}  // namespace

Result<Rule::Node> parse_rule(std::string_view text, Language language) {
  return Parser(text, language).parse();
}

}  // namespace bridge::route::detail
