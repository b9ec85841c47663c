#pragma once
/// Writing an AST back as rule text, canonically: canonical matcher names, backtick arguments,
/// parentheses only where precedence needs them.

#include "route/detail/ast.hpp"

#include <string>
#include <string_view>

namespace bridge::route::detail {

/// Binding strength of an expression's top operator: || 1, && 2, ! and matchers 3.
enum class Precedence : int { Or = 1, And = 2, Atom = 3 };

Precedence precedence_of(const Rule::Node& node);
std::string canonical_text(const Rule::Node& node);
/// `text` as an operand of an operator of strength `outer`: parenthesised when it binds looser.
std::string operand(std::string text, Precedence inner, Precedence outer);

}  // namespace bridge::route::detail
