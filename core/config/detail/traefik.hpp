#pragma once
/// `[[sources]]`: the Traefik configuration a team already has, read into the layered tree as
/// bridge's own routes, upstreams and middlewares before decoding, so that every value is
/// checked by the same decoders and an error points into the Traefik file.

#include "config/detail/node.hpp"

#include <string>
#include <vector>

namespace bridge::config::detail {

/// For each `[[sources]]` entry of `tree` (type "traefik-file": a TOML or YAML file of Traefik's
/// dynamic configuration, or a directory of them), appends its routers, services and
/// middlewares to `tree` under Traefik's provider-qualified names ("api@file"), entry points
/// mapped to listeners by `[traefik] entrypoints` (a name maps to the listener of that name by
/// default). The files read are added to `files` and `texts` (for the config's hash).
Result<void> import_sources(Node& tree, Sources& sources, std::vector<std::string>& files,
                            std::vector<std::string>& texts);

}  // namespace bridge::config::detail
