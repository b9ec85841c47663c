#pragma once
/// Where profile files come from: a directory on disk or the copies compiled into the binary.

#include "config/config.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

struct EmbeddedFile {
  std::string_view name;  // "base.toml"
  std::string_view text;
};

/// profiles/base.toml and profiles/dev.toml as they were at build time (generated file).
std::span<const EmbeddedFile> embedded_files();

/// Reads an environment variable, from LoadOptions::environment_for_test when it is set.
std::optional<std::string> getenv_for(const LoadOptions& options, std::string_view name);

/// Every `name=value` of the environment (or of environment_for_test), sorted by name.
std::vector<std::pair<std::string, std::string>> environment_of(const LoadOptions& options);

class ConfigSource {
 public:
  /// The embedded default: behaves as a dir holding base.toml and dev.toml.
  static ConfigSource embedded() { return ConfigSource({}, true); }
  static ConfigSource directory(std::string dir) { return ConfigSource(std::move(dir), false); }

  bool has(std::string_view file) const;
  std::optional<std::string> read(std::string_view file) const;
  /// The name origins use: "profiles/dev.toml" or "<embedded>/dev.toml".
  std::string path_of(std::string_view file) const;
  /// Profile names: *.toml other than base.toml and *.local.toml, sorted.
  std::vector<std::string> profiles() const;
  /// The directory; "" for the embedded default.
  const std::string& dir() const { return dir_; }
  /// How to describe this source in messages: "profiles/" or "the embedded default".
  std::string describe() const;

 private:
  ConfigSource(std::string dir, bool embedded) : dir_(std::move(dir)), embedded_(embedded) {}
  std::string dir_;
  bool embedded_;
};

/// Resolves the search order; an explicit dir (--config-dir, $BRIDGE_CONFIG_DIR) that does not
/// exist is an error naming it.
Result<ConfigSource> find_source(const LoadOptions& options, const std::string& profile);

}  // namespace bridge::config::detail
