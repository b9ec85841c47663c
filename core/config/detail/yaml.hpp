#pragma once
/// YAML documents (Traefik's dynamic configuration files, with yaml-cpp) as provenance trees,
/// so that what is read from them is checked by the same decoders, with file:line:col.

#include "config/detail/node.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

/// Parses the first YAML document of `text`; `source` names it in origins. Mappings become
/// tables, sequences arrays; a plain scalar is an integer, a float or a boolean when it reads as
/// one (true/false), else a string; a quoted one is always a string.
Result<Node> parse_yaml_document(std::string_view text, const std::string& source,
                                 const Sources& sources);

/// Every document of a multi-document YAML stream (`kubectl get -o yaml` output, manifests
/// joined by "---"), each a table; empty documents are left out.
Result<std::vector<Node>> parse_yaml_documents(std::string_view text, const std::string& source,
                                               const Sources& sources);

}  // namespace bridge::config::detail
