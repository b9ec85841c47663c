#pragma once
/// The parts of the key table (config/keys.hpp), one file each.

#include "config/keys.hpp"

#include <span>

namespace bridge::config::detail {

/// The top level, [bridge], [limits], [trace], [acme], listeners, upstreams, routes, TCP
/// routes and middlewares, [[sources]] and [traefik].
std::span<const KeyInfo> profile_keys();
/// [middlewares.NAME.TYPE]: Traefik's HTTP middlewares and their options.
std::span<const KeyInfo> middleware_keys();

}  // namespace bridge::config::detail
