#include "config_test.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bridge::config::test {
namespace fs = std::filesystem;

void TempConfigDir::write(std::string_view name, std::string_view text) const {
  fs::path target = fs::path(dir_.path()) / name;
  fs::create_directories(target.parent_path());
  std::ofstream(target, std::ios::binary) << text;
}

LoadOptions TempConfigDir::options(std::string profile) const {
  LoadOptions options;
  options.profile = std::move(profile);
  options.config_dir = dir_.path();
  options.environment_for_test.emplace();
  return options;
}

Result<Config> TempConfigDir::load(std::string profile, std::vector<std::string> overrides,
                                   std::map<std::string, std::string> environment) const {
  LoadOptions chosen = options(std::move(profile));
  chosen.overrides = std::move(overrides);
  chosen.environment_for_test = std::move(environment);
  return config::load(chosen);
}

std::string leaf_value(const Config& config, std::string_view path) {
  for (const auto& leaf : config.leaves)
    if (leaf.path == path) return leaf.value;
  return {};
}

ScopedCwd::ScopedCwd(const std::string& dir) : previous_(fs::current_path().string()) {
  fs::current_path(dir);
}

ScopedCwd::~ScopedCwd() {
  std::error_code ec;
  fs::current_path(previous_, ec);
}

}  // namespace bridge::config::test
