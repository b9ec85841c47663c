// What discovery reads from other programs (core/discovery): the Docker Engine's
// /containers/json answer and /events lines, `kubectl get svc -o json`, and the lines
// `kubectl port-forward` prints. A wrong shape is an error value, never an exception.
//
// Input: read by its first byte as the program would send it: '[' a containers list,
// '{' a service object and, line by line, an event stream; anything else port-forward output.
#include "fuzz.hpp"

#include "detail/docker.hpp"
#include "detail/k8s.hpp"

#include <string>

namespace {

using namespace bridge::discovery::detail;

void check_containers(std::string_view text) {
  auto containers = decode_containers(text);
  if (!containers) return;
  for (uint16_t port : {uint16_t{80}, uint16_t{8080}}) {
    std::vector<std::string> unpublished;
    auto endpoints = container_endpoints(*containers, port, &unpublished);
    for (const auto& e : endpoints) {
      BRIDGE_FUZZ_CHECK(!e.host.empty());
      BRIDGE_FUZZ_CHECK(e.port != 0);
    }
    BRIDGE_FUZZ_CHECK(endpoints.size() + unpublished.size() <= containers->size());
  }
  for (const auto& c : *containers) {
    // The next query is built from what the engine said.
    std::string target = containers_target(c.project, c.service);
    BRIDGE_FUZZ_CHECK(target.starts_with("/containers/json?filters="));
    BRIDGE_FUZZ_CHECK(target.find_first_of(" \r\n") == std::string::npos);
  }
}

void check_service(std::string_view text) {
  for (const char* port : {"80", "http", "65536"}) {
    K8sUrl url;
    url.namespace_ = "staging";
    url.service = "api";
    url.port = port;
    auto endpoint = decode_service_json(text, url);
    if (!endpoint) continue;
    BRIDGE_FUZZ_CHECK(!endpoint->host.empty());
    BRIDGE_FUZZ_CHECK(endpoint->port != 0);
    if (url.port != "http") BRIDGE_FUZZ_CHECK(std::to_string(endpoint->port) == url.port);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = bridge::fuzz::as_text(data, size);
  if (text.starts_with('[')) {
    check_containers(text);
    return 0;
  }
  if (text.starts_with('{')) check_service(text);
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.starts_with('{')) {
      if (auto event = decode_event(line)) {
        std::string target = events_target(event->project);
        BRIDGE_FUZZ_CHECK(target.find_first_of(" \r\n") == std::string::npos);
      }
    } else {
      if (auto port = parse_forwarding_line(line)) BRIDGE_FUZZ_CHECK(*port != 0);
      (void)is_tunnel_error_line(line);
    }
  }
  return 0;
}
