#include "config/detail/node.hpp"
#include "config/detail/source.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>  // environ

namespace bridge::config::detail {
namespace fs = std::filesystem;

std::optional<std::string> getenv_for(const LoadOptions& options, std::string_view name) {
  if (options.environment_for_test) {
    auto it = options.environment_for_test->find(std::string(name));
    if (it == options.environment_for_test->end()) return std::nullopt;
    return it->second;
  }
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::vector<std::pair<std::string, std::string>> environment_of(const LoadOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  if (options.environment_for_test) {
    out.assign(options.environment_for_test->begin(), options.environment_for_test->end());
    return out;
  }
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace_back(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ConfigSource::has(std::string_view file) const {
  if (embedded_) {
    auto files = embedded_files();
    return std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.name == file; });
  }
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir_) / file, ec);
}

std::optional<std::string> ConfigSource::read(std::string_view file) const {
  if (embedded_) {
    for (const auto& f : embedded_files())
      if (f.name == file) return std::string(f.text);
    return std::nullopt;
  }
  std::ifstream in(fs::path(dir_) / file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ConfigSource::path_of(std::string_view file) const {
  if (embedded_) return "<embedded>/" + std::string(file);
  return (fs::path(dir_) / file).string();
}

std::vector<std::string> ConfigSource::profiles() const {
  std::vector<std::string> names;
  auto consider = [&](std::string_view file) {
    if (file.size() <= 5 || !file.ends_with(".toml") || file == "base.toml" ||
        file.ends_with(".local.toml"))
      return;
    names.emplace_back(file.substr(0, file.size() - 5));
  };
  if (embedded_) {
    for (const auto& f : embedded_files()) consider(f.name);
  } else {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec))
      if (entry.is_regular_file(ec)) consider(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ConfigSource::describe() const {
  return embedded_ ? std::string("the embedded default") : dir_ + "/";
}

namespace {

bool counts(const std::string& dir, const std::string& profile) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "base.toml", ec) ||
         fs::is_regular_file(fs::path(dir) / (profile + ".toml"), ec);
}

Result<ConfigSource> explicit_dir(const std::string& dir, std::string_view how) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error::config("config dir \"" + dir + "\" (" + std::string(how) + ") does not exist", {},
                         "create it, or leave it unset to search ./.bridge and ./profiles");
  return ConfigSource::directory(dir);
}

}  // namespace

Result<ConfigSource> find_source(const LoadOptions& options, const std::string& profile) {
  if (!options.config_dir.empty()) return explicit_dir(options.config_dir, "--config-dir");
  if (options.use_environment)
    if (auto dir = getenv_for(options, "BRIDGE_CONFIG_DIR"); dir && !dir->empty())
      return explicit_dir(*dir, "$BRIDGE_CONFIG_DIR");
  for (const char* dir : {".bridge", "profiles"})
    if (counts(dir, profile)) return ConfigSource::directory(dir);
  return ConfigSource::embedded();
}

}  // namespace bridge::config::detail

namespace bridge::config {

std::string source_line(const Origin& where) {
  if (!where.has_position()) return {};
  constexpr std::string_view embedded = "<embedded>/";
  if (where.source.starts_with(embedded)) {
    std::string_view name = std::string_view(where.source).substr(embedded.size());
    for (const auto& f : detail::embedded_files())
      if (f.name == name) return line_of(f.text, where.line);
    return {};
  }
  std::ifstream in(where.source, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return line_of(text.str(), where.line);
}

}  // namespace bridge::config
