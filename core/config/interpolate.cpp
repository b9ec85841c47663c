#include "config/detail/layer.hpp"

#include <cctype>

namespace bridge::config::detail {
namespace {

bool valid_variable(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

class Interpolator {
 public:
  Interpolator(const LoadOptions& options, const Sources& sources)
      : options_(options), sources_(sources) {}

  Result<void> walk(Node& node) {
    if (node.is(Kind::String) && from_file(node)) return expand(node);
    for (Node& item : node.items) BRIDGE_TRY(walk(item));
    for (Entry& e : node.entries) BRIDGE_TRY(walk(e.value));
    return {};
  }

 private:
  // --set and env overrides were already expanded by the shell that passed them.
  static bool from_file(const Node& node) {
    return node.origin.source != "--set" && !node.origin.source.starts_with("env:");
  }

  // The number of digits of a "${123}" at `at`; 0 when there is none.
  static size_t group_reference(const std::string& in, size_t at) {
    if (in.compare(at, 2, "${") != 0) return 0;
    size_t end = at + 2;
    while (end < in.size() && in[end] >= '0' && in[end] <= '9') ++end;
    return end > at + 2 && end < in.size() && in[end] == '}' ? end - at - 2 : 0;
  }

  Result<void> expand(Node& node) {
    const std::string& in = node.text;
    if (in.find('$') == std::string::npos) return {};
    std::string out;
    for (size_t i = 0; i < in.size();) {
      if (in.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
      } else if (size_t digits = group_reference(in, i); digits > 0) {
        // ${1}: a regex group in a replacement (Traefik's redirectRegex, replacePathRegex),
        // never a variable (those start with a letter or _): kept as written.
        out.append(in, i, digits + 3);
        i += digits + 3;
      } else if (in.compare(i, 2, "${") == 0) {
        size_t close = in.find('}', i + 2);
        if (close == std::string::npos)
          return sources_.error_at("unterminated \"${\" in string", node,
                                   "close it with \"}\", or write \"$${\" for a literal \"${\"");
        auto value = lookup(std::string_view(in).substr(i + 2, close - i - 2), node);
        BRIDGE_TRY(value);
        out += *value;
        i = close + 1;
      } else {
        out += in[i++];
      }
    }
    node.text = std::move(out);
    return {};
  }

  // `reference` is what stands between "${" and "}": NAME or NAME:-default.
  Result<std::string> lookup(std::string_view reference, const Node& node) const {
    auto sep = reference.find(":-");
    std::string_view name = reference.substr(0, sep);
    if (!valid_variable(name))
      return sources_.error_at("invalid variable name \"" + std::string(name) + "\" in \"${" +
                                   std::string(reference) + "}\"",
                               node,
                               "names use letters, digits and '_'; write \"$${\" for a literal "
                               "\"${\"");
    std::optional<std::string> value;
    if (options_.use_environment) value = getenv_for(options_, name);
    if (sep != std::string_view::npos) {  // like the shell: the default also covers ""
      if (!value || value->empty()) return std::string(reference.substr(sep + 2));
      return *value;
    }
    if (!value) {
      std::string n(name);
      return sources_.error_at("environment variable \"" + n + "\" is not set", node,
                               "export " + n + "=... or write ${" + n + ":-default}");
    }
    return *value;
  }

  const LoadOptions& options_;
  const Sources& sources_;
};

}  // namespace

Result<void> interpolate(Node& document, const LoadOptions& options, const Sources& sources) {
  return Interpolator(options, sources).walk(document);
}

}  // namespace bridge::config::detail
