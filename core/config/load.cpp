#include "config/detail/decode.hpp"
#include "config/detail/layer.hpp"
#include "config/detail/source.hpp"
#include "config/detail/traefik.hpp"

#include <openssl/evp.h>

#include <memory>

namespace bridge::config {
namespace {

using namespace detail;

std::string resolve_profile(const LoadOptions& options) {
  if (!options.profile.empty()) return options.profile;
  if (options.use_environment)
    if (auto profile = getenv_for(options, "BRIDGE_PROFILE"); profile && !profile->empty())
      return *profile;
  return "dev";
}

// What the config was made of, so a reload (or a pod) can tell whether anything changed.
std::string sha256_hex(const std::vector<std::string>& parts) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  for (const auto& part : parts)  // the NUL keeps ("ab", "c") apart from ("a", "bc")
    ok = ok && EVP_DigestUpdate(ctx.get(), part.data(), part.size()) == 1 &&
         EVP_DigestUpdate(ctx.get(), "", 1) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), digest, &size) == 1;
  if (!ok) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace

Result<Config> load(const LoadOptions& options) {
  std::string profile = resolve_profile(options);
  auto source = find_source(options, profile);
  BRIDGE_TRY(source);
  Sources sources;
  auto layers = load_layers(*source, profile, sources);
  BRIDGE_TRY(layers);
  std::vector<std::string> digest = layers->texts;
  for (const Override& setting : collect_overrides(options, layers->tree)) {
    auto document = override_document(setting, sources);
    BRIDGE_TRY(document);
    BRIDGE_TRY(check_named_entries(*document, sources));
    merge_document(layers->tree, std::move(*document));
    digest.push_back(setting.text);
  }
  strip_enabled(layers->tree);
  BRIDGE_TRY(interpolate(layers->tree, options, sources));
  // [[sources]]: Traefik's own configuration, read in as routes, upstreams and middlewares.
  Imported imported{options, layers->files, digest, {}, {}, {}};
  BRIDGE_TRY(import_sources(layers->tree, sources, imported));
  if (options.strict && !imported.warnings.empty()) {
    Error first = imported.warnings.front();
    first.hint = "without --strict this is a warning and the rest is served" +
                 (first.hint.empty() ? std::string() : "; " + first.hint);
    return first;
  }

  Config config;
  config.profile = profile;
  config.files = layers->files;
  config.warnings = std::move(imported.warnings);
  config.imported = std::move(imported.routes);
  config.label_projects = std::move(imported.label_projects);
  BRIDGE_TRY(decode(layers->tree, config, sources));
  config.leaves = collect_leaves(layers->tree, config);
  config.hash = sha256_hex(digest);
  return config;
}

std::string find_config_dir(const LoadOptions& options) {
  auto source = find_source(options, resolve_profile(options));
  if (source) return source->dir();
  // An explicit dir that does not exist: report it, load() says why it fails.
  if (!options.config_dir.empty()) return options.config_dir;
  return getenv_for(options, "BRIDGE_CONFIG_DIR").value_or("");
}

}  // namespace bridge::config
