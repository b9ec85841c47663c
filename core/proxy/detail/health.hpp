#pragma once
// Control-thread loops that keep target state current: active health checks
// (`upstreams.health`) and logging where compose:// and k8s:// targets resolve.

#include "proxy/detail/asio.hpp"
#include "proxy/snapshot.hpp"

#include <functional>
#include <memory>

namespace bridge::proxy {

using SnapshotGetter = std::function<std::shared_ptr<const Snapshot>()>;

/// Probes every target of upstreams that have `health` with GET path; marks a target down
/// after `unhealthy` failures in a row and up again after `healthy` successes.
asio::awaitable<void> run_health_checks(SnapshotGetter snapshot);

/// Logs each change of where a dynamic target resolves (and warns once per new error).
asio::awaitable<void> log_discovery_changes(SnapshotGetter snapshot);

/// Readiness: empty when every dynamic target has resolved at least once.
std::string unresolved_targets(const Snapshot& snapshot);

}  // namespace bridge::proxy
