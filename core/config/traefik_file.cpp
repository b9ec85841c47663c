// type = "traefik-file" (detail/traefik_providers.hpp): Traefik's file provider is already
// Traefik's dynamic configuration, TOML or YAML; and what every provider shares: reading
// files, warnings, Traefik's name normalization.
#include "config/detail/toml.hpp"
#include "config/detail/traefik_providers.hpp"
#include "config/detail/yaml.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bridge::config::detail {

namespace fs = std::filesystem;

std::vector<std::string> files_of(const std::string& path,
                                  const std::vector<std::string>& extensions) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() &&
        std::find(extensions.begin(), extensions.end(), ext) != extensions.end())
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> read_source_file(ProviderContext& context, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in)
    return context.sources.error(context.at + ".path: cannot read " + detail::quoted(file),
                                 context.source.find("path")->origin,
                                 context.source.find("path")->span);
  context.sources.add(file, text.str());
  context.files.push_back(file);
  context.texts.push_back(text.str());
  return text.str();
}

std::optional<Origin> template_at(std::string_view text, const std::string& file) {
  const size_t at = text.find("{{");
  if (at == std::string_view::npos) return std::nullopt;
  const auto line = static_cast<size_t>(std::count(text.begin(), text.begin() + at, '\n'));
  const size_t column = at - (line == 0 ? 0 : text.rfind('\n', at) + 1);
  return Origin{file, static_cast<int>(line + 1), static_cast<int>(column + 1)};
}

std::string traefik_normalize(std::string_view name) {
  std::string out;
  bool separate = false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || u >= 0x80) {
      if (separate && !out.empty()) out += '-';
      separate = false;
      out += c;
    } else {
      separate = true;
    }
  }
  return out;
}

void cannot_honour(ProviderContext& context, std::string message, const Origin& where, int span,
                   std::string hint) {
  Error warning = context.sources.error(std::move(message), where, span, std::move(hint));
  context.warnings.push_back(std::move(warning));
}

Result<std::vector<Dynamic>> file_provider(ProviderContext& context) {
  std::vector<Dynamic> out;
  for (const std::string& file : files_of(context.path, {".toml", ".yaml", ".yml"})) {
    auto text = read_source_file(context, file);
    BRIDGE_TRY(text);
    // Traefik renders a file provider's Go templates; bridge reads files as they are.
    if (auto at = template_at(*text, file))
      return context.sources.error(
          "a Go template: bridge reads Traefik's files as they are, without rendering them", *at, 2,
          "render it first (e.g. with the values your deployment uses) and name the result");
    auto document = file.ends_with(".toml") ? parse_document(*text, file, context.sources)
                                            : parse_yaml_document(*text, file, context.sources);
    BRIDGE_TRY(document);
    out.push_back(Dynamic{"file", std::move(*document), {}, {}});
  }
  return out;
}

}  // namespace bridge::config::detail
