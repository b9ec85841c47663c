#pragma once
/// The one place that calls toml++: documents and --set values become provenance trees.

#include "config/detail/node.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace bridge::config::detail {

/// Parses a whole TOML document; `source` names it in origins ("profiles/dev.toml").
/// A syntax error comes back with toml++'s description at its line:col.
Result<Node> parse_document(std::string_view text, const std::string& source,
                            const Sources& sources);

/// Parses `text` as one TOML value (`2`, `["w3c", "b3"]`, `"x"`), or nullopt when it is not
/// one. Origins are left empty for the caller to stamp.
std::optional<Node> parse_value(std::string_view text);

}  // namespace bridge::config::detail
