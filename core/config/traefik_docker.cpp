// type = "docker-labels" (detail/traefik_providers.hpp): the traefik.* labels of a compose
// project's services, read as Traefik's docker provider reads its containers' labels. The
// compose files are read as docker compose reads them (traefik_docker_compose.cpp). Where
// LoadOptions::container_labels answers, a running container's labels win over its service's
// in the files: that is what Traefik would see. traefik_docker_labels.cpp applies Traefik's
// defaults per service; here the services' configurations are merged as Traefik merges its
// containers' (pkg/provider/configuration.go Merge).
#include "config/detail/traefik_docker.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace bridge::config::detail {

namespace {

namespace fs = std::filesystem;

int span_of(std::string_view text) { return std::max(1, static_cast<int>(text.size())); }

// compose's NormalizeProjectName: lowercase, only [a-z0-9_-], no leading '-' or '_'.
std::string normalize_project(std::string_view name) {
  std::string out;
  for (char c : name) {
    c = ascii_lower(c);
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') out += c;
  }
  const size_t start = out.find_first_not_of("-_");
  return start == std::string::npos ? std::string() : out.substr(start);
}

Result<LabelProject> project_of(ProviderContext& context, const ComposeFiles& compose) {
  if (const Node* project = context.source.find("project")) {
    if (!project->is(Kind::String) || project->text.empty())
      return context.sources.error(context.at + ".project: expected a compose project name",
                                   project->origin, project->span, "e.g. project = \"shop\"");
    return LabelProject{project->text, true};
  }
  // As compose names it: COMPOSE_PROJECT_NAME, the top-level `name:`, the directory's name.
  std::string name;
  if (!compose.name_from_environment.empty())
    name = normalize_project(compose.name_from_environment);
  else if (!compose.name.empty())
    name = normalize_project(compose.name);
  else
    name = normalize_project(
        fs::absolute(fs::path(compose.first)).lexically_normal().parent_path().filename().string());
  if (name.empty()) {
    const Node* path = context.source.find("path");
    return context.sources.error(context.at + ": cannot tell the compose project's name",
                                 path->origin, path->span, "name it: project = \"NAME\"");
  }
  return LabelProject{name, false};
}

// Running containers' labels replace their services' (the first container of a scaled service
// stands for it); a service that runs but is not in the files is read too.
void use_containers(ProviderContext& context, const LabelProject& project,
                    std::vector<LabelledService>& services) {
  if (!context.options.container_labels) return;
  auto running = context.options.container_labels(project.name);
  if (!running) return;  // no engine: the files alone
  std::vector<ContainerLabels> containers = std::move(*running);
  std::sort(containers.begin(), containers.end(),
            [](const ContainerLabels& a, const ContainerLabels& b) { return a.name < b.name; });
  std::set<std::string> seen;
  for (const ContainerLabels& c : containers) {
    if (c.service.empty() || !seen.insert(c.service).second) continue;
    auto it = std::find_if(services.begin(), services.end(),
                           [&](const LabelledService& s) { return s.name == c.service; });
    if (it == services.end()) {
      services.push_back(LabelledService{c.service, {}, {}, {}, {}});
      it = services.end() - 1;
    }
    const Origin where{"container " + c.name, 0, 0};
    it->origin = where;
    it->container = c.name;
    it->labels.clear();
    std::string text = "container " + c.name + "\n";
    for (const auto& [key, value] : c.labels) {
      it->labels.push_back(Label{key, value, where, span_of(key), where, span_of(value)});
      text += key + "=" + value + "\n";
    }
    context.texts.push_back(std::move(text));  // a changed label changes the config's hash
  }
}

std::string qualified(const std::string& name) {
  return name.find('@') == std::string::npos ? name + "@docker" : name;
}

// Traefik's Merge over containers: one definition of a name, or several equal ones (a
// service's servers are joined); different ones are an error.
class Merger {
 public:
  explicit Merger(ProviderContext& context) : context_(context) {}

  Result<void> add(const ServiceDynamic& part, const LabelledService& service) {
    for (const Entry& top : part.config.entries) {
      Node& into = section(out_, top.key, top.key_origin);
      for (const Entry& kind : top.value.entries) {
        Node& names = section(into, kind.key, kind.key_origin);
        for (const Entry& e : kind.value.entries)
          BRIDGE_TRY(merge(names, e, top.key + "." + kind.key, service.name));
      }
    }
    for (const auto& [name, text] : part.described) described_[qualified(name)] = text;
    for (const auto& [name, protocol] : part.protocols) protocols_[qualified(name)] = protocol;
    return {};
  }

  Dynamic finish() { return Dynamic{"docker", std::move(out_), described_, protocols_}; }

 private:
  static Node& section(Node& parent, const std::string& key, const Origin& origin) {
    if (Node* n = parent.find(key)) return *n;
    Entry e;
    e.key = key;
    e.key_origin = origin;
    e.value.origin = origin;
    parent.entries.push_back(std::move(e));
    return parent.entries.back().value;
  }

  Result<void> merge(Node& names, const Entry& e, const std::string& path,
                     const std::string& service) {
    const std::string id = path + "." + e.key;
    Node* existing = names.find(e.key);
    if (existing == nullptr) {
      names.entries.push_back(e);
      owners_[id] = service;
      return {};
    }
    if (render(*existing) == render(e.value)) return {};
    if (path.ends_with(".services") && joined(*existing, e.value)) return {};
    return context_.sources.error(
        id + ": written differently by compose services " + detail::quoted(owners_[id]) + " and " +
            detail::quoted(service),
        e.key_origin, e.key_span,
        "Traefik drops both; give one of them another name, or the same labels");
  }

  // Two services of one name with the same load balancer but for their servers: one service
  // over both (as Traefik's AddService).
  static bool joined(Node& existing, const Node& other) {
    Node* lb = existing.find("loadBalancer");
    const Node* other_lb = other.find("loadBalancer");
    if (lb == nullptr || other_lb == nullptr || existing.entries.size() != 1 ||
        other.entries.size() != 1)
      return false;
    auto without_servers = [](Node n) {
      std::erase_if(n.entries, [](const Entry& e) { return e.key == "servers"; });
      return render(n);
    };
    if (without_servers(*lb) != without_servers(*other_lb)) return false;
    Node* servers = lb->find("servers");
    const Node* more = other_lb->find("servers");
    if (servers == nullptr || more == nullptr) return false;
    for (const Node& s : more->items)
      if (std::none_of(servers->items.begin(), servers->items.end(),
                       [&](const Node& have) { return render(have) == render(s); }))
        servers->items.push_back(s);
    return true;
  }

  ProviderContext& context_;
  Node out_;
  std::map<std::string, std::string> owners_;  // "http.routers.api" -> compose service
  std::map<std::string, std::string> described_;
  std::map<std::string, std::string> protocols_;
};

}  // namespace

Result<std::vector<Dynamic>> docker_labels_provider(ProviderContext& context) {
  auto compose = read_compose_files(context);
  BRIDGE_TRY(compose);
  auto project = project_of(context, *compose);
  BRIDGE_TRY(project);
  if (std::find(context.label_projects.begin(), context.label_projects.end(), project->name) ==
      context.label_projects.end())
    context.label_projects.push_back(project->name);
  use_containers(context, *project, compose->services);
  Merger merger(context);
  for (const LabelledService& service : compose->services) {
    auto part = service_dynamic(context, service, *project);
    BRIDGE_TRY(part);
    if (*part) BRIDGE_TRY(merger.add(**part, service));
  }
  std::vector<Dynamic> out;
  out.push_back(merger.finish());
  return out;
}

}  // namespace bridge::config::detail
