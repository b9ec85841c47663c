#pragma once
/// Compose files as docker compose reads them: where they are, the project name, `${VAR}`
/// interpolation, and each service's published ports. Pure: files only, no Docker Engine.

#include "common/error.hpp"
#include "discovery/discovery.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::discovery::detail {

using EnvMap = std::map<std::string, std::string>;
/// A variable's value, or nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// `overrides` (an empty value means unset), else the process environment.
std::optional<std::string> getenv_with(const EnvMap& overrides, const std::string& name);

/// Reads a `.env` file (KEY=VALUE lines, `#` comments, optional quotes and `export `).
/// A missing file is an empty map.
Result<EnvMap> read_dotenv(const std::string& path);

/// Compose interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
/// `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` (defaults may nest). An unset
/// variable without a default becomes "" as in compose. `where` locates errors.
Result<std::string> interpolate(std::string_view text, const EnvLookup& env, const Origin& where);

/// The compose files of a project and the directory they belong to.
struct ComposeFiles {
  std::vector<std::string> files;  // main file first, then override files, absolute paths
  std::string project_dir;
};

/// COMPOSE_FILE (split on COMPOSE_PATH_SEPARATOR, default ':'), else the first of compose.yaml,
/// compose.yml, docker-compose.yml, docker-compose.yaml in `working_dir` or the nearest parent,
/// plus the first override file (compose.override.yml, compose.override.yaml,
/// docker-compose.override.yml, docker-compose.override.yaml) beside it. The error lists every
/// directory it looked in.
Result<ComposeFiles> find_compose_files(const std::string& working_dir, const EnvMap& env);

/// One `ports:` entry; ranges are kept as ranges.
struct PortMapping {
  std::string host_ip;      // "" = every interface
  uint16_t host_start = 0;  // 0 = ephemeral (the engine picks)
  uint16_t host_end = 0;
  uint16_t container_start = 0;
  uint16_t container_end = 0;
  std::string protocol = "tcp";
  std::string spec;  // as written, after interpolation (long syntax: rendered short)
  Origin where;
  bool operator==(const PortMapping& o) const {
    return host_ip == o.host_ip && host_start == o.host_start && host_end == o.host_end &&
           container_start == o.container_start && container_end == o.container_end &&
           protocol == o.protocol;
  }
};

/// Short syntax: `[[IP:][HOST[-HOST]]:]CONTAINER[-CONTAINER][/PROTO]` (IPv6 in brackets or not).
Result<PortMapping> parse_port_spec(std::string_view spec, const Origin& where);

struct ComposeService {
  std::string name;
  std::vector<PortMapping> ports;
  std::string network_mode;  // "host" means container ports are host ports
  Origin where;
};

struct ComposeProject {
  std::string name;       // project name
  std::string name_from;  // "COMPOSE_PROJECT_NAME", "name: in FILE", "directory NAME"
  ComposeFiles files;
  std::map<std::string, ComposeService> services;
  std::vector<std::string> service_names() const;
};

/// Lowercase, keep only [a-z0-9_-], drop leading '-'/'_' (compose's NormalizeProjectName).
std::string normalize_project_name(std::string_view name);

/// Parses and merges the files (override files add ports; `extends` is followed), interpolating
/// from `env` over the process environment over the project's `.env`. YAML errors carry
/// file:line:col.
Result<ComposeProject> load_compose_project(const ComposeFiles& files, const EnvMap& env);

/// Find + load in one step.
Result<ComposeProject> load_compose_project_from(const std::string& working_dir, const EnvMap& env);

/// The loopback address that reaches a port published on `host_ip`: 127.0.0.1 for "" and
/// 0.0.0.0, ::1 for ::, the address itself when it is loopback; "" when it is not.
std::string loopback_for(const std::string& host_ip);

/// Where container port `port` (tcp) of `service` is published according to the files alone.
/// Errors: not published (with the `ports:` line to add), ephemeral (only the engine knows),
/// published on a non-loopback address.
Result<Endpoint> static_endpoint(const ComposeProject& project, const ComposeService& service,
                                 uint16_t port);

/// "add \"127.0.0.1::8080\" under services.web.ports in FILE ..." for an unpublished port.
std::string unpublished_hint(const ComposeProject* project, const std::string& service,
                             uint16_t port);

/// "unknown service \"x\"; services in FILE: a, b" with a did-you-mean.
Error unknown_service_error(const ComposeProject& project, const std::string& service);

}  // namespace bridge::discovery::detail
