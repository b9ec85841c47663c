// The TOML profile loader (core/config): files found in a config dir, layered base -> extends
// chain -> profile -> profile.local -> environment -> --set, interpolated, validated.
//
// Input: parts (fuzz.hpp separator) base.toml, dev.toml, dev.local.toml, shared.toml (for
// `extends = "shared"`), then override lines: "env NAME=VALUE" sets a variable of the
// environment the loader sees (BRIDGE_SET_*, BRIDGE__*, ${VAR}), any other line is one
// `--set path=value`. A file whose part is absent does not exist.
#include "fuzz.hpp"

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace {

using bridge::fuzz::split_parts;

constexpr const char* files[] = {"base.toml", "dev.toml", "dev.local.toml", "shared.toml"};

bool valid_origin_source(const std::string& source, const std::string& dir) {
  if (source.empty() || source == "--set" || source.starts_with("<default") ||
      source.starts_with("env:"))
    return true;
  for (const char* file : files) {
    if (source == dir + "/" + file) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bridge::test::TempDir dir;  // one per process: the loader reads real files
  auto parts = split_parts(bridge::fuzz::as_text(data, size));
  for (size_t i = 0; i < std::size(files); ++i) {
    std::string path = dir / files[i];
    if (i < parts.size()) {
      bridge::test::write_file(path, parts[i]);
    } else {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  }

  bridge::config::LoadOptions options;
  options.profile = "dev";
  options.config_dir = dir.path();
  options.environment_for_test = std::map<std::string, std::string>{
      {"API_URL", "http://127.0.0.1:4000"}, {"EMPTY", ""}, {"HOME", "/home/dev"}};
  if (parts.size() > std::size(files)) {
    std::string_view lines = parts[std::size(files)];
    while (!lines.empty()) {
      size_t eol = lines.find('\n');
      std::string_view line = lines.substr(0, eol);
      lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 1);
      if (line.starts_with("env ")) {
        line.remove_prefix(4);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        (*options.environment_for_test)[std::string(line.substr(0, eq))] =
            std::string(line.substr(eq + 1));
      } else {
        options.overrides.emplace_back(line);
      }
    }
  }

  auto config = bridge::config::load(options);
  if (!config) {
    const bridge::Error& e = config.error();
    BRIDGE_FUZZ_CHECK(!e.message.empty());
    BRIDGE_FUZZ_CHECK(valid_origin_source(e.where.source, dir.path()));
    // What `bridge` prints under the message: the offending line, read back from the file.
    if (e.where.has_position() && e.where.source != "--set") {
      (void)bridge::config::source_line(e.where);
    }
    return 0;
  }
  BRIDGE_FUZZ_CHECK(config->hash.size() == 64);
  BRIDGE_FUZZ_CHECK(!config->files.empty());
  for (const auto& leaf : config->leaves) {
    BRIDGE_FUZZ_CHECK(!leaf.path.empty());
    BRIDGE_FUZZ_CHECK(valid_origin_source(leaf.origin.source, dir.path()));
  }
  // The origin lookup `config show --origin` uses, for every entry the tables hold.
  for (const auto& route : config->routes) (void)config->origin("routes." + route.name);
  for (const auto& upstream : config->upstreams) {
    BRIDGE_FUZZ_CHECK(config->find_upstream(upstream.name) != nullptr);
  }
  return 0;
}
