// Docker Engine API JSON (nlohmann) and query strings: pure, unit-tested with recorded output.
#include "common/url.hpp"
#include "detail/docker.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace bridge::discovery::detail {

using nlohmann::json;

namespace {

constexpr const char* project_label = "com.docker.compose.project";
constexpr const char* service_label = "com.docker.compose.service";

std::string string_at(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint16_t port_at(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return 0;
  auto v = it->get<uint64_t>();
  return v <= 65535 ? static_cast<uint16_t>(v) : 0;
}

}  // namespace

Result<std::vector<Container>> decode_containers(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return Error::runtime("the docker engine sent an unexpected /containers/json response");
  }
  std::vector<Container> out;
  for (const auto& c : doc) {
    if (!c.is_object()) continue;
    Container item;
    item.id = string_at(c, "Id");
    if (auto names = c.find("Names");
        names != c.end() && names->is_array() && !names->empty() && names->front().is_string()) {
      item.name = names->front().get<std::string>();
      if (!item.name.empty() && item.name[0] == '/') item.name.erase(0, 1);
    }
    item.state = string_at(c, "State");
    if (auto labels = c.find("Labels"); labels != c.end() && labels->is_object()) {
      item.project = string_at(*labels, project_label);
      item.service = string_at(*labels, service_label);
      std::string number = string_at(*labels, "com.docker.compose.container-number");
      item.number = number.empty() ? 0 : std::atoi(number.c_str());
      for (const auto& [key, value] : labels->items())
        if (value.is_string()) item.labels[key] = value.get<std::string>();
    }
    if (auto host = c.find("HostConfig"); host != c.end() && host->is_object()) {
      item.network_mode = string_at(*host, "NetworkMode");
    }
    if (auto ports = c.find("Ports"); ports != c.end() && ports->is_array()) {
      for (const auto& p : *ports) {
        if (!p.is_object()) continue;
        item.ports.push_back(ContainerPort{string_at(p, "IP"), port_at(p, "PrivatePort"),
                                           port_at(p, "PublicPort"), string_at(p, "Type")});
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::optional<DockerEvent> decode_event(std::string_view line) {
  json doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || string_at(doc, "Type") != "container") {
    return std::nullopt;
  }
  DockerEvent e;
  e.action = string_at(doc, "Action");
  if (auto actor = doc.find("Actor"); actor != doc.end() && actor->is_object()) {
    e.id = string_at(*actor, "ID");
    if (auto attrs = actor->find("Attributes"); attrs != actor->end() && attrs->is_object()) {
      e.name = string_at(*attrs, "name");
      e.project = string_at(*attrs, project_label);
      e.service = string_at(*attrs, service_label);
    }
  }
  return e;
}

Result<std::string> docker_socket_path(const EnvMap& env) {
  auto host = getenv_with(env, "DOCKER_HOST");
  if (!host || host->empty()) return std::string("/var/run/docker.sock");
  constexpr std::string_view unix_prefix = "unix://";
  if (host->starts_with(unix_prefix)) return host->substr(unix_prefix.size());
  return Error::runtime("DOCKER_HOST=" + *host + " is not a unix socket",
                        "bridge talks to the docker engine over its unix socket only; set "
                        "DOCKER_HOST=unix:///var/run/docker.sock");
}

std::string containers_target(const std::string& project, const std::string& service) {
  json labels = json::array();
  if (!project.empty()) labels.push_back(std::string(project_label) + "=" + project);
  if (!service.empty()) labels.push_back(std::string(service_label) + "=" + service);
  json filters = {{"label", labels}};
  return "/containers/json?filters=" + url_encode(filters.dump());
}

std::string events_target(const std::string& project) {
  json filters = {
      {"type", {"container"}},
      {"label", {std::string(project_label) + "=" + project}},
      {"event", {"start", "die", "destroy", "pause", "unpause"}},
  };
  return "/events?filters=" + url_encode(filters.dump());
}

std::vector<Endpoint> container_endpoints(const std::vector<Container>& containers, uint16_t port,
                                          std::vector<std::string>* unpublished) {
  std::vector<Endpoint> out;
  for (const auto& c : containers) {
    if (c.state != "running" && !c.state.empty()) continue;
    if (c.network_mode == "host") {
      out.push_back(Endpoint{"127.0.0.1", port, c.name});
      continue;
    }
    // Prefer an IPv4 binding; a port published on 0.0.0.0 and :: is one target, not two.
    const ContainerPort* best = nullptr;
    std::string best_host;
    for (const auto& p : c.ports) {
      if (p.private_port != port || p.type != "tcp" || p.public_port == 0) continue;
      std::string host = loopback_for(p.ip);
      if (host.empty()) continue;
      bool v4 = host.find(':') == std::string::npos;
      if (!best || (v4 && best_host.find(':') != std::string::npos)) {
        best = &p;
        best_host = host;
      }
    }
    if (best) {
      out.push_back(Endpoint{best_host, best->public_port, c.name});
    } else if (unpublished) {
      unpublished->push_back(c.name);
    }
  }
  return out;
}

}  // namespace bridge::discovery::detail
