// One connection on a TCP listener: pick its TCP route, connect to the route's upstream (with
// failover and passive health, as HTTP forwarding does) and relay bytes until it ends. The
// connection keeps the snapshot it started with: a reload changes new connections only.
#include "proxy/detail/tcp_session.hpp"

#include "admin/record_json.hpp"
#include "net/owned_socket.hpp"
#include "proxy/breakpoints.hpp"
#include "proxy/detail/balancer.hpp"
#include "proxy/detail/peek.hpp"
#include "proxy/detail/tcp_relay.hpp"
#include "proxy/detail/worker.hpp"

#include "trace/trace.hpp"

#include <spdlog/spdlog.h>

#include <optional>
#include <type_traits>

namespace bridge::proxy {

namespace {

// The first connection a route's upstream accepts, failing over as forward() does; null when
// none did (why is in `failure`). `only`: the target a breakpoint named instead, no failover.
asio::awaitable<std::unique_ptr<UpstreamConnection>>
connect_upstream(Worker& worker, const Snapshot& snapshot, const UpstreamSet& upstream,
                 const Target* only, std::string& reached, std::string& failure) {
  const auto timeout = snapshot.config.limits.connect_timeout;
  const Target* picked = only != nullptr ? only : pick_target(upstream);
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
    if (!refused || only != nullptr || !fail_over(chosen, upstream, endpoints)) break;
  }
  if (chosen.target == nullptr)
    failure = "no endpoint of " + chosen.parent->url + " has an address";
  co_return nullptr;
}

// A TCP connection's record, from accept to close, published to the store, the access log,
// metrics and spans as an HTTP exchange's is (protocol "TCP": no method, path or status).
class TcpRecord {
 public:
  TcpRecord(Worker& worker, const Snapshot& snapshot, const std::string& listener,
            const std::string& client_ip)
      : worker_(worker), record_ptr_(worker.take_record()), record_(*record_ptr_),
        start_(Clock::now()) {
    record_.start = std::chrono::system_clock::now();
    trace::new_request_id(record_.request_id);
    record_.trace = trace::next_span(std::nullopt);
    record_.client = client_ip.empty() ? "unknown" : client_ip;
    record_.listener = listener;
    record_.config_hash = snapshot.hash;
    record_.scheme = "tcp";
    record_.protocol = "TCP";
    record_.mark(trace::Phase::Received, 0);
  }
  TcpRecord(const TcpRecord&) = delete;
  TcpRecord& operator=(const TcpRecord&) = delete;

  trace::Record& operator*() { return record_; }
  trace::Record* operator->() { return &record_; }
  void mark(trace::Phase phase) {
    record_.mark(
        phase,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count());
  }
  void finish(TcpEnd end, trace::TcpRouteSeries* series) {
    record_.end = tcp_end_name(end);
    finish(series);
  }
  void finish(trace::TcpRouteSeries* series) {
    mark(trace::Phase::Done);
    if (series != nullptr) series->observe(record_.end, record_.bytes_in, record_.bytes_out);
    worker_.access_log().write(record_);
    worker_.runtime().records.publish(static_cast<size_t>(worker_.index()), record_);
    worker_.recycle(std::move(record_ptr_));
  }

