// The `ports:` short syntax and what a published port means for bridge (loopback only).
#include "common/text.hpp"
#include "detail/compose.hpp"

#include <algorithm>
#include <charconv>

namespace bridge::discovery::detail {

namespace {

bool parse_number(std::string_view text, uint16_t& out) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return false;
  out = static_cast<uint16_t>(value);
  return true;
}

// "8000" or "8000-8010".
bool parse_range(std::string_view text, uint16_t& start, uint16_t& end) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_number(text, start) || start == 0) return false;
    end = start;
    return true;
  }
  return parse_number(text.substr(0, dash), start) && parse_number(text.substr(dash + 1), end) &&
         start > 0 && end >= start;
}

std::string range_text(uint16_t start, uint16_t end) {
  if (start == 0) return "";
  return end > start ? std::to_string(start) + "-" + std::to_string(end) : std::to_string(start);
}

std::string default_file(const ComposeProject* project) {
  return project && !project->files.files.empty() ? project->files.files.front()
                                                  : std::string("compose.yaml");
}

}  // namespace

Result<PortMapping> parse_port_spec(std::string_view spec, const Origin& where) {
  PortMapping out;
  out.spec = std::string(spec);
  out.where = where;
  auto bad = [&](const std::string& why) -> Error {
    return Error::config("bad ports entry \"" + std::string(spec) + "\": " + why, where,
                         "write \"CONTAINER\", \"HOST:CONTAINER\" or \"IP:HOST:CONTAINER\", "
                         "e.g. \"127.0.0.1:8080:80\" or \"127.0.0.1::80\"");
  };
  std::string_view rest = spec;
  if (auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    out.protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (out.protocol != "tcp" && out.protocol != "udp" && out.protocol != "sctp") {
      return bad("protocol must be tcp, udp or sctp");
    }
  }
  // Split from the right like docker's nat.splitParts: the IP may itself contain ':'.
  std::string_view container = rest, host, ip;
  if (auto c1 = rest.rfind(':'); c1 != std::string_view::npos) {
    container = rest.substr(c1 + 1);
    std::string_view left = rest.substr(0, c1);
    if (auto c2 = left.rfind(':'); c2 != std::string_view::npos) {
      host = left.substr(c2 + 1);
      ip = left.substr(0, c2);
      if (ip.empty()) return bad("empty host IP before ':'");
    } else {
      host = left;
    }
  }
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  out.host_ip = std::string(ip);
  if (!parse_range(container, out.container_start, out.container_end)) {
    return bad("container port \"" + std::string(container) + "\" is not a port or range");
  }
  if (!host.empty() && !parse_range(host, out.host_start, out.host_end)) {
    return bad("host port \"" + std::string(host) + "\" is not a port or range");
  }
  if (out.host_start != 0) {
    int host_len = out.host_end - out.host_start;
    int container_len = out.container_end - out.container_start;
    if (container_len != 0 && host_len != container_len) {
      return bad("host and container ranges differ in length");
    }
  }
  return out;
}

std::vector<std::string> ComposeProject::service_names() const {
  std::vector<std::string> names;
  for (const auto& [name, service] : services) names.push_back(name);
  return names;
}

std::string loopback_for(const std::string& host_ip) {
  if (host_ip.empty() || host_ip == "0.0.0.0") return "127.0.0.1";
  if (host_ip == "::" || host_ip == "::1") return "::1";
  if (host_ip.starts_with("127.")) return host_ip;
  return "";
}

std::string unpublished_hint(const ComposeProject* project, const std::string& service,
                             uint16_t port) {
  std::string p = std::to_string(port);
  return "add \"127.0.0.1::" + p + "\" (any free host port) or \"127.0.0.1:" + p + ":" + p +
         "\" under services." + service + ".ports in " + default_file(project) +
         ", e.g.\n  services:\n    " + service + ":\n      ports:\n        - \"127.0.0.1::" + p +
         "\"\nthen run `docker compose up -d " + service + "`";
}

Error unknown_service_error(const ComposeProject& project, const std::string& service) {
  auto names = project.service_names();
  std::string hint =
      names.empty() ? "the file defines no services" : "services in this project: " + join(names);
  if (auto near = nearest(service, names); !near.empty()) {
    hint = "did you mean \"" + near + "\"? " + hint;
  }
  return Error::config("unknown compose service \"" + service + "\" in " + default_file(&project) +
                           " (project " + project.name + ")",
                       {}, hint);
}

Result<Endpoint> static_endpoint(const ComposeProject& project, const ComposeService& service,
                                 uint16_t port) {
  if (service.network_mode == "host") {
    return Endpoint{"127.0.0.1", port, project.name + "/" + service.name + " (network_mode host)"};
  }
  const PortMapping* ephemeral = nullptr;
  const PortMapping* elsewhere = nullptr;
  for (const auto& m : service.ports) {
    if (m.protocol != "tcp" || port < m.container_start || port > m.container_end) continue;
    std::string host = loopback_for(m.host_ip);
    if (host.empty()) {
      elsewhere = &m;
      continue;
    }
    if (m.host_start == 0) {
      ephemeral = &m;
      continue;
    }
    bool same_length = m.host_end - m.host_start == m.container_end - m.container_start;
    uint16_t host_port = same_length
                             ? static_cast<uint16_t>(m.host_start + (port - m.container_start))
                             : m.host_start;
    return Endpoint{host, host_port, project.name + "/" + service.name + " (" + m.spec + ")"};
  }
  std::string what =
      "container port " + std::to_string(port) + " of compose service \"" + service.name + "\"";
  if (ephemeral) {
    Error e = Error::runtime(what + " is published on an ephemeral host port (\"" +
                                 ephemeral->spec + "\"); only the docker engine knows which",
                             "start the service (`docker compose up -d " + service.name +
                                 "`) with the docker engine reachable, or publish a fixed port "
                                 "like \"127.0.0.1:" +
                                 std::to_string(port) + ":" + std::to_string(port) + "\"");
    e.where = ephemeral->where;
    return e;
  }
  if (elsewhere) {
    Error e = Error::runtime(what + " is published only on " + elsewhere->host_ip + " (\"" +
                                 elsewhere->spec + "\"), which is not loopback",
                             "bridge connects to loopback only: publish it as \"127.0.0.1:" +
                                 range_text(elsewhere->host_start, elsewhere->host_end) + ":" +
                                 std::to_string(port) + "\"");
    e.where = elsewhere->where;
    return e;
  }
  std::string existing = join(service.ports, ", ", &PortMapping::spec);
  return Error::runtime(what + " is not published" +
                            (existing.empty() ? std::string(" (it has no ports:)")
                                              : " (its ports: " + existing + ")"),
                        unpublished_hint(&project, service.name, port));
}

}  // namespace bridge::discovery::detail
