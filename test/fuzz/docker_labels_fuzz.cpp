// Traefik's docker labels as `[[sources]] type = "docker-labels"` reads them (core/config): a
// compose file (yaml-cpp, compose interpolation, labels in map or list form, ports), its
// override file, and the labels of running containers (LoadOptions::container_labels),
// imported as routes, upstreams and middlewares and checked by the profile decoders. Every error
// and warning must point into a file that exists or name a container, and every imported name
// must be provider-qualified.
//
// Input: parts split at fuzz::part_separator: compose.yaml, then compose.override.yaml, then
// running containers' labels, one "SERVICE KEY=VALUE" a line (absent: no engine).
#include "fuzz.hpp"

#include "config/config.hpp"
#include "temp_dir.hpp"

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
  static const bridge::test::TempDir dir;  // the loader reads real files
  static const bool written = [] {
    bridge::test::write_file(dir / "base.toml",
                             "version = 1\n[[listeners]]\nname = \"web\"\nbind = "
                             "\"127.0.0.1:8080\"\n[[listeners]]\nname = \"pg\"\nbind = "
                             "\"127.0.0.1:15432\"\nprotocol = \"tcp\"\n[[sources]]\ntype = "
                             "\"docker-labels\"\npath = \"shop\"\n");
    bridge::test::write_file(dir / "dev.toml", "");
    return true;
  }();
  (void)written;
  const auto parts = bridge::fuzz::split_parts(bridge::fuzz::as_text(data, size));
  std::error_code ec;
  std::filesystem::remove_all(dir / "shop", ec);
  bridge::test::write_file(dir / "shop/compose.yaml", std::string(parts[0]));
  if (parts.size() > 1)
    bridge::test::write_file(dir / "shop/compose.override.yaml", std::string(parts[1]));

  bridge::config::LoadOptions options;
  options.profile = "dev";
  options.config_dir = dir.path();
  options.environment_for_test = std::map<std::string, std::string>{};
  if (parts.size() > 2) {
    options.container_labels = [running = containers_of(parts[2])](const std::string&)
        -> bridge::Result<std::vector<bridge::config::ContainerLabels>> { return running; };
  }
  auto config = bridge::config::load(options);
  if (!config) {
    const bridge::Error& e = config.error();
    BRIDGE_FUZZ_CHECK(!e.message.empty());
    BRIDGE_FUZZ_CHECK(known_source(e.where.source, dir.path()));
    if (e.where.has_position()) (void)bridge::config::source_line(e.where);
    return 0;
  }
  for (const auto& w : config->warnings)
    BRIDGE_FUZZ_CHECK(known_source(w.where.source, dir.path()));
  for (const auto& route : config->routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& route : config->tcp_routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& upstream : config->upstreams)
    BRIDGE_FUZZ_CHECK(upstream.name.find('@') != std::string::npos);
  for (const auto& m : config->middlewares)
    BRIDGE_FUZZ_CHECK(m.name.find('@') != std::string::npos);
  BRIDGE_FUZZ_CHECK(config->label_projects.size() == 1);
  return 0;
}
