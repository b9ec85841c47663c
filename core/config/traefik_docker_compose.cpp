// docker-labels (detail/traefik_docker.hpp): the compose files as docker compose reads them:
// where they are (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml and the
// override file beside it), `${VAR}` interpolated from the environment over the project's .env,
// each service's labels (a mapping or a list of "key=value") with where each key and value was
// written, and its container ports (`ports:` short and long syntax, `expose:`).
#include "config/detail/source.hpp"
#include "config/detail/traefik_docker.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <functional>

namespace bridge::config::detail {

namespace {

namespace fs = std::filesystem;

using Lookup = std::function<std::optional<std::string>(const std::string&)>;

constexpr const char* compose_names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
                                         "docker-compose.yaml"};
constexpr const char* override_names[] = {"compose.override.yml", "compose.override.yaml",
                                          "docker-compose.override.yml",
                                          "docker-compose.override.yaml"};

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Compose's interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error},
// ${VAR?error}, ${VAR:+alt}, ${VAR+alt}; defaults may hold more of them. Unset is "".
Result<std::string> interpolate(ProviderContext& context, std::string_view text, const Lookup& env,
                                const Origin& where, int span) {
  auto bad = [&](std::string why) {
    return context.sources.error(std::move(why), where, span,
                                 "compose reads ${VAR}, ${VAR:-default} and $$ for a '$'");
  };
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i++];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (text[i + 1] != '{') {
      size_t end = i + 1;
      while (end < text.size() && is_name_char(text[end])) ++end;
      if (end == i + 1) {
        out += text[i++];
        continue;
      }
      out += env(std::string(text.substr(i + 1, end - i - 1))).value_or("");
      i = end;
      continue;
    }
    size_t depth = 1, end = i + 2;
    for (; end < text.size() && depth > 0; ++end) {
      if (text[end] == '{') ++depth;
      if (text[end] == '}') --depth;
    }
    if (depth != 0) return bad("invalid interpolation: \"${\" without its \"}\"");
    const std::string_view body = text.substr(i + 2, end - i - 3);
    size_t name_end = 0;
    while (name_end < body.size() && is_name_char(body[name_end])) ++name_end;
    if (name_end == 0) return bad("invalid interpolation: " + std::string(text.substr(i, end - i)));
    const std::string name(body.substr(0, name_end));
    std::string_view op = body.substr(name_end);
    const auto value = env(name);
    const bool colon = op.starts_with(':');
    if (colon) op.remove_prefix(1);
    const bool set = value.has_value() && (!colon || !value->empty());
    if (op.empty() && !colon) {
      out += value.value_or("");
    } else if (op.starts_with('-') || op.starts_with('+')) {
      const bool use_other = op.starts_with('-') ? !set : set;
      if (use_other) {
        auto other = interpolate(context, op.substr(1), env, where, span);
        BRIDGE_TRY(other);
        out += *other;
      } else if (op.starts_with('-')) {
        out += *value;
      }
    } else if (op.starts_with('?')) {
      if (!set)
        return bad("required variable " + name +
                   " is missing a value: " + std::string(op.substr(1)));
      out += *value;
    } else {
      return bad("invalid interpolation: " + std::string(text.substr(i, end - i)));
    }
    i = end;
  }
  return out;
}

Origin origin_of(const YAML::Mark& mark, const std::string& file) {
  return Origin{file, mark.line + 1, mark.column + 1};
}

// Where a scalar's text starts: past its opening quote.
Origin text_origin(const YAML::Node& node, const std::string& file) {
  Origin o = origin_of(node.Mark(), file);
  if (node.Tag() == "!") ++o.column;
  return o;
}

int span_of(std::string_view text) { return std::max(1, static_cast<int>(text.size())); }

