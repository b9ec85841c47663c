// Kubernetes manifests as `[[sources]] type = "kubernetes"` reads them (core/config): YAML
// documents (IngressRoute, IngressRouteTCP, Middleware, TraefikService, Ingress, Service,
// Secret, kubectl's List) read into Traefik's dynamic configuration, imported as routes,
// upstreams and middlewares and checked by the profile decoders. Every error must point into a
// file that exists (the manifest or the profile), and every imported name must be
// provider-qualified.
//
// Input: the manifest file.
#include "fuzz.hpp"

#include "config/config.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <map>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bridge::test::TempDir dir;  // the loader reads real files
  static const bool written = [] {
    bridge::test::write_file(dir / "base.toml",
                             "version = 1\n[[listeners]]\nname = \"web\"\nbind = "
                             "\"127.0.0.1:8080\"\n[[listeners]]\nname = \"db\"\nbind = "
                             "\"127.0.0.1:5433\"\nprotocol = \"tcp\"\n[traefik]\nentrypoints = { "
                             "websecure = \"web\" }\n[[sources]]\ntype = \"kubernetes\"\npath = "
                             "\"k8s\"\nnamespace = \"shop\"\n");
    bridge::test::write_file(dir / "dev.toml", "");
    return true;
  }();
  (void)written;
  std::error_code ec;
  std::filesystem::remove_all(dir / "k8s", ec);
  const std::string file = dir / "k8s/manifests.yaml";
  bridge::test::write_file(file, std::string(reinterpret_cast<const char*>(data), size));

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
  for (const auto& warning : config->warnings) BRIDGE_FUZZ_CHECK(warning.where.source == file);
  for (const auto& route : config->routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& route : config->tcp_routes)
    BRIDGE_FUZZ_CHECK(route.name.find('@') != std::string::npos);
  for (const auto& upstream : config->upstreams)
    BRIDGE_FUZZ_CHECK(upstream.name.find('@') != std::string::npos);
  for (const auto& m : config->middlewares)
    BRIDGE_FUZZ_CHECK(m.name.find('@') != std::string::npos);
  return 0;
}
