// Compose files with yaml-cpp: services, their ports (short and long syntax), override files,
// `extends`, and the project name. yaml-cpp throws; this is the one place that catches.
#include "detail/compose.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace bridge::discovery::detail {

namespace fs = std::filesystem;

namespace {

struct Extends {
  std::string service;
  std::string file;  // absolute, or "" for the same project
  Origin where;
};

struct RawService {
  ComposeService service;
  std::optional<Extends> extends;
  std::string file;  // where it was (last) defined
};

struct RawFile {
  std::string name;  // top-level name:, interpolated
  std::map<std::string, RawService> services;
};

struct FileContext {
  std::string path;
  std::string text;
  const EnvLookup* env;
  Origin at(const YAML::Node& node) const {
    auto mark = node.Mark();
    if (mark.is_null()) return Origin{path, 0, 0};
    return Origin{path, mark.line + 1, mark.column + 1};
  }
  Error error(const std::string& message, const YAML::Node& node, std::string hint = {}) const {
    Error e = Error::config(message, at(node), std::move(hint));
    e.source_line = line_of(text, e.where.line);
    return e;
  }
  Result<std::string> scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) return error(what + " must be a string or number", node);
    auto value = interpolate(node.Scalar(), *env, at(node));
    if (!value) {
      Error e = value.error();
      e.source_line = line_of(text, e.where.line);
      return e;
    }
    return *value;
  }
};

Result<PortMapping> parse_long_port(const FileContext& ctx, const YAML::Node& node) {
  PortMapping m;
  m.where = ctx.at(node);
  std::string target, published;
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    auto value = ctx.scalar(kv.second, "ports." + key);
    if (!value) return value.error();
    if (key == "target")
      target = *value;
    else if (key == "published")
      published = *value;
    else if (key == "host_ip")
      m.host_ip = *value;
    else if (key == "protocol")
      m.protocol = *value;
  }
  if (target.empty()) {
    return ctx.error("a long-syntax ports entry needs target: (the container port)", node,
                     "e.g. {target: 8080, published: \"8080\", host_ip: 127.0.0.1}");
  }
  std::string ip = m.host_ip.find(':') != std::string::npos ? "[" + m.host_ip + "]" : m.host_ip;
  std::string spec = (ip.empty() ? "" : ip + ":") + published + ":" + target + "/" + m.protocol;
  auto parsed = parse_port_spec(spec, m.where);
  if (!parsed) {
    Error e = parsed.error();
    e.source_line = line_of(ctx.text, e.where.line);
    return e;
  }
  return *parsed;
}

Result<void> parse_ports(const FileContext& ctx, const YAML::Node& node,
                         std::vector<PortMapping>& out) {
  if (!node.IsSequence()) return ctx.error("ports must be a list", node);
  for (const auto& entry : node) {
    Result<PortMapping> m = Error{};
    if (entry.IsMap()) {
      m = parse_long_port(ctx, entry);
    } else {
      auto spec = ctx.scalar(entry, "a ports entry");
      if (!spec) return spec.error();
      m = parse_port_spec(*spec, ctx.at(entry));
      if (!m) {
        Error e = m.error();
        e.source_line = line_of(ctx.text, e.where.line);
        return e;
      }
    }
    if (!m) return m.error();
    out.push_back(*m);
  }
  return {};
}

Result<RawService> parse_service(const FileContext& ctx, const std::string& name,
                                 const YAML::Node& node) {
  RawService raw;
  raw.file = ctx.path;
  raw.service.name = name;
  raw.service.where = ctx.at(node);
  if (node.IsNull()) return raw;
  if (!node.IsMap()) return ctx.error("service \"" + name + "\" must be a mapping", node);
  if (auto ports = node["ports"]; ports && !ports.IsNull()) {
    auto r = parse_ports(ctx, ports, raw.service.ports);
    if (!r) return r.error();
  }
  if (auto mode = node["network_mode"]) {
    auto v = ctx.scalar(mode, "network_mode");
    if (!v) return v.error();
    raw.service.network_mode = *v;
  }
  if (auto ext = node["extends"]) {
    Extends e;
    e.where = ctx.at(ext);
    if (ext.IsScalar()) {
      e.service = ext.Scalar();
    } else if (ext.IsMap()) {
      if (ext["service"]) {
        auto s = ctx.scalar(ext["service"], "extends.service");
        if (!s) return s.error();
        e.service = *s;
      }
      if (ext["file"]) {
        auto f = ctx.scalar(ext["file"], "extends.file");
        if (!f) return f.error();
        fs::path p(*f);
        e.file = (p.is_absolute() ? p : fs::path(ctx.path).parent_path() / p)
                     .lexically_normal()
                     .string();
      }
    }
    if (e.service.empty()) return ctx.error("extends needs service:", ext);
    raw.extends = e;
  }
  return raw;
}

