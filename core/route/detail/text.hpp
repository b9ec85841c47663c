#pragma once
/// Small string helpers shared by the rule parser, matcher and explainer (ASCII only).

#include "common/error.hpp"
#include "common/text.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::route::detail {

using bridge::ascii_lower;
using bridge::ascii_upper;
using bridge::iequals;

bool is_ascii(std::string_view text);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);

/// For an unquoted matcher argument at `offset` of `rule` (as in PathPrefix(/api)): the hint
/// "strings go in backticks or double quotes: PathPrefix(`/api`)"; "" when `offset` is not at
/// the start of an argument or the text there is not a bare word.
std::string bare_argument_hint(std::string_view rule, size_t offset);

/// `text` in double quotes with Go-style escapes, e.g. "a\"b" (for messages).
std::string quoted(std::string_view text);
/// A rule argument as it is written canonically: backticks, or double quotes when it holds a '`'.
std::string format_argument(std::string_view value);
/// `values` as ["a", "b"].
std::string quoted_list(const std::vector<std::string>& values);

/// A rule error at byte `offset` covering `length` bytes: line, column and span count code points,
/// so a caret drawn under `source_line` lands on the token.
Error rule_error(std::string_view text, size_t offset, size_t length, std::string message,
                 std::string hint = {});

}  // namespace bridge::route::detail
