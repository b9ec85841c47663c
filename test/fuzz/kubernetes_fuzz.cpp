// Kubernetes manifests as `[[sources]] type = "kubernetes"` reads them (core/config): YAML
// documents (IngressRoute, IngressRouteTCP, Middleware, TraefikService, Ingress, Service,
// Secret, kubectl's List) read into Traefik's dynamic configuration, imported as routes,
// upstreams and middlewares and checked by the profile decoders. Every error must point into a
// file that exists (the manifest or the profile), and every imported name must be
// provider-qualified.
//
// Input: the manifest file.
#include "source_profile.hpp"

#include <filesystem>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& dir = bridge::fuzz::source_profile_dir(
      "version = 1\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:8080\"\n[[listeners]]\n"
      "name = \"db\"\nbind = \"127.0.0.1:5433\"\nprotocol = \"tcp\"\n[traefik]\nentrypoints = { "
      "websecure = \"web\" }\n[[sources]]\ntype = \"kubernetes\"\npath = \"k8s\"\nnamespace = "
      "\"shop\"\n");
  std::error_code ec;
  std::filesystem::remove_all(dir / "k8s", ec);
  const std::string file = dir / "k8s/manifests.yaml";
  bridge::test::write_file(file, std::string(reinterpret_cast<const char*>(data), size));

  auto config = bridge::config::load(bridge::fuzz::dev_profile(dir));
  if (!config) {
    bridge::fuzz::check_error(config.error(), [&](const std::string& source) {
      return source.empty() || source == file || source == dir / "base.toml" ||
             source.starts_with("<default");
    });
    return 0;
  }
  for (const auto& warning : config->warnings) BRIDGE_FUZZ_CHECK(warning.where.source == file);
  bridge::fuzz::check_qualified(*config);
  return 0;
}