Result<RawFile> parse_file(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path);
  if (!in) {
    return Error::config("cannot read compose file " + path, {},
                         "check that it exists and is readable");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  FileContext ctx{path, buffer.str(), &env};
  RawFile out;
  try {
    YAML::Node root = YAML::Load(ctx.text);
    if (root.IsNull()) return out;
    if (!root.IsMap()) return ctx.error("a compose file must be a mapping", root);
    if (auto name = root["name"]) {
      auto v = ctx.scalar(name, "name");
      if (!v) return v.error();
      out.name = *v;
    }
    auto services = root["services"];
    if (!services || services.IsNull()) return out;
    if (!services.IsMap()) return ctx.error("services must be a mapping", services);
    for (const auto& kv : services) {
      std::string name = kv.first.Scalar();
      auto svc = parse_service(ctx, name, kv.second);
      if (!svc) return svc.error();
      out.services[name] = std::move(*svc);
    }
  } catch (const YAML::Exception& e) {
    Origin where{path, e.mark.is_null() ? 0 : e.mark.line + 1,
                 e.mark.is_null() ? 0 : e.mark.column + 1};
    Error err = Error::config("invalid YAML: " + e.msg, where);
    err.source_line = line_of(ctx.text, where.line);
    return err;
  }
  return out;
}

void add_ports(std::vector<PortMapping>& into, const std::vector<PortMapping>& more) {
  for (const auto& m : more) {
    bool seen = false;
    for (const auto& have : into) seen = seen || have == m;
    if (!seen) into.push_back(m);
  }
}

// Layers `over` on `base` the way compose merges services: ports are a union.
void merge_service(RawService& base, const RawService& over) {
  add_ports(base.service.ports, over.service.ports);
  if (!over.service.network_mode.empty()) base.service.network_mode = over.service.network_mode;
  if (over.extends) base.extends = over.extends;
  base.file = over.file;
}

Result<ComposeService> resolve_extends(const std::map<std::string, RawService>& services,
                                       const std::string& name, const EnvLookup& env, int depth);

Result<ComposeService> resolve_extends(const std::map<std::string, RawService>& services,
                                       const std::string& name, const EnvLookup& env, int depth) {
  const RawService& raw = services.at(name);
  if (!raw.extends) return raw.service;
  const Extends& ext = *raw.extends;
  if (depth > 16) return Error::config("extends chain too deep (a cycle?)", ext.where);
  Result<ComposeService> base = Error{};
  if (ext.file.empty()) {
    if (services.count(ext.service) == 0) {
      return Error::config(
          "service \"" + name + "\" extends unknown service \"" + ext.service + "\"", ext.where);
    }
    base = resolve_extends(services, ext.service, env, depth + 1);
  } else {
    auto other = parse_file(ext.file, env);
    if (!other) return other.error();
    if (other->services.count(ext.service) == 0) {
      return Error::config("service \"" + name + "\" extends \"" + ext.service + "\", which " +
                               ext.file + " does not define",
                           ext.where);
    }
    base = resolve_extends(other->services, ext.service, env, depth + 1);
  }
  if (!base) return base.error();
  ComposeService out = raw.service;
  out.ports = base->ports;
  add_ports(out.ports, raw.service.ports);
  if (out.network_mode.empty()) out.network_mode = base->network_mode;
  return out;
}

}  // namespace

Result<ComposeProject> load_compose_project(const ComposeFiles& files, const EnvMap& env) {
  auto dotenv = read_dotenv((fs::path(files.project_dir) / ".env").string());
  if (!dotenv) return dotenv.error();
  EnvMap dot = *dotenv;
  EnvLookup lookup = [&env, dot](const std::string& name) -> std::optional<std::string> {
    if (auto v = getenv_with(env, name)) return v;
    if (auto it = dot.find(name); it != dot.end()) return it->second;
    return std::nullopt;
  };

  ComposeProject project;
  project.files = files;
  std::map<std::string, RawService> merged;
  std::string top_name, top_name_file;
  for (const auto& path : files.files) {
    auto file = parse_file(path, lookup);
    if (!file) return file.error();
    if (!file->name.empty()) {
      top_name = file->name;
      top_name_file = path;
    }
    for (auto& [name, svc] : file->services) {
      auto it = merged.find(name);
      if (it == merged.end())
        merged.emplace(name, std::move(svc));
      else
        merge_service(it->second, svc);
    }
  }
  for (const auto& [name, raw] : merged) {
    auto svc = resolve_extends(merged, name, lookup, 0);
    if (!svc) return svc.error();
    project.services[name] = std::move(*svc);
  }

  if (auto env_name = lookup("COMPOSE_PROJECT_NAME"); env_name && !env_name->empty()) {
    project.name = normalize_project_name(*env_name);
    project.name_from = "COMPOSE_PROJECT_NAME";
  } else if (!top_name.empty()) {
    project.name = normalize_project_name(top_name);
    project.name_from = "name: in " + top_name_file;
  } else {
    std::string dir = fs::path(files.project_dir).filename().string();
    project.name = normalize_project_name(dir);
    project.name_from = "directory " + dir;
  }
  return project;
}

Result<ComposeProject> load_compose_project_from(const std::string& working_dir,
                                                 const EnvMap& env) {
  auto files = find_compose_files(working_dir, env);
  if (!files) return files.error();
  return load_compose_project(*files, env);
}

}  // namespace bridge::discovery::detail
