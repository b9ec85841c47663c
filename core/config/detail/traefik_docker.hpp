#pragma once
/// type = "docker-labels" (detail/traefik_providers.hpp) in three steps: the compose files'
/// services with their labels, or a running container's (traefik_docker.cpp); Traefik's label
/// keys as a typed tree, spelled as the file provider spells them (traefik_docker_schema.cpp);
/// one service's tree as Traefik's dynamic configuration with Traefik's defaults filled in
/// (traefik_docker_labels.cpp).

#include "config/detail/traefik_providers.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

/// One label: its key and value as written, and where each was written.
struct Label {
  std::string key;
  std::string value;
  Origin origin;  // the key: file:line:col, or Origin{"container shop-api-1"}
  int span = 1;   // the key's length
  Origin value_origin;
  int value_span = 1;
};

/// A compose service as Traefik sees its container: labels and container ports.
struct LabelledService {
  std::string name;           // the compose service
  Origin origin;              // where services.NAME is written, or the container
  std::string container;      // the running container the labels came from; "" = the file
  std::vector<Label> labels;  // every label, in the order written
  std::vector<int> ports;     // container ports of `ports:` and `expose:`, each once
};

/// A compose project's files as docker compose reads them (traefik_docker_compose.cpp).
struct ComposeFiles {
  std::string first;                      // the main compose file
  std::string name;                       // its top-level `name:`; "" when none
  std::string name_from_environment;      // COMPOSE_PROJECT_NAME (environment, else .env)
  std::vector<LabelledService> services;  // in the order written; a later file's label wins
};

/// The compose file `context.path` names, or the one docker compose finds in that directory
/// (compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml) and the override file
/// beside it, each added to `context` (errors show their lines, edits reload); `${VAR}`
/// interpolated from the environment over the project's .env.
Result<ComposeFiles> read_compose_files(ProviderContext& context);

/// The compose project every service belongs to.
struct LabelProject {
  std::string name;
  bool named = false;  // the source names it: targets carry ?project=NAME
};

/// What one service's labels add to the provider's Dynamic (Traefik builds a configuration per
/// container, then merges them).
struct ServiceDynamic {
  Node config;                                   // http/tcp routers, services, middlewares
  std::map<std::string, std::string> described;  // router (unqualified) -> where it was written
  std::map<std::string, std::string> protocols;  // service (unqualified) -> "h2c"
};

/// The labels of `service` as Traefik's docker provider reads them (exposedByDefault = true):
/// nullopt for a service left out (traefik.enable=false, or a warning says why).
Result<std::optional<ServiceDynamic>> service_dynamic(ProviderContext& context,
                                                      const LabelledService& service,
                                                      const LabelProject& project);

// The label schema (traefik_docker_schema.cpp) and typed trees (traefik_docker_typed.cpp).

/// How a label's value is read.
enum class Shape {
  String,
  Integer,
  Boolean,
  List,        // comma-separated strings
  Duration,    // "10s", or a number of seconds
  StringMap,   // name -> string (customRequestHeaders.X-Env=dev)
  IntegerMap,  // name -> integer (statusRewrites.500-599=503)
  Table,       // `fields`
  Named,       // name -> fields[0] (routers, services, middlewares)
  Free,        // kept as written: what bridge names as left out (plugin, domains, udp)
};

/// One key of Traefik's dynamic configuration and what may follow it.
struct Field {
  std::string_view name;  // as Traefik's file provider spells it
  Shape shape = Shape::String;
  std::vector<Field> fields = {};
  bool allow_empty = false;
};

/// The keys below `traefik.` that Traefik's docker provider reads: http, tcp, udp, tls, docker,
/// enable.
const Field& traefik_schema();

/// The `traefik.` labels of one service as paerser (Traefik's label parser) reads them: keys
/// split at '.', each segment matched ignoring case, the first spelling (in byte order of the
/// keys) naming a router, service or middleware.
struct LabelTree {
  std::string name;
  const Label* label = nullptr;  // the label whose key ends here (a value)
  const Label* first = nullptr;  // the first label below, for origins
  std::vector<LabelTree> children;
  const LabelTree* find(std::string_view segment) const;  // ignoring case
};

/// The tree of the labels whose keys start with "traefik." (ignoring case); `labels` must
/// outlive it. An error for a key with an empty segment.
Result<LabelTree> label_tree(ProviderContext& context, const std::vector<Label>& labels);

/// The tree below `traefik` as the file provider spells Traefik's dynamic configuration:
/// canonical key names, typed values (lists split at commas, durations in seconds given a unit),
/// every node at the label that set it. A key that is no Traefik key is an error.
Result<Node> typed_labels(ProviderContext& context, const LabelTree& traefik);

/// "label traefik.http.routers.api.rule of compose.yaml:12:9".
std::string describe(const Label& label);

}  // namespace bridge::config::detail
