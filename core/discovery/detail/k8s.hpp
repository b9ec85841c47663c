#pragma once
/// kubectl: the command lines bridge runs and how it reads their output (pure).

#include "common/error.hpp"
#include "detail/compose.hpp"
#include "detail/url.hpp"
#include "discovery/discovery.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::discovery::detail {

/// $BRIDGE_KUBECTL, else "kubectl" (searched in PATH).
std::string kubectl_program(const EnvMap& env);
/// What to do when kubectl cannot be run: appended to the error on its own line.
inline constexpr std::string_view kubectl_missing_hint =
    "\nhint: install kubectl or set BRIDGE_KUBECTL";

/// kubectl port-forward svc/SERVICE :PORT -n NAMESPACE [--context C]
std::vector<std::string> port_forward_argv(const K8sUrl& url, const std::string& kubectl);

/// kubectl get svc SERVICE -n NAMESPACE -o json [--context C]
std::vector<std::string> get_service_argv(const K8sUrl& url, const std::string& kubectl);

/// The local port from "Forwarding from 127.0.0.1:N -> M"; nullopt for other lines (including
/// the "[::1]:N" one, which bridge does not need).
std::optional<uint16_t> parse_forwarding_line(std::string_view line);

/// True for stderr lines that mean the tunnel is broken although kubectl still runs
/// ("an error occurred forwarding", "lost connection to pod", "connection refused" ...).
bool is_tunnel_error_line(std::string_view line);

/// The ClusterIP endpoint of `port` (a number or a port name) from `kubectl get svc -o json`.
Result<Endpoint> decode_service_json(std::string_view json, const K8sUrl& url);

}  // namespace bridge::discovery::detail
