#include "commands.hpp"
#include "discovery/discovery.hpp"
#include "print.hpp"

namespace bridge::cli {

namespace {

// docker-labels sources: the labels of the project's running containers, from the Docker
// Engine (config does no socket I/O itself).
Result<std::vector<config::ContainerLabels>> running_containers(const std::string& project) {
  auto running = discovery::project_containers(project, discovery::Options{});
  if (!running) return running.error();
  std::vector<config::ContainerLabels> out;
  for (auto& c : *running)
    out.push_back(
        config::ContainerLabels{std::move(c.name), std::move(c.service), std::move(c.labels)});
  return out;
}

}  // namespace

config::LoadOptions GlobalOptions::load_options() const {
  config::LoadOptions options;
  options.profile = profile;
  options.config_dir = config_dir;
  options.overrides = sets;
  options.container_labels = running_containers;
  options.strict = strict;
  return options;
}

std::optional<config::Config> load_config_or_print(const GlobalOptions& options) {
  auto loaded = config::load(options.load_options());
  if (!loaded) {
    print_error(loaded.error());
    return std::nullopt;
  }
  // What [[sources]] read but bridge cannot honour: said on every command, never dropped.
  for (const Error& warning : loaded->warnings) print_warning(warning);
  return std::move(*loaded);
}

int not_available(const std::string& what) {
  print_error(Error::not_available("\"" + what + "\" is not available in this build",
                                   "see README.md for the commands this version ships"));
  return exit_not_available;
}

Result<std::vector<std::pair<std::string, std::string>>>
parse_header_args(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : args) {
    auto sep = h.find(':');
    if (sep == std::string::npos || sep == 0) {
      return Error::usage("header \"" + h + "\" is not 'Name: value'");
    }
    std::string value = h.substr(sep + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out.emplace_back(h.substr(0, sep), value);
  }
  return out;
}

}  // namespace bridge::cli