 private:
  Worker& worker_;
  std::shared_ptr<trace::Record> record_ptr_;
  trace::Record& record_;
  Clock::time_point start_;
};

// A connection breakpoint holds the connection before it connects, until the admin API
// continues it (to the route's upstream, or to the tcp:// or unix:// target it names) or aborts
// it, or the hold passes. False when aborted; `target` is set when the decision named one.
asio::awaitable<bool> hold_connection(Worker& worker, const BreakMatch& match, TcpRecord& record,
                                      std::unique_ptr<Target>& target) {
  auto paused = std::make_shared<Paused>(co_await asio::this_coro::executor);
  paused->breakpoint = match.id;
  paused->phase = BreakPhase::Connection;
  paused->phase_name = "connection";
  paused->hold = match.hold;
  paused->request = admin::summary_json(*record);
  paused->request["protocol"] = record->protocol;
  paused->request["scheme"] = record->scheme;
  const Decision decision = co_await wait_for_decision(worker.runtime().breakpoints, paused);
  record->breakpoints.push_back({match.id, "connection", decision.why, held_us(*paused)});
  if (decision.action == Decision::Action::Abort) {
    record->error = "connection aborted at breakpoint " + match.id;
    co_return false;
  }
  if (!decision.target.empty()) {
    auto parsed = parse_target(decision.target);
    if (parsed && ((*parsed)->scheme == Scheme::Tcp || (*parsed)->scheme == Scheme::Unix))
      target = std::move(*parsed);
    else
      spdlog::warn("breakpoint {}: target \"{}\" ignored: a TCP connection goes to tcp://HOST:PORT "
                   "or unix:///PATH",
                   match.id, decision.target);
  }
  co_return true;
}

// What the client has sent so far, read without waiting before the upstream is connected:
// it goes out right behind the upstream's handshake, so a server woken by the new connection
// finds the request there instead of sleeping again until the relay's first pass (for a
// connect-and-close load, a third fewer wake-ups of the backend). Nothing there (a server
// that speaks first) is fine. False when the client has already failed (why in `error`).
bool read_what_came(tcp::socket& client, BufferPool::Lease& buffer, size_t& size,
                    std::string& error) {
  error_code ec;
  size = net::read_now(client, buffer.data(), buffer.size(), ec);  // 0 at a FIN: the relay sees it
  if (!ec || ec == asio::error::would_block) return true;
  error = "the client failed before the upstream was connected: " + ec.message();
  return false;
}

tcp::socket& lowest_socket(tcp::socket& socket) { return socket; }
tcp::socket& lowest_socket(TlsStream& stream) { return beast::get_lowest_layer(stream).socket(); }

// Connects `route`'s upstream and relays until the connection ends. `client`: the accepted
// socket, or the TLS stream of a terminating route.
template <class ClientStream>
asio::awaitable<void> relay_route(ClientStream& client, Worker& worker,
                                  const std::shared_ptr<const Snapshot>& snapshot,
                                  const TcpRouteEntry& route, const route::RequestView& view,
                                  const ConnectionEnds& ends, TcpRecord& record) {
  ConnectionLease lease(worker, &lowest_socket(client));
  lease.slot().busy = true;  // drain lets a TCP connection run until the drain timeout
  trace::TcpRouteSeries* series = route.series;
  record->route = route.config->name;
  record->upstream = route.upstream->name;
  record.mark(trace::Phase::RouteMatched);
  // The route's middlewares, in order; the inFlightConn ones passed count this connection
  // until it ends.
  const std::string& client_ip = record->client;
  const auto ip = route::IpAddress::parse(client_ip);
  size_t entered = 0;
  struct LeaveGates {
    const std::vector<TcpGate>& gates;
    const size_t& entered;
    const std::string& client_ip;
    ~LeaveGates() {
      for (size_t i = 0; i < entered; ++i) gates[i].leave(client_ip);
    }
  } leave{route.gates, entered, client_ip};
  for (const TcpGate& gate : route.gates) {
    if (std::string refused = gate.enter(client_ip, ip); !refused.empty()) {
      spdlog::info("tcp route {}: connection from {} closed: {}", route.config->name, client_ip,
                   refused);
      record->error = std::move(refused);
      record.finish(TcpEnd::Rejected, series);
      co_return;
    }
    ++entered;
  }
  std::unique_ptr<Target> chosen_at_breakpoint;
  if (Breakpoints& breakpoints = worker.runtime().breakpoints; breakpoints.any()) {
    if (auto match = breakpoints.match(view, true)) {
      if (!co_await hold_connection(worker, *match, record, chosen_at_breakpoint)) {
        spdlog::info("tcp route {}: connection from {} closed: {}", route.config->name, client_ip,
                     record->error);
        record.finish(TcpEnd::Aborted, series);
        co_return;
      }
    }
  }
  std::optional<BufferPool::Lease> first;
  size_t first_size = 0;
  if constexpr (std::is_same_v<ClientStream, tcp::socket>) {
    first.emplace(worker.buffers().take());
    if (!read_what_came(client, *first, first_size, record->error)) {
      spdlog::info("tcp route {}: connection from {} closed: {}", route.config->name, client_ip,
                   record->error);
      record.finish(TcpEnd::ClientReset, series);
      co_return;
    }
  }
  auto connection =
      co_await connect_upstream(worker, *snapshot, *route.upstream, chosen_at_breakpoint.get(),
                                record->target, record->error);
  if (!connection) {
    spdlog::warn("tcp route {}: connection from {} closed: {}", route.config->name, record->client,
                 record->error);
    record.finish(TcpEnd::ConnectFailed, series);
    co_return;
  }
  record->error.clear();  // a failover that reached another target succeeded
  record.mark(trace::Phase::Connected);
  tcp::socket upstream = std::move(connection->tcp().socket());
  connection.reset();
  if (const int version = route.upstream->config.proxy_protocol; version != 0) {
    // Who the client is, for an upstream behind bridge (Traefik's serversTransport
    // proxyProtocol): the header goes first, before any byte of the client's.
    ConnectionEnds arrived = ends;
    arrived.local_of(lowest_socket(client));
    bridge::tcp::ProxyAddresses addresses{false, arrived.client_ip, arrived.local_ip,
                                          arrived.client_port, arrived.local_port};
    const std::string header = bridge::tcp::write_proxy_header(version, addresses);
    auto [wec, written] = co_await asio::async_write(upstream, asio::buffer(header), nothrow);
    if (wec) {
      record->error = "cannot send the PROXY header: " + wec.message();
      record.finish(TcpEnd::UpstreamReset, series);
      co_return;
    }
  }
  using Relay = BasicTcpRelay<ClientStream>;
  Relay relay(client, upstream, route.config->idle_timeout, worker.buffers());
  lease.slot().close_now = [](void* r) { static_cast<Relay*>(r)->stop(TcpEnd::Drained); };
  lease.slot().close_context = &relay;
  if (series != nullptr) series->open.fetch_add(1, std::memory_order_relaxed);
  TcpRelayResult result = co_await relay.run(std::move(first), first_size);
  if (series != nullptr) series->open.fetch_sub(1, std::memory_order_relaxed);
  lease.slot().close_now = nullptr;
  record->bytes_in = result.bytes_up;
  record->bytes_out = result.bytes_down;
  record.finish(result.end, series);
}

// What a ClientHello offers, as the TCP rules see it; the views point into `hello`.
struct ConnectionView {
  route::RequestView view;
  std::vector<std::string_view> alpn;
  ConnectionView(const std::string& client_ip, const bridge::tcp::ClientHello& hello)
      : alpn(hello.alpn_views()) {
    view.client_ip = route::IpAddress::parse(client_ip);
    view.sni = hello.sni;
    view.alpn = alpn;
  }
};

// The record of a TLS connection says so, and carries the name it asked for.
void note_hello(TcpRecord& record, const bridge::tcp::ClientHello& hello) {
  if (hello.state != bridge::tcp::HelloState::Complete) return;
  record->scheme = "tls";
  record->host = hello.sni;
}

}  // namespace

