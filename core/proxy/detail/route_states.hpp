#pragma once
// What GET /v1/routes shows of a snapshot: routes with their targets' health now.

#include "admin/admin.hpp"
#include "proxy/snapshot.hpp"

#include <vector>

namespace bridge::proxy {

/// Routes in priority order. Any thread (target health is atomic).
std::vector<admin::RouteState> route_states(const Snapshot& snapshot);

}  // namespace bridge::proxy
