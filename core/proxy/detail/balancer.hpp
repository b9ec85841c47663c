#pragma once
// Where a request goes: one target of its upstream (round_robin, least_conn or first), and for a
// compose:// or k8s:// target one of its live endpoints, both with passive health (a target or
// endpoint that refused a connection is skipped for upstream.down_for while another is up).
// The health state lives in Target and is shared by every worker.

#include "proxy/detail/asio.hpp"
#include "proxy/snapshot.hpp"

#include <memory>
#include <string>
#include <vector>

namespace bridge::proxy {

/// The target `upstream.config.balance` picks, never `exclude`, skipping targets marked down
/// while any other is up; with all of them down, the one that went down first (rather than
/// failing outright). Null when no target has an address.
const Target* pick_target(const UpstreamSet& upstream, const Target* exclude = nullptr);

/// A target and, for a dynamic one, the endpoint chosen (materialised as a Target so that
/// connection pools key on its address).
struct Chosen {
  const Target* target = nullptr;  // what to connect to; null: a dynamic target has no address
  const Target* parent = nullptr;  // the configured target
  discovery::Endpoint endpoint;    // for dynamic targets
  /// "http://h:p", or "compose://api:80 -> 172.18.0.3:80" for an endpoint.
  std::string describe() const;
  /// The same into `out`, whose capacity is kept (the record's, reused request after request).
  void describe(std::string& out) const;
  /// Marked down (the target, or the endpoint of a dynamic target).
  bool down() const;
};

/// `target` itself when static; otherwise its next endpoint that is not marked down (any one
/// when all are). The materialised endpoint Target is kept alive in `keep`.
Chosen choose_endpoint(const Target* target, std::vector<std::unique_ptr<Target>>& keep);

/// Skips `chosen` for upstream.down_for; a dynamic source also hears of the failure (a k8s
/// tunnel restarts at once).
void mark_down(const Chosen& chosen, const UpstreamSet& upstream);

/// After `chosen` refused a connection: marks it down and moves `chosen` to another target
/// that is up, else to another endpoint of the same service that is up. False when there is
/// none (`chosen` stays as it was, marked down).
bool fail_over(Chosen& chosen, const UpstreamSet& upstream,
               std::vector<std::unique_ptr<Target>>& keep);

/// pick_target(), waiting up to `limit` while a dynamic source is still resolving (first
/// start, a tunnel restarting). One that failed is not waited for: the caller answers 502 with
/// its reason at once instead of holding the client.
asio::awaitable<const Target*> wait_for_target(const UpstreamSet& upstream,
                                               std::chrono::milliseconds limit);

/// "host:port", the key of an endpoint's health.
std::string endpoint_key(const discovery::Endpoint& endpoint);

/// A k8s tunnel's state for error hints: "restarts 2, kubectl said: error: ..." (the latter
/// only when kubectl said something).
std::string tunnel_state(const discovery::Resolution& resolution);

}  // namespace bridge::proxy