asio::awaitable<void> serve_tcp_connection(tcp::socket socket, ConnectionEnds ends, Worker& worker,
                                           std::string listener) {
  // The socket has TCP_NODELAY from its listener (net::open_acceptor).
  const std::shared_ptr<const Snapshot> snapshot = worker.snapshot();
  // A trusted balancer in front may say who the client is.
  if (const ListenerPolicy& policy = snapshot->policy(listener);
      policy.proxy_protocol &&
      !co_await read_connection_ends(socket, policy, snapshot->config.limits.header_timeout, ends))
    co_return;
  TcpRecord record(worker, *snapshot, listener, ends.client_ip);
  bridge::tcp::ClientHello hello;
  hello.state = bridge::tcp::HelloState::NotTls;
  const ListenerTcpRoutes routes = snapshot->tcp_routes_on(listener);
  if (routes.tls) {
    // A listener that also relays plain TCP cannot wait long for a ClientHello: the protocol
    // behind a plain route may be one where the server speaks first.
    const auto& limits = snapshot->config.limits;
    const auto first_bytes = routes.plain ? std::chrono::milliseconds(1000) : limits.header_timeout;
    hello = co_await peek_client_hello(socket, first_bytes, limits.header_timeout);
    if (hello.state == bridge::tcp::HelloState::Invalid) {
      spdlog::info("listener {}: connection from {} closed: {}", listener, record->client,
                   hello.error);
      record->error = "not a TLS ClientHello: " + hello.error;
      record->end = "no_route";
      record.finish(nullptr);
      co_return;
    }
    note_hello(record, hello);
  }
  ConnectionView connection(record->client, hello);
  const bool tls = hello.state == bridge::tcp::HelloState::Complete;
  const TcpRouteEntry* route = snapshot->match_tcp(listener, connection.view, tls);
  if (route == nullptr) {
    spdlog::info("listener {}: no TCP route matches the connection from {}{}; closed", listener,
                 record->client, tls ? " (SNI \"" + hello.sni + "\")" : std::string());
    record->error = "no TCP route matches";
    record->end = "no_route";
    record.finish(nullptr);
    co_return;
  }
  co_await relay_route(socket, worker, snapshot, *route, connection.view, ends, record);
}

