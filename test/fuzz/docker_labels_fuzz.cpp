// Traefik's docker labels as `[[sources]] type = "docker-labels"` reads them (core/config): a
// compose file (yaml-cpp, compose interpolation, labels in map or list form, ports), its
// override file, and the labels of running containers (LoadOptions::container_labels),
// imported as routes, upstreams and middlewares and checked by the profile decoders. Every error
// and warning must point into a file that exists or name a container, and every imported name
// must be provider-qualified.
//
// Input: parts split at fuzz::part_separator: compose.yaml, then compose.override.yaml, then
// running containers' labels, one "SERVICE KEY=VALUE" a line (absent: no engine).
#include "source_profile.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace {

// "SERVICE KEY=VALUE" lines as containers named "fuzz-SERVICE-1".
std::vector<bridge::config::ContainerLabels> containers_of(std::string_view text) {
  std::map<std::string, bridge::config::ContainerLabels> by_service;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string service(line.substr(0, space));
    std::string_view label = line.substr(space + 1);
    const size_t eq = label.find('=');
    auto& c = by_service[service];
    c.name = "fuzz-" + service + "-1";
    c.service = service;
    c.labels[std::string(label.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : std::string(label.substr(eq + 1));
  }
  std::vector<bridge::config::ContainerLabels> out;
  for (auto& [service, c] : by_service) out.push_back(std::move(c));
  return out;
}

bool known_source(const std::string& source, const std::filesystem::path& dir) {
  return source.empty() || source == (dir / "base.toml").string() ||
         source == (dir / "shop" / "compose.yaml").string() ||
         source == (dir / "shop" / "compose.override.yaml").string() ||
         source.starts_with("container fuzz-") || source.starts_with("<default");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& dir = bridge::fuzz::source_profile_dir(
      "version = 1\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:8080\"\n[[listeners]]\n"
      "name = \"pg\"\nbind = \"127.0.0.1:15432\"\nprotocol = \"tcp\"\n[[sources]]\ntype = "
      "\"docker-labels\"\npath = \"shop\"\n");
  const auto parts = bridge::fuzz::split_parts(bridge::fuzz::as_text(data, size));
  std::error_code ec;
  std::filesystem::remove_all(dir / "shop", ec);
  bridge::test::write_file(dir / "shop/compose.yaml", std::string(parts[0]));
  if (parts.size() > 1)
    bridge::test::write_file(dir / "shop/compose.override.yaml", std::string(parts[1]));

  bridge::config::LoadOptions options = bridge::fuzz::dev_profile(dir);
  if (parts.size() > 2) {
    options.container_labels = [running = containers_of(parts[2])](const std::string&)
        -> bridge::Result<std::vector<bridge::config::ContainerLabels>> { return running; };
  }
  auto known = [&dir](const std::string& source) { return known_source(source, dir.path()); };
  auto config = bridge::config::load(options);
  if (!config) {
    bridge::fuzz::check_error(config.error(), known);
    return 0;
  }
  for (const auto& w : config->warnings) BRIDGE_FUZZ_CHECK(known(w.where.source));
  bridge::fuzz::check_qualified(*config);
  BRIDGE_FUZZ_CHECK(config->label_projects.size() == 1);
  return 0;
}
