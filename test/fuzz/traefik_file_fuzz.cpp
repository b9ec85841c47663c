// Traefik's file provider as `[[sources]] type = "traefik-file"` reads it (core/config): a YAML
// (yaml-cpp into the provenance tree) or TOML dynamic configuration, imported as routes,
// TCP routes, upstreams (weighted ones too) and middlewares and checked by the profile
// decoders; what bridge cannot honour is a warning pointing into the file. Every error must point
// into a file that exists (the Traefik file or the profile), and every imported name must be
// provider-qualified.
//
// Input: byte 0 picks YAML (even) or TOML (odd); the rest is the file.
#include "source_profile.hpp"

#include <filesystem>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& dir = bridge::fuzz::source_profile_dir(
      "version = 1\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:8080\"\n[[listeners]]\n"
      "name = \"db\"\nbind = \"127.0.0.1:5432\"\nprotocol = \"tcp\"\n[traefik]\nentrypoints = { "
      "websecure = \"web\" }\n[[sources]]\ntype = \"traefik-file\"\npath = \"traefik\"\n");
  const bool toml = (data[0] & 1) != 0;
  std::error_code ec;
  std::filesystem::remove_all(dir / "traefik", ec);
  const std::string file = dir / (toml ? "traefik/dynamic.toml" : "traefik/dynamic.yml");
  bridge::test::write_file(file, std::string(reinterpret_cast<const char*>(data + 1), size - 1));

  auto config = bridge::config::load(bridge::fuzz::dev_profile(dir));
  if (!config) {
    bridge::fuzz::check_error(config.error(), [&](const std::string& source) {
      return source.empty() || source == file || source == dir / "base.toml" ||
             source.starts_with("<default");
    });
    return 0;
  }
  bridge::fuzz::check_qualified(*config);
  for (const auto& upstream : config->upstreams)
    BRIDGE_FUZZ_CHECK(upstream.weights.empty() ||
                      upstream.weights.size() == upstream.targets.size());
  for (const auto& warning : config->warnings)
    BRIDGE_FUZZ_CHECK(!warning.message.empty() && warning.where.source == file);
  return 0;
}
