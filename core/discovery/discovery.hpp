#pragma once
/// Resolution of `compose://` and `k8s://` targets to addresses that can change while bridge
/// runs. The proxy asks a Source for its latest Resolution on every request (cheap, lock-free
/// for readers); sources refresh themselves on their own thread (Docker events, a supervised
/// `kubectl port-forward`).

#include "common/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bridge::discovery {

/// One address a target currently resolves to.
struct Endpoint {
  std::string host;  // what to connect to: an IP literal (127.0.0.1 for published ports)
  uint16_t port = 0;
  std::string name;  // what it is, for humans: container name, "kubectl port-forward pid 123"
  bool operator==(const Endpoint&) const = default;
};

enum class State { Pending, Resolved, Failed };

/// What a source knows at one moment. Immutable once published.
struct Resolution {
  State state = State::Pending;
  std::vector<Endpoint> endpoints;  // several for a scaled compose service
  std::string via;    // "docker engine", "compose file (docker engine not reachable: ...)",
                      // "kubectl port-forward", "kubectl get svc"
  std::string error;  // why there are no endpoints, saying what to do next
  // k8s port-forward supervision (0 / empty otherwise).
  int pid = 0;
  int restarts = 0;
  std::string last_stderr;  // kubectl's last stderr line
  std::chrono::system_clock::time_point updated;
  // Added by discovery: bumped on every publish of a source, so a waiter can tell a new
  // resolution from the one it already saw (e.g. a request waiting for a tunnel to come back).
  uint64_t generation = 0;
  bool ever_resolved = false;  // some publish had endpoints: /readyz waits for the first one
  std::string description;     // "compose demo/orders", "k8s staging/api (context kind)"
};

/// A live compose:// or k8s:// target.
class Source {
 public:
  virtual ~Source() = default;
  /// The latest resolution; thread-safe and cheap (called per request by every worker).
  virtual std::shared_ptr<const Resolution> current() const = 0;
  /// A connection to `endpoint` was refused or reset: a k8s tunnel is restarted at once.
  virtual void report_failure(const Endpoint& endpoint) = 0;
  /// The url this source was made for (as given to Registry::get).
  virtual const std::string& url() const = 0;
};

struct Options {
  std::string working_dir;                 // where the compose file search starts (bridge's cwd)
  std::map<std::string, std::string> env;  // overrides of the process environment (tests);
                                           // an empty value unsets the variable
  // Added by discovery (defaults are what `bridge up` wants; tests shorten them).
  std::chrono::milliseconds engine_timeout{2000};    // one Docker Engine API call
  std::chrono::milliseconds resync_interval{15000};  // re-list even when events are quiet
  std::chrono::milliseconds max_backoff{10000};      // kubectl restarts, engine reconnects
};

/// Owns every live source and the thread that refreshes them. One per `bridge up`.
class Registry {
 public:
  explicit Registry(Options options);
  ~Registry();  // stops watchers and kubectl children
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// The source for `url`, started on first use; the same object for the same url across
  /// reloads, so a reload does not restart a port-forward. Errors are syntax errors only;
  /// resolution problems show up in the source's Resolution.
  Result<std::shared_ptr<Source>> get(const std::string& url);
  /// Stops sources that nobody but the registry holds any more (after a reload).
  void prune();
  /// How many sources are live (for status and tests).
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One running container of a compose project, with its labels (docker-labels sources read
/// Traefik's labels from them).
struct ProjectContainer {
  std::string name;     // "shop-api-1"
  std::string service;  // com.docker.compose.service
  std::map<std::string, std::string> labels;
};

/// The running containers of compose project `project`, asked of the Docker Engine
/// (DOCKER_HOST or /var/run/docker.sock) within options.engine_timeout; an error when the engine
/// does not answer. Blocks the calling thread: call it where a config is loaded.
Result<std::vector<ProjectContainer>> project_containers(const std::string& project,
                                                         const Options& options);

/// Follows the Docker Engine's container events (start, die, destroy, pause, unpause) of
/// compose projects: `on_change(project)` is called on its own thread for each one, and once
/// after the engine comes back (events may have been missed). Reconnects with backoff.
class ProjectEvents {
 public:
  ProjectEvents(Options options, std::function<void(const std::string& project)> on_change);
  ~ProjectEvents();  // stops following, waits (bounded) for its thread
  ProjectEvents(const ProjectEvents&) = delete;
  ProjectEvents& operator=(const ProjectEvents&) = delete;

  /// Follows exactly `projects` from now on (any thread).
  void watch(const std::vector<std::string>& projects);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// True for the schemes this area resolves (compose://, k8s://).
bool is_discovery_url(const std::string& url);

/// Checks the syntax of a compose:// or k8s:// URL (for config validation).
Result<void> check_url(const std::string& url);

/// Resolves `url` once, synchronously (for `bridge route list`, `config check`): the compose
/// file plus the engine when it answers; for k8s the port-forward is not started (the
/// resolution says so) unless mode=direct.
Resolution resolve_once(const std::string& url, const Options& options);

}  // namespace bridge::discovery
