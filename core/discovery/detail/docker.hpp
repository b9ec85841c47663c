#pragma once
/// The Docker Engine API over its unix socket: decoding (pure) and requests over the shared
/// HTTP client (net/http_client.hpp) for `/containers/json` and the `/events` stream.

#include "common/error.hpp"
#include "common/url.hpp"
#include "detail/compose.hpp"
#include "discovery/discovery.hpp"
#include "net/http_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::discovery::detail {

struct ContainerPort {
  std::string ip;  // "127.0.0.1", "0.0.0.0", "::"; empty for exposed-only ports
  uint16_t private_port = 0;
  uint16_t public_port = 0;  // 0 when not published
  std::string type;          // "tcp", "udp"
};

struct Container {
  std::string id;
  std::string name;     // without the leading '/'
  std::string state;    // "running", "exited", ...
  std::string project;  // com.docker.compose.project
  std::string service;  // com.docker.compose.service
  int number = 0;       // com.docker.compose.container-number
  std::string network_mode;
  std::vector<ContainerPort> ports;
  std::map<std::string, std::string> labels;  // every label with a string value
};

/// Decodes a `/containers/json` response body.
Result<std::vector<Container>> decode_containers(std::string_view json);

struct DockerEvent {
  std::string action;  // "start", "die", "destroy", ...
  std::string id;
  std::string name;
  std::string project;
  std::string service;
};

/// Decodes one line of the `/events` stream; nullopt for lines that are not container events.
std::optional<DockerEvent> decode_event(std::string_view line);

/// The engine's unix socket: DOCKER_HOST=unix://PATH, else /var/run/docker.sock. An error when
/// DOCKER_HOST names something else (tcp://, ssh://).
Result<std::string> docker_socket_path(const EnvMap& env);

/// `/containers/json?filters=...` for the running containers of a compose project and service
/// (either may be empty to leave that label out).
std::string containers_target(const std::string& project, const std::string& service);
/// `/events?filters=...` for start/die/destroy/pause/unpause of a project's containers.
std::string events_target(const std::string& project);

/// The endpoints that reach container port `port`/tcp of `containers` from this host (loopback
/// only; a port published on 0.0.0.0 is reached via 127.0.0.1; one endpoint per container).
/// Containers that run but do not publish the port are added to `unpublished`.
std::vector<Endpoint> container_endpoints(const std::vector<Container>& containers, uint16_t port,
                                          std::vector<std::string>* unpublished);

/// One GET to the engine; the body of a 200 response, else an error with the engine's message.
boost::asio::awaitable<Result<std::string>> docker_get(std::string socket_path, std::string target,
                                                       std::chrono::milliseconds timeout);

/// A long-lived `/events` response read line by line.
class DockerEventStream {
 public:
  /// Connects, sends the request and reads the response head within `timeout`.
  boost::asio::awaitable<Result<void>> open(std::string socket_path, std::string target,
                                            std::chrono::milliseconds timeout);
  /// The next line of the body; an error when the stream ends or breaks.
  boost::asio::awaitable<Result<std::string>> next_line();
  /// Ends a pending next_line() (call on the stream's executor).
  void close() { stream_.close(); }

 private:
  net::HttpStream stream_;
  bool open_ = false;
};

}  // namespace bridge::discovery::detail
