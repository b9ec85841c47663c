#pragma once
/// The providers of `[[sources]]`. Each reads what a team already has (Traefik's file provider,
/// compose labels, Kubernetes manifests) into Traefik's dynamic-configuration shape; traefik.cpp
/// turns that one shape into bridge's routes, upstreams and middlewares.

#include "config/config.hpp"
#include "config/detail/node.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bridge::config::detail {

/// What a provider reads from and reports into.
struct ProviderContext {
  const Node& source;               // the [[sources]] entry (type, path, project, namespace)
  std::string path;                 // its path, resolved against the profile that names it
  std::string at;                   // "sources[0]", to start messages with
  Sources& sources;                 // add every file read, so errors show its line
  std::vector<std::string>& files;  // every file read: watched for reloads
  std::vector<std::string>& texts;  // and its text: part of the config's hash
  std::vector<Error>& warnings;     // what cannot be honoured: named, never dropped silently
  const LoadOptions& options;       // container_labels, for docker-labels
  std::vector<std::string>& label_projects;  // docker-labels: the projects to follow
};

/// One provider's configuration as Traefik's dynamic configuration: a table with
/// http.routers, http.services (loadBalancer, weighted), http.middlewares, tcp.routers,
/// tcp.services, tcp.middlewares, as Traefik's documentation spells the keys, with:
/// - names qualified where the provider qualifies them ("shop-api-3f2a@kubernetescrd",
///   "strip@kubernetescrd"); a name without "@" gets "@" + `provider`;
/// - loadBalancer.servers[].url (tcp: .address) as bridge targets: compose://SERVICE:PORT,
///   k8s://NAMESPACE/SERVICE:PORT, http://host:port;
/// - every value's origin in the file (or container label) it was read from.
struct Dynamic {
  std::string provider;  // "file", "docker", "kubernetescrd", "kubernetes"
  Node config;
  /// Router name (qualified) -> where it was written, for `route list`:
  /// "label traefik.http.routers.api.rule of compose.yaml:12:9",
  /// "IngressRoute shop/api of k8s/ingress.yaml:3:9". Routers not here are described by
  /// their name's origin.
  std::map<std::string, std::string> described;
  /// Service name (qualified) -> bridge upstream protocol ("h2c" for a gRPC backend), where
  /// the provider knows it (an IngressRoute service's scheme: h2c).
  std::map<std::string, std::string> protocols;
};

/// type = "traefik-file": a TOML or YAML file, or a directory of them.
Result<std::vector<Dynamic>> file_provider(ProviderContext& context);
/// type = "docker-labels": the traefik.* labels of a compose project's services.
Result<std::vector<Dynamic>> docker_labels_provider(ProviderContext& context);
/// type = "kubernetes": IngressRoute, IngressRouteTCP, Middleware, TraefikService (provider
/// "kubernetescrd"), Ingress (provider "kubernetes"), Service for named ports.
Result<std::vector<Dynamic>> kubernetes_provider(ProviderContext& context);

/// The files of a source path: the file itself, or a directory's files whose names end in one
/// of `extensions` (".yaml"), in name order.
std::vector<std::string> files_of(const std::string& path,
                                  const std::vector<std::string>& extensions);
/// Reads `file` into `context` (sources, files, texts); an error names `context.at`.path.
Result<std::string> read_source_file(ProviderContext& context, const std::string& file);
/// Where `text` (the file `file`) holds a template ("{{"): Traefik's file provider renders Go
/// templates, Helm charts are templates; bridge reads files as they are.
std::optional<Origin> template_at(std::string_view text, const std::string& file);
/// Traefik's provider.Normalize: every run of characters other than letters and digits becomes
/// one "-", none at the start ("shop/api.v1" -> "shop-api-v1", "api_shop" -> "api-shop");
/// bytes of multi-byte UTF-8 characters count as letters, as Go's unicode.IsLetter.
std::string traefik_normalize(std::string_view name);
/// Records a warning at `where`: something read that bridge cannot honour (load() makes the
/// first one its error under LoadOptions::strict).
void cannot_honour(ProviderContext& context, std::string message, const Origin& where, int span = 1,
                   std::string hint = {});

}  // namespace bridge::config::detail
