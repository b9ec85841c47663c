#pragma once
/// Layering: reading the profile files in order and merging their trees.

#include "config/detail/node.hpp"
#include "config/detail/source.hpp"

#include <string>
#include <vector>

namespace bridge::config::detail {

struct Layers {
  Node tree;                       // merged, `extends` and `enabled` already applied
  std::vector<std::string> files;  // in layering order
  std::vector<std::string> texts;  // their contents, for the config hash
};

/// base.toml -> the extends chain -> <profile>.toml -> <profile>.local.toml, merged.
/// An unknown profile is an error listing those available.
Result<Layers> load_layers(const ConfigSource& source, const std::string& profile,
                           Sources& sources);

/// Checks what merging relies on in one file: [[listeners]], [[routes]] and [[upstreams]]
/// entries have valid names, unique within the file, and `enabled` is a boolean.
Result<void> check_named_entries(const Node& document, const Sources& sources);

/// Merges `over` onto `into` (both documents): tables deep-merge, named entries merge by
/// name (`enabled = false` drops one), other arrays and scalars replace.
void merge_document(Node& into, Node over);

/// Removes the `enabled` keys that merging has consumed.
void strip_enabled(Node& document);

/// One `path=value` override; `origin.source` is "--set" or "env:NAME".
struct Override {
  std::string text;
  Origin origin;
};

/// The overrides from the environment (BRIDGE_SET_<anything>=path=value, by variable name)
/// followed by the --set flags.
/// `tree` is the layered config: it resolves entry names in `BRIDGE__ROUTES__orders_api__...`
/// (environment names have no dashes, so `orders_api` also finds the route `orders-api`).
std::vector<Override> collect_overrides(const LoadOptions& options, const Node& tree);

/// Turns `routes.api.upstream=http://127.0.0.1:9000` into a document to merge.
Result<Node> override_document(const Override& setting, const Sources& sources);

/// Expands ${VAR} and ${VAR:-default} in every string that came from a file ($${ is a
/// literal ${). Without use_environment every variable counts as unset.
Result<void> interpolate(Node& document, const LoadOptions& options, const Sources& sources);

/// Names of entries: [A-Za-z0-9_-]+ (also profile names).
bool valid_name(std::string_view name);

}  // namespace bridge::config::detail
