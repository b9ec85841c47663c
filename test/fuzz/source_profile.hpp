#pragma once
// What the Traefik-source harnesses share (traefik_file, kubernetes, docker_labels): a config dir
// whose base.toml names the source, loaded as profile dev with no environment, and the checks
// every import must pass.
#include "fuzz.hpp"

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace bridge::fuzz {

/// A dir with `base` as base.toml and an empty dev.toml, written once per process.
inline const test::TempDir& source_profile_dir(std::string_view base) {
  static const test::TempDir dir;  // the loader reads real files
  static const bool written = [base] {
    test::write_file(dir / "base.toml", std::string(base));
    test::write_file(dir / "dev.toml", "");
    return true;
  }();
  (void)written;
  return dir;
}

/// LoadOptions for profile dev of `dir`, with no environment.
inline config::LoadOptions dev_profile(const test::TempDir& dir) {
  config::LoadOptions options;
  options.profile = "dev";
  options.config_dir = dir.path();
  options.environment_for_test = std::map<std::string, std::string>{};
  return options;
}

/// A failed load names a file `known` accepts (or none), and its line can be shown.
inline void check_error(const Error& e, const std::function<bool(const std::string&)>& known) {
  BRIDGE_FUZZ_CHECK(!e.message.empty());
  BRIDGE_FUZZ_CHECK(known(e.where.source));
  if (e.where.has_position()) (void)config::source_line(e.where);
}

/// Everything imported from a provider carries its provider in its name ("api@kubernetescrd").
inline void check_qualified(const config::Config& config) {
  for (const auto& route : config.routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& route : config.tcp_routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& upstream : config.upstreams)
    BRIDGE_FUZZ_CHECK(upstream.name.find('@') != std::string::npos);
  for (const auto& m : config.middlewares) BRIDGE_FUZZ_CHECK(m.name.find('@') != std::string::npos);
}

}  // namespace bridge::fuzz
