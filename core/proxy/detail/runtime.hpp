#pragma once
// What the workers share for the life of `bridge up`, each part thread-safe on its own: where
// records go, the breakpoints that hold exchanges, the ACME challenge tokens answered on plain
// listeners, and the per-listener connection counts. Lifecycle state (draining, start time)
// belongs to the server, not here.

#include "proxy/breakpoints.hpp"
#include "proxy/detail/listener_counts.hpp"
#include "proxy/detail/record_sinks.hpp"
#include "tls/acme_challenges.hpp"

namespace bridge::proxy {

struct Runtime {
  Runtime(size_t store_size, size_t shards) : records(store_size, shards) {}
  RecordSinks records;
  Breakpoints breakpoints;
  tls::AcmeChallenges acme_challenges;
  ListenerCounts listener_connections;
};

}  // namespace bridge::proxy
