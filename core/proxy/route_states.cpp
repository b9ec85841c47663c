// Routes and target health for the admin API (detail/route_states.hpp).
#include "proxy/detail/route_states.hpp"

#include "proxy/detail/asio.hpp"

namespace bridge::proxy {

namespace {

admin::RouteState::Target target_state(const Target& t, int64_t now) {
  int64_t down = t.down_until_ms.load();
  admin::RouteState::Target out;
  out.url = t.url;
  out.state = !t.resolvable() ? "pending" : down > now ? "down" : "up";
  out.address = t.scheme == Scheme::Echo   ? "builtin"
                : t.scheme == Scheme::Unix ? t.host
                : t.resolvable()           ? t.host + ":" + std::to_string(t.port)
                                           : "";
  if (down > now) {
    out.detail = "refused a connection; retried in " + std::to_string(down - now) + " ms";
  }
  return out;
}

}  // namespace

std::vector<admin::RouteState> route_states(const Snapshot& snapshot) {
  std::vector<admin::RouteState> out;
  int64_t now = now_ms();
  for (const auto& compiled : snapshot.table.routes()) {
    const RouteEntry& entry = snapshot.routes[compiled.index];
    admin::RouteState route;
    route.name = compiled.name;
    route.priority = compiled.priority;
    route.rule = entry.config->rule;
    route.listeners = entry.config->listeners;
    route.upstream = entry.upstream->name;
    route.balance = entry.upstream->config.balance;
    for (const auto& t : entry.upstream->targets) route.targets.push_back(target_state(*t, now));
    out.push_back(std::move(route));
  }
  return out;
}

}  // namespace bridge::proxy