asio::awaitable<bool> serve_if_tcp_routed(tcp::socket& socket, Worker& worker,
                                          const std::string& listener, ssl::context& tls,
                                          ConnectionEnds ends) {
  const std::shared_ptr<const Snapshot> snapshot = worker.snapshot();
  if (!snapshot->tcp_routes_on(listener).tls) co_return false;
  const auto& limits = snapshot->config.limits;
  bridge::tcp::ClientHello hello =
      co_await peek_client_hello(socket, limits.header_timeout, limits.header_timeout);
  if (hello.state != bridge::tcp::HelloState::Complete) co_return false;  // the handshake will say
  ConnectionView connection(ends.client_ip, hello);
  const TcpRouteEntry* route = snapshot->match_tcp(listener, connection.view, true);
  if (route == nullptr) co_return false;
  TcpRecord record(worker, *snapshot, listener, ends.client_ip);
  note_hello(record, hello);
  if (!route->config->tls_terminate) {
    co_await relay_route(socket, worker, snapshot, *route, connection.view, ends, record);
    co_return true;
  }
  // Terminated as the listener terminates HTTPS (its certificates, SNI selection and client
  // verification); the upstream gets the plaintext.
  TlsClientStream client(DeadlineStream(std::move(socket), worker.deadlines()), tls);
  auto& lowest = beast::get_lowest_layer(client);
  lowest.expires_after(limits.header_timeout);
  auto [hec] = co_await client.async_handshake(ssl::stream_base::server, nothrow);
  if (hec) {
    spdlog::info("tcp route {}: TLS handshake with {} failed: {}", route->config->name,
                 record->client, hec.message());
    record->route = route->config->name;
    record->error = "TLS handshake: " + hec.message();
    record.finish(TcpEnd::ClientReset, route->series);
    lowest.close();
    co_return true;
  }
  lowest.expires_never();  // the relay's idle timeout governs from here
  co_await relay_route(client, worker, snapshot, *route, connection.view, ends, record);
  co_return true;
}

}  // namespace bridge::proxy
