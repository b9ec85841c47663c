#include "config/detail/layer.hpp"
#include "config/detail/toml.hpp"

#include <algorithm>
#include <map>

namespace bridge::config::detail {
namespace {

struct Loaded {
  std::string path;
  std::string text;
  Node document;
};

// Reads profile files from one source and resolves the extends chain.
class Loader {
 public:
  Loader(const ConfigSource& source, Sources& sources) : source_(source), sources_(sources) {}

  // `extends` is allowed only in <profile>.toml files, not in base or .local files.
  Result<Loaded> read(const std::string& file, bool profile_file) {
    auto text = source_.read(file);
    std::string path = source_.path_of(file);
    if (!text) return Error::config("cannot read " + path);
    sources_.add(path, *text);
    auto document = parse_document(*text, path, sources_);
    BRIDGE_TRY(document);
    BRIDGE_TRY(check_named_entries(*document, sources_));
    if (!profile_file)
      for (const Entry& e : document->entries)
        if (e.key == "extends")
          return sources_.error("\"extends\" only works in a <profile>.toml file", e.key_origin,
                                e.key_span,
                                file + " is layered without it; move it to the profile");
    return Loaded{path, std::move(*text), std::move(*document)};
  }

  // Appends `name`'s ancestors, then `name` itself, to `out`.
  Result<void> chain(const std::string& name, std::vector<std::string> stack, const Node* via,
                     std::vector<Loaded>& out) {
    stack.push_back(name);
    if (std::count(stack.begin(), stack.end(), name) > 1)
      return sources_.error_at("extends cycle: " + join(stack, " -> "), *via,
                               "a profile cannot extend itself, directly or through others");
    if (!valid_name(name))
      return error_at(via, "invalid profile name \"" + name + "\"",
                      "profile names use letters, digits, '-' and '_'");
    if (!source_.has(name + ".toml")) return unknown_profile(name, via);
    auto loaded = read(name + ".toml", true);
    BRIDGE_TRY(loaded);
    auto& entries = loaded->document.entries;
    auto ext = std::find_if(entries.begin(), entries.end(),
                            [](const Entry& e) { return e.key == "extends"; });
    if (ext != entries.end()) {
      if (!ext->value.is(Kind::String))
        return sources_.error_at("extends: expected a string, got " +
                                     std::string(kind_name(ext->value.kind)),
                                 ext->value, "write extends = \"base-profile-name\"");
      BRIDGE_TRY(chain(ext->value.text, stack, &ext->value, out));
      entries.erase(ext);
    }
    out.push_back(std::move(*loaded));
    return {};
  }

 private:
  Error error_at(const Node* via, std::string message, std::string hint) const {
    if (via != nullptr) return sources_.error_at(std::move(message), *via, std::move(hint));
    return Error::config(std::move(message), {}, std::move(hint));
  }

  Error unknown_profile(const std::string& name, const Node* via) const {
    auto names = source_.profiles();
    std::string available = names.empty() ? "no profiles there" : "available: " + join(names);
    std::string hint = suggest(name, names);
    hint = hint.empty() ? available : hint + " " + available;
    return error_at(via,
                    "unknown profile \"" + name + "\" (no " + name + ".toml in " +
                        source_.describe() + ")",
                    std::move(hint));
  }

  const ConfigSource& source_;
  Sources& sources_;
};

}  // namespace

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

Result<Layers> load_layers(const ConfigSource& source, const std::string& profile,
                           Sources& sources) {
  Loader loader(source, sources);
  std::vector<Loaded> order;
  if (source.has("base.toml")) {
    auto base = loader.read("base.toml", false);
    BRIDGE_TRY(base);
    order.push_back(std::move(*base));
  }
  // A base.toml alone is a complete config for the default profile.
  bool base_alone = profile == "dev" && !order.empty() && !source.has("dev.toml");
  if (!base_alone) BRIDGE_TRY(loader.chain(profile, {}, nullptr, order));
  if (std::string local = profile + ".local.toml"; source.has(local)) {
    auto loaded = loader.read(local, false);
    BRIDGE_TRY(loaded);
    order.push_back(std::move(*loaded));
  }
  Layers layers;
  for (auto& layer : order) {
    layers.files.push_back(std::move(layer.path));
    layers.texts.push_back(std::move(layer.text));
    merge_document(layers.tree, std::move(layer.document));
  }
  return layers;
}

Result<void> check_named_entries(const Node& document, const Sources& sources) {
  for (const Entry& e : document.entries) {
    if (!is_named_array(e.key)) continue;
    const Node& array = e.value;
    std::string context = "[[" + e.key + "]]";
    bool tables =
        array.is(Kind::Array) && std::all_of(array.items.begin(), array.items.end(),
                                             [](const Node& n) { return n.is(Kind::Table); });
    if (!tables)
      return sources.error_at(e.key + ": expected an array of tables (" + context + "), got " +
                                  std::string(kind_name(array.kind)),
                              array, "write each entry under its own " + context + " header");
    std::map<std::string, const Node*> seen;
    for (size_t i = 0; i < array.items.size(); ++i) {
      const Node& item = array.items[i];
      const Node* name = item.find("name");
      if (name == nullptr)
        return sources.error_at(context + " entry has no \"name\"", item,
                                "add name = \"...\"; entries merge across profiles by name");
      if (!name->is(Kind::String))
        return sources.error_at(e.key + "[" + std::to_string(i) +
                                    "].name: expected a string, got " +
                                    std::string(kind_name(name->kind)),
                                *name);
      if (!valid_name(name->text))
        return sources.error_at("invalid name \"" + name->text + "\" in " + context, *name,
                                "names use letters, digits, '-' and '_'");
      if (auto [it, fresh] = seen.emplace(name->text, name); !fresh)
        return sources.error_at("duplicate name \"" + name->text + "\" in " + context, *name,
                                "the first is at " + it->second->origin.str() +
                                    "; names are unique within a file");
      if (const Node* enabled = item.find("enabled"); enabled && !enabled->is(Kind::Boolean))
        return sources.error_at(e.key + "." + name->text + ".enabled: expected a boolean, got " +
                                    std::string(kind_name(enabled->kind)),
                                *enabled);
    }
  }
  return {};
}

}  // namespace bridge::config::detail
