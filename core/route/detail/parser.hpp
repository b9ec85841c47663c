#pragma once
/// Recursive-descent parser for Traefik v3 rules: `!` binds tightest, then `&&`, then `||`.

#include "route/detail/ast.hpp"
#include "route/detail/lexer.hpp"

#include <string_view>
#include <vector>

namespace bridge::route::detail {

/// Parses `text` into an AST with regexes compiled. Errors point at the offending token.
Result<Rule::Node> parse_rule(std::string_view text, Language language);

/// One matcher call as written: `name(args...)`.
struct Call {
  Token name;
  size_t open = 0;  // offset of "("
  size_t end = 0;   // offset just past ")"
  std::vector<Token> args;
};

/// Checks a call's arguments and prepares its comparands (lowercase host, compiled regex, CIDR).
Result<Rule::Node> build_matcher(std::string_view text, MatcherKind kind, const Call& call);

}  // namespace bridge::route::detail