// Container ports of one `ports:` or `expose:` entry, tcp only; a range gives each of its ports
// (at most a few: they only count and name).
void container_ports(std::string spec, std::vector<int>& out) {
  if (const size_t slash = spec.find('/'); slash != std::string::npos) {
    if (spec.substr(slash + 1) != "tcp") return;
    spec.resize(slash);
  }
  if (const size_t colon = spec.rfind(':'); colon != std::string::npos)
    spec = spec.substr(colon + 1);
  int first = 0, last = 0;
  const size_t dash = spec.find('-');
  const std::string from = spec.substr(0, dash);
  const std::string to = dash == std::string::npos ? from : spec.substr(dash + 1);
  auto [e1, c1] = std::from_chars(from.data(), from.data() + from.size(), first);
  auto [e2, c2] = std::from_chars(to.data(), to.data() + to.size(), last);
  if (c1 != std::errc() || c2 != std::errc() || e1 != from.data() + from.size() ||
      e2 != to.data() + to.size())
    return;
  for (int p = first; p <= last && p <= 65535 && p - first < 16; ++p)
    if (p > 0 && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
}

class ComposeReader {
 public:
  explicit ComposeReader(ProviderContext& context) : context_(context) {}

  // The compose file `path` names, or the one compose finds in the directory `path`, with the
  // override file beside it.
  Result<std::vector<std::string>> files() const {
    std::error_code ec;
    if (!fs::is_directory(context_.path, ec)) return std::vector<std::string>{context_.path};
    std::vector<std::string> out;
    for (const char* name : compose_names)
      if (fs::is_regular_file(fs::path(context_.path) / name, ec)) {
        out.push_back((fs::path(context_.path) / name).string());
        break;
      }
    const Node* path = context_.source.find("path");
    if (out.empty())
      return context_.sources.error(context_.at + ".path: no compose file in " +
                                        detail::quoted(context_.path),
                                    path->origin, path->span,
                                    "compose files are named compose.yaml, compose.yml, "
                                    "docker-compose.yml or docker-compose.yaml; or name the file");
    for (const char* name : override_names)
      if (fs::is_regular_file(fs::path(context_.path) / name, ec)) {
        out.push_back((fs::path(context_.path) / name).string());
        break;
      }
    return out;
  }

  Result<void> read(const std::string& file) {
    auto text = read_source_file(context_, file);
    BRIDGE_TRY(text);
    try {
      const YAML::Node document = YAML::Load(*text);
      if (!document.IsDefined() || document.IsNull()) return {};
      if (!document.IsMap())
        return context_.sources.error("expected a mapping at the top of the compose file",
                                      origin_of(document.Mark(), file));
      if (const YAML::Node name = document["name"]; name && name.IsScalar()) {
        auto value = interpolate(context_, name.Scalar(), env_, text_origin(name, file),
                                 span_of(name.Scalar()));
        BRIDGE_TRY(value);
        name_ = *value;
      }
      const YAML::Node services = document["services"];
      if (!services || services.IsNull()) return {};
      if (!services.IsMap())
        return context_.sources.error("services: expected a mapping of services",
                                      origin_of(services.Mark(), file));
      for (const auto& pair : services) BRIDGE_TRY(service(pair.first, pair.second, file));
      return {};
    } catch (const YAML::Exception& e) {
      return context_.sources.error("invalid YAML: " + e.msg, origin_of(e.mark, file));
    }
  }

  // The project's .env: read before the files, as compose does.
  Result<void> read_dotenv(const std::string& dir) {
    const std::string file = (fs::path(dir) / ".env").string();
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return {};
    auto text = read_source_file(context_, file);
    BRIDGE_TRY(text);
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(start, end - start);
      start = end + 1;
      if (line.starts_with("export ")) line.erase(0, 7);
      const size_t eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
        value = value.substr(1, value.size() - 2);
      dotenv_[line.substr(0, line.find_last_not_of(' ', eq - 1) + 1)] = value;
    }
    return {};
  }

  const std::string& name() const { return name_; }
  std::vector<LabelledService>& services() { return services_; }
  const Lookup& env() const { return env_; }

 private:
  Result<void> service(const YAML::Node& key, const YAML::Node& body, const std::string& file) {
    const std::string& name = key.Scalar();
    auto it = std::find_if(services_.begin(), services_.end(),
                           [&](const LabelledService& s) { return s.name == name; });
    if (it == services_.end()) {
      services_.push_back(LabelledService{name, text_origin(key, file), {}, {}, {}});
      it = services_.end() - 1;
    }
    if (!body.IsMap()) return {};
    if (const YAML::Node labels = body["labels"]; labels && !labels.IsNull()) {
      if (labels.IsMap()) {
        for (const auto& pair : labels) BRIDGE_TRY(map_label(pair.first, pair.second, file, *it));
      } else if (labels.IsSequence()) {
        for (const auto& item : labels) BRIDGE_TRY(list_label(item, file, *it));
      } else {
        return context_.sources.error("services." + name + ".labels: expected a mapping or a list",
                                      origin_of(labels.Mark(), file));
      }
    }
    for (const char* key_name : {"ports", "expose"}) {
      const YAML::Node list = body[key_name];
      if (!list || !list.IsSequence()) continue;
      for (const auto& port : list) {
        if (port.IsScalar()) {
          auto spec = interpolate(context_, port.Scalar(), env_, text_origin(port, file),
                                  span_of(port.Scalar()));
          BRIDGE_TRY(spec);
          container_ports(*spec, it->ports);
        } else if (port.IsMap() && port["target"] && port["target"].IsScalar()) {
          const std::string protocol = port["protocol"] && port["protocol"].IsScalar()
                                           ? port["protocol"].Scalar()
                                           : std::string("tcp");
          container_ports(port["target"].Scalar() + "/" + protocol, it->ports);
        }
      }
    }
    return {};
  }

  // A later file's label replaces an earlier one's (compose merges labels by key).
  void add(LabelledService& service, Label label) {
    std::erase_if(service.labels, [&](const Label& l) { return l.key == label.key; });
    service.labels.push_back(std::move(label));
  }

  Result<void> map_label(const YAML::Node& key, const YAML::Node& value, const std::string& file,
                         LabelledService& service) {
    Label label;
    label.key = key.Scalar();
    label.origin = text_origin(key, file);
    label.span = span_of(label.key);
    label.value_origin = label.origin;
    if (value.IsScalar()) {
      label.value_origin = text_origin(value, file);
      auto text =
          interpolate(context_, value.Scalar(), env_, label.value_origin, span_of(value.Scalar()));
      BRIDGE_TRY(text);
      label.value = *text;
    } else if (!value.IsNull()) {
      return context_.sources.error("label " + label.key + ": expected a string",
                                    origin_of(value.Mark(), file));
    }
    label.value_span = span_of(label.value);
    add(service, std::move(label));
    return {};
  }

  Result<void> list_label(const YAML::Node& item, const std::string& file,
                          LabelledService& service) {
    if (!item.IsScalar())
      return context_.sources.error("services." + service.name +
                                        ".labels: expected \"key=value\" strings",
                                    origin_of(item.Mark(), file));
    const Origin at = text_origin(item, file);
    auto text = interpolate(context_, item.Scalar(), env_, at, span_of(item.Scalar()));
    BRIDGE_TRY(text);
    const size_t eq = text->find('=');
    Label label;
    label.key = text->substr(0, eq);
    label.value = eq == std::string::npos ? std::string() : text->substr(eq + 1);
    label.origin = at;
    label.span = span_of(label.key);
    label.value_origin = at;
    // Columns past the '=' hold when the item was written as it reads (no $ or escapes).
    if (eq != std::string::npos && item.Scalar() == *text)
      label.value_origin.column += static_cast<int>(eq) + 1;
    label.value_span = span_of(label.value);
    add(service, std::move(label));
    return {};
  }

  ProviderContext& context_;
  std::string name_;
  std::vector<LabelledService> services_;
  std::map<std::string, std::string> dotenv_;
  // The process environment (when the load reads it) over the project's .env.
  Lookup env_ = [this](const std::string& name) -> std::optional<std::string> {
    if (context_.options.use_environment || context_.options.environment_for_test)
      if (auto value = getenv_for(context_.options, name)) return value;
    auto it = dotenv_.find(name);
    if (it == dotenv_.end()) return std::nullopt;
    return it->second;
  };
};

}  // namespace

Result<ComposeFiles> read_compose_files(ProviderContext& context) {
  ComposeReader reader(context);
  auto files = reader.files();
  BRIDGE_TRY(files);
  BRIDGE_TRY(reader.read_dotenv(fs::path(files->front()).parent_path().string()));
  for (const std::string& file : *files) BRIDGE_TRY(reader.read(file));
  ComposeFiles out;
  out.first = files->front();
  out.name = reader.name();
  out.name_from_environment = reader.env()("COMPOSE_PROJECT_NAME").value_or("");
  out.services = std::move(reader.services());
  return out;
}

}  // namespace bridge::config::detail
