// One connection on a TCP listener: pick its TCP route, connect to the route's upstream (with
// failover and passive health, as HTTP forwarding does) and relay bytes until it ends. The
// connection keeps the snapshot it started with: a reload changes new connections only.
#include "proxy/detail/tcp_session.hpp"

#include "proxy/detail/balancer.hpp"
#include "proxy/detail/client_hello_peek.hpp"
#include "proxy/detail/tcp_relay.hpp"
#include "proxy/detail/worker.hpp"

#include <spdlog/spdlog.h>

namespace bridge::proxy {

namespace {

// The first connection a route's upstream accepts, failing over as forward() does; null when
// none did (why is in `failure`).
asio::awaitable<std::unique_ptr<UpstreamConnection>>
connect_upstream(Worker& worker, const Snapshot& snapshot, const UpstreamSet& upstream,
                 std::string& reached, std::string& failure) {
  const auto timeout = snapshot.config.limits.connect_timeout;
  const Target* picked = pick_target(upstream);
  if (picked == nullptr) picked = co_await wait_for_target(upstream, timeout);
  if (picked == nullptr) {
    failure = "no target of upstream \"" + upstream.name + "\" has an address";
    co_return nullptr;
  }
  std::vector<std::unique_ptr<Target>> endpoints;
  Chosen chosen = choose_endpoint(picked, endpoints);
  for (int attempt = 0; attempt < 3 && chosen.target != nullptr; ++attempt) {
    ConnectResult connected =
        co_await worker.pools().connect(*chosen.target, upstream, std::string(), timeout);
    if (connected.connection) {
      reached = chosen.describe();
      co_return std::move(connected.connection);
    }
    if (upstream.series != nullptr)
      upstream.series->connect_errors.fetch_add(1, std::memory_order_relaxed);
    failure = "cannot reach " + chosen.describe() + ": " + connected.message;
    const bool refused = connected.failure == ConnectFailure::Refused ||
                         connected.failure == ConnectFailure::Resolve;
    if (!refused || !fail_over(chosen, upstream, endpoints)) break;
  }
  if (chosen.target == nullptr)
    failure = "no endpoint of " + chosen.parent->url + " has an address";
  co_return nullptr;
}

// The winning TCP route on `listener` in priority order: a TLS connection (a ClientHello was
// read) tries the passthrough routes first, then like any connection the plain ones.
const TcpRouteEntry* match_tcp_route(const Snapshot& snapshot, const std::string& listener,
                                     const route::RequestView& view, bool tls) {
  for (bool passthrough : {true, false}) {
    if (passthrough && !tls) continue;
    for (const auto& compiled : snapshot.tcp_table.routes()) {
      const TcpRouteEntry& entry = snapshot.tcp_routes[compiled.index];
      if (entry.config->tls_passthrough != passthrough || !compiled.serves(listener)) continue;
      if (compiled.rule.matches(view)) return &entry;
    }
  }
  return nullptr;
}

// Connects `route`'s upstream and relays until the connection ends.
asio::awaitable<void> relay_route(tcp::socket& socket, Worker& worker,
                                  const std::shared_ptr<const Snapshot>& snapshot,
                                  const TcpRouteEntry& route, const std::string& client_ip) {
  ConnectionLease lease(worker, &socket);
  lease.slot().busy = true;  // drain lets a TCP connection run until the drain timeout
  std::string reached, failure;
  auto connection = co_await connect_upstream(worker, *snapshot, *route.upstream, reached, failure);
  if (!connection) {
    spdlog::warn("tcp route {}: connection from {} closed: {}", route.config->name, client_ip,
                 failure);
    co_return;
  }
  tcp::socket upstream = std::move(connection->tcp().socket());
  connection.reset();
  const auto start = Clock::now();
  TcpRelayResult result =
      co_await relay_tcp(socket, upstream, route.config->idle_timeout, worker.buffers());
  spdlog::debug("tcp route {}: {} -> {}: {} bytes up, {} down, {} ms, {}", route.config->name,
                client_ip, reached, result.bytes_up, result.bytes_down,
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count(),
                tcp_end_name(result.end));
}

std::string peer_ip(tcp::socket& socket) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : remote.address().to_string();
}

}  // namespace

asio::awaitable<void> serve_tcp_connection(tcp::socket socket, Worker& worker,
                                           std::string listener) {
  const std::shared_ptr<const Snapshot> snapshot = worker.snapshot();
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string client_ip = peer_ip(socket);
  route::RequestView view;
  view.client_ip = route::IpAddress::parse(client_ip);
  bridge::tcp::ClientHello hello;
  std::vector<std::string_view> alpn;
  const ListenerTcpRoutes routes = snapshot->tcp_routes_on(listener);
  if (routes.passthrough) {
    // A listener that also relays plain TCP cannot wait long for a ClientHello: the protocol
    // behind a plain route may be one where the server speaks first.
    const auto limits = snapshot->config.limits;
    const auto first_bytes = routes.plain ? std::chrono::milliseconds(1000) : limits.header_timeout;
    hello = co_await peek_client_hello(socket, first_bytes, limits.header_timeout);
    if (hello.state == bridge::tcp::HelloState::Invalid) {
      spdlog::info("listener {}: connection from {} closed: {}", listener, client_ip, hello.error);
      co_return;
    }
    view.sni = hello.sni;
    alpn = hello.alpn_views();
    view.alpn = alpn;
  }
  const bool tls = hello.state == bridge::tcp::HelloState::Complete;
  const TcpRouteEntry* route = match_tcp_route(*snapshot, listener, view, tls);
  if (route == nullptr) {
    spdlog::info("listener {}: no TCP route matches the connection from {}{}; closed", listener,
                 client_ip, tls ? " (SNI \"" + hello.sni + "\")" : std::string());
    co_return;
  }
  co_await relay_route(socket, worker, snapshot, *route, client_ip);
}

asio::awaitable<bool> pass_through_if_routed(tcp::socket& socket, Worker& worker,
                                             const std::string& listener) {
  const std::shared_ptr<const Snapshot> snapshot = worker.snapshot();
  if (!snapshot->tcp_routes_on(listener).passthrough) co_return false;
  const auto& limits = snapshot->config.limits;
  bridge::tcp::ClientHello hello =
      co_await peek_client_hello(socket, limits.header_timeout, limits.header_timeout);
  if (hello.state != bridge::tcp::HelloState::Complete) co_return false;  // the handshake will say
  const std::string client_ip = peer_ip(socket);
  route::RequestView view;
  view.client_ip = route::IpAddress::parse(client_ip);
  view.sni = hello.sni;
  std::vector<std::string_view> alpn = hello.alpn_views();
  view.alpn = alpn;
  const TcpRouteEntry* route = match_tcp_route(*snapshot, listener, view, true);
  if (route == nullptr) co_return false;
  co_await relay_route(socket, worker, snapshot, *route, client_ip);
  co_return true;
}

}  // namespace bridge::proxy
