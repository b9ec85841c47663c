// Traefik's file provider as `[[sources]] type = "traefik-file"` reads it (core/config): a YAML
// (yaml-cpp into the provenance tree) or TOML dynamic configuration, imported as routes,
// TCP routes, upstreams (weighted ones too) and middlewares and checked by the profile
// decoders; what bridge cannot honour is a warning pointing into the file. Every error must point
// into a file that exists (the Traefik file or the profile), and every imported name must be
// provider-qualified.
//
// Input: byte 0 picks YAML (even) or TOML (odd); the rest is the file.
#include "fuzz.hpp"

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <map>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bridge::test::TempDir dir;  // the loader reads real files
  if (size < 1) return 0;
  static const bool written = [] {
    bridge::test::write_file(dir / "base.toml",
                             "version = 1\n[[listeners]]\nname = \"web\"\nbind = "
                             "\"127.0.0.1:8080\"\n[[listeners]]\nname = \"db\"\nbind = "
                             "\"127.0.0.1:5432\"\nprotocol = \"tcp\"\n[traefik]\nentrypoints = { "
                             "websecure = \"web\" }\n[[sources]]\ntype = \"traefik-file\"\npath = "
                             "\"traefik\"\n");
    bridge::test::write_file(dir / "dev.toml", "");
    return true;
  }();
  (void)written;
  const bool toml = (data[0] & 1) != 0;
  std::error_code ec;
  std::filesystem::remove_all(dir / "traefik", ec);
  const std::string file = dir / (toml ? "traefik/dynamic.toml" : "traefik/dynamic.yml");
  bridge::test::write_file(file, std::string(reinterpret_cast<const char*>(data + 1), size - 1));

  bridge::config::LoadOptions options;
  options.profile = "dev";
  options.config_dir = dir.path();
  options.environment_for_test = std::map<std::string, std::string>{};
  auto config = bridge::config::load(options);
  if (!config) {
    const bridge::Error& e = config.error();
    BRIDGE_FUZZ_CHECK(!e.message.empty());
    BRIDGE_FUZZ_CHECK(e.where.source.empty() || e.where.source == file ||
                      e.where.source == dir / "base.toml" ||
                      e.where.source.starts_with("<default"));
    if (e.where.has_position()) (void)bridge::config::source_line(e.where);
    return 0;
  }
  for (const auto& route : config->routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& route : config->tcp_routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& upstream : config->upstreams)
    BRIDGE_FUZZ_CHECK(upstream.weights.empty() ||
                      upstream.weights.size() == upstream.targets.size());
  for (const auto& warning : config->warnings)
    BRIDGE_FUZZ_CHECK(!warning.message.empty() && warning.where.source == file);
  for (const auto& upstream : config->upstreams)
    BRIDGE_FUZZ_CHECK(upstream.name.find('@') != std::string::npos);
  for (const auto& m : config->middlewares)
    BRIDGE_FUZZ_CHECK(m.name.find('@') != std::string::npos);
  return 0;
}
