#pragma once
/// `[[sources]]`: the Traefik configuration a team already has, read into the layered tree as
/// bridge's own routes, TCP routes, upstreams and middlewares before decoding, so that every
/// value is checked by the same decoders and an error points into the Traefik file.

#include "config/config.hpp"
#include "config/detail/node.hpp"

#include <map>
#include <string>
#include <vector>

namespace bridge::config::detail {

/// What importing the sources read and found, besides the tree it grows.
struct Imported {
  const LoadOptions& options;
  std::vector<std::string>& files;  // every file read (watched for reloads)
  std::vector<std::string>& texts;  // their texts (the config's hash)
  std::vector<Error> warnings;      // what bridge cannot honour (Config::warnings)
  std::map<std::string, std::string, std::less<>> routes;  // Config::imported
  std::vector<std::string> label_projects;                 // Config::label_projects
};

/// For each `[[sources]]` entry of `tree` (traefik-file, docker-labels, kubernetes), appends its
/// routers, services and middlewares to `tree` under Traefik's provider-qualified names
/// ("api@file", "shop-api@kubernetescrd"), entry points mapped to listeners by
/// `[traefik] entrypoints` (a name maps to the listener of that name by default).
Result<void> import_sources(Node& tree, Sources& sources, Imported& out);

}  // namespace bridge::config::detail
