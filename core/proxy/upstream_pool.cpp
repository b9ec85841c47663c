#include "proxy/detail/upstream_pool.hpp"

#include "net/owned_socket.hpp"
#include "proxy/detail/relay.hpp"  // trim_idle_buffer

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace bridge::proxy {

namespace {

// How a finished non-blocking connect() ended: SO_ERROR.
error_code connect_error(int fd) {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
  return error_code(error, asio::error::get_system_category());
}

// How a non-blocking connect() that said EINPROGRESS stands, without waiting: on loopback
// (port-forwards, compose ports, local servers) the handshake has already completed inside the
// connect() call, so one poll() spares registering for writability and a pass of the event
// loop. `in_progress` when it has not finished yet.
error_code connect_outcome_now(int fd) {
  pollfd polled{fd, POLLOUT, 0};
  if (::poll(&polled, 1, 0) != 1) return asio::error::in_progress;
  if ((polled.revents & (POLLERR | POLLHUP)) == 0) return error_code();
  const error_code failed = connect_error(fd);
  return failed ? failed : error_code(ECONNRESET, asio::error::get_system_category());
}

// A non-blocking connect() whose wait for completion the worker's deadline watch bounds: no
// timer armed and cancelled per connection (beast::tcp_stream's, two timerfd updates) and no
// poll() once the socket is writable (Asio's check); SO_ERROR says how it ended. `family`
// AF_UNIX too: a Unix stream socket reads, writes and shuts down through the same calls as a
// TCP one, so the pools, DeadlineStream and the TCP relay keep one socket type. Nothing asks
// such a socket for TCP options or endpoints (the target's path names it in records and logs).
asio::awaitable<error_code> connect_socket(DeadlineWatch& deadlines, tcp::socket& out, int family,
                                           const sockaddr* address, socklen_t address_size,
                                           std::chrono::milliseconds timeout) {
  error_code ec;
  tcp::socket socket = net::open_stream_socket(out.get_executor(), family, ec);
  if (ec) co_return ec;
  const int fd = socket.native_handle();
  if (::connect(fd, address, address_size) != 0) {
    // AF_UNIX answers a full backlog with EAGAIN and does not go on trying: refused.
    if (errno != EINPROGRESS) co_return error_code(errno, asio::error::get_system_category());
    error_code outcome = connect_outcome_now(fd);
    if (outcome == asio::error::in_progress) {
      DeadlineStream waiting(std::move(socket), deadlines);
      waiting.expires_after(timeout);
      auto [wec] = co_await waiting.async_wait(tcp::socket::wait_write, nothrow);
      socket = std::move(waiting.socket());
      if (wec) co_return wec;  // beast::error::timeout when the deadline passed
      outcome = connect_error(fd);
    }
    if (outcome) co_return outcome;
  }
  out = std::move(socket);
  co_return error_code();
}

asio::awaitable<error_code> connect_unix(DeadlineWatch& deadlines, tcp::socket& out,
                                         const std::string& path,
                                         std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) co_return asio::error::name_too_long;
  path.copy(address.sun_path, path.size());
  co_return co_await connect_socket(deadlines, out, AF_UNIX,
                                    reinterpret_cast<const sockaddr*>(&address), sizeof address,
                                    timeout);
}

// Idle upstream connections older than this may already be closed by the peer (nginx's
// default keepalive_timeout is 60 s); don't bet a request on them.
constexpr int64_t max_idle_age_ms = 30'000;
}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPools::take(const Target& target) {
  auto it = idle_.find(target.key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second.connections;
  int64_t now = now_ms();
  while (!list.empty()) {
    auto connection = std::move(list.back());
    list.pop_back();
    idle_total_.fetch_sub(1, std::memory_order_relaxed);
    if (now - connection->idle_since_ms < max_idle_age_ms && connection->tcp().socket().is_open()) {
      connection->reused = true;
      return connection;
    }
  }
  return nullptr;
}

void UpstreamPools::give_back(const Target& target, std::unique_ptr<UpstreamConnection> connection,
                              int max_idle) {
  if (max_idle <= 0) return;  // max_idle = 0: no keep-alive to this upstream
  IdleList& list = idle_[target.key];
  list.max_idle = static_cast<size_t>(max_idle);
  connection->idle_since_ms = now_ms();
  connection->tcp().expires_never();
  trim_idle_buffer(connection->buffer);
  list.connections.push_back(std::move(connection));
  idle_total_.fetch_add(1, std::memory_order_relaxed);
  if (list.connections.size() > list.max_idle) schedule_close_excess(excess_idle);
}

void UpstreamPools::remember_tls_session(UpstreamConnection& connection) {
  auto* tls = std::get_if<TlsStream>(&connection.stream);
  if (tls == nullptr) return;
  SSL_SESSION* session = SSL_get0_session(tls->native_handle());
  if (session == nullptr || SSL_SESSION_is_resumable(session) == 0) return;
  // A copy: a connection freed without close_notify marks its own session not resumable.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy != nullptr) tls_sessions_[connection.tls_session_key].reset(copy);
}

void UpstreamPools::schedule_close_excess(std::chrono::milliseconds delay) {
  if (sweep_scheduled_) return;  // every excess connection waits the same excess_idle
  sweep_scheduled_ = true;
  sweep_timer_.expires_after(delay);
  sweep_timer_.async_wait([this](error_code ec) {
    if (ec) return;  // the pools are going away
    sweep_scheduled_ = false;
    close_excess();
  });
}

void UpstreamPools::close_excess() {
  const int64_t now = now_ms();
  const int64_t idle_ms = excess_idle.count();
  int64_t next = std::numeric_limits<int64_t>::max();
  for (auto& [key, list] : idle_) {
    auto& c = list.connections;
    size_t excess = c.size() > list.max_idle ? c.size() - list.max_idle : 0;
    size_t closing = 0;  // the least recently used go first
    while (closing < excess && now - c[closing]->idle_since_ms >= idle_ms) ++closing;
    c.erase(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(closing));
    idle_total_.fetch_sub(closing, std::memory_order_relaxed);
    // Still too many: the least recently used of them decides when to look again.
    if (closing < excess) next = std::min(next, c.front()->idle_since_ms + idle_ms);
  }
  if (next != std::numeric_limits<int64_t>::max()) {
    schedule_close_excess(std::chrono::milliseconds(std::max<int64_t>(next - now, 1)));
  }
}

size_t UpstreamPools::idle_count() const { return idle_total_.load(std::memory_order_relaxed); }

std::string upstream_tls_key(const config::UpstreamTls& tls) {
  return std::string(tls.verify ? "v" : "n") + "|" + tls.ca;
}

std::shared_ptr<ssl::context> make_upstream_tls_context(const config::UpstreamTls& tls,
                                                        std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ec;
  if (tls.verify) {
    if (tls.ca.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(tls.ca, ec);
    }
    if (ec) {
      error = "cannot load CA " + (tls.ca.empty() ? std::string("store") : tls.ca) + ": " +
              ec.message();
      return nullptr;
    }
    ctx->set_verify_mode(ssl::verify_peer);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

ssl::context* UpstreamPools::tls_context(const UpstreamSet& upstream, std::string& error) {
  std::string key = upstream_tls_key(upstream.config.tls);
  auto it = tls_contexts_.find(key);
  if (it != tls_contexts_.end()) return it->second.get();
  auto ctx = make_upstream_tls_context(upstream.config.tls, error);
  if (!ctx) return nullptr;
  return (tls_contexts_[key] = std::move(ctx)).get();
}

asio::awaitable<ConnectResult> UpstreamPools::connect(const Target& target,
                                                      const UpstreamSet& upstream,
                                                      std::string sni_host,
                                                      std::chrono::milliseconds timeout) {
  ConnectResult result;
  error_code ec;
  if (target.scheme == Scheme::Unix) {
    tcp::socket socket(context_);
    const error_code uec = co_await connect_unix(deadlines_, socket, target.host, timeout);
    if (uec) {
      result.failure =
          uec == beast::error::timeout ? ConnectFailure::Timeout : ConnectFailure::Refused;
      result.message = "connect " + target.host + ": " + uec.message();
      co_return result;
    }
    result.connection =
        std::make_unique<UpstreamConnection>(DeadlineStream(std::move(socket), deadlines_));
    result.connection->h2 = target.h2c;
    co_return result;
  }
  std::vector<tcp::endpoint> endpoints;
  auto literal = asio::ip::make_address(target.host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, target.port);
  } else {
    tcp::resolver resolver(context_);
    auto [rec, results] =
        co_await resolver.async_resolve(target.host, std::to_string(target.port), nothrow);
    if (rec) {
      result.failure = ConnectFailure::Resolve;
      result.message = "cannot resolve " + target.host + ": " + rec.message();
      co_return result;
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  tcp::socket socket(context_);
  error_code cec = asio::error::host_not_found;
  for (const auto& endpoint : endpoints) {  // the first that accepts
    cec = co_await connect_socket(deadlines_, socket, endpoint.protocol().family(), endpoint.data(),
                                  endpoint.size(), timeout);
    if (!cec) break;
  }
  if (cec) {
    result.failure =
        cec == beast::error::timeout ? ConnectFailure::Timeout : ConnectFailure::Refused;
    result.message =
        "connect " + target.host + ":" + std::to_string(target.port) + ": " + cec.message();
    co_return result;
  }
  socket.set_option(tcp::no_delay(true), ec);
  DeadlineStream connected(std::move(socket), deadlines_);
  if (target.scheme != Scheme::Https) {
    result.connection = std::make_unique<UpstreamConnection>(std::move(connected));
    result.connection->h2 = target.h2c;
    co_return result;
  }
  std::string tls_error;
  ssl::context* ctx = tls_context(upstream, tls_error);
  if (ctx == nullptr) {
    result.failure = ConnectFailure::Tls;
    result.message = tls_error;
    co_return result;
  }
  TlsStream tls(std::move(connected), *ctx);
  beast::get_lowest_layer(tls).expires_after(timeout);  // the handshake is part of connecting
  if (!SSL_set_tlsext_host_name(tls.native_handle(), sni_host.c_str())) {
    result.failure = ConnectFailure::Tls;
    result.message = "cannot set SNI " + sni_host;
    co_return result;
  }
  if (upstream.config.tls.verify && !tls.verify_host(sni_host)) {
    result.failure = ConnectFailure::Tls;
    result.message = "cannot verify the name " + sni_host;
    co_return result;
  }
  std::string session_key =
      target.key + "\n" + sni_host + "\n" + upstream_tls_key(upstream.config.tls);
  auto kept = tls_sessions_.find(session_key);
  if (kept != tls_sessions_.end()) SSL_set_session(tls.native_handle(), kept->second.get());
  const std::string& protocol = upstream.config.protocol;
  static constexpr unsigned char h2_or_http11[] = {2,   'h', '2', 8,   'h', 't',
                                                   't', 'p', '/', '1', '.', '1'};
  static constexpr unsigned char h2_only[] = {2, 'h', '2'};
  if (protocol == "auto")
    SSL_set_alpn_protos(tls.native_handle(), h2_or_http11, sizeof h2_or_http11);
  if (protocol == "h2") SSL_set_alpn_protos(tls.native_handle(), h2_only, sizeof h2_only);
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, nothrow);
  if (hec) {
    tls_sessions_.erase(session_key);  // whatever it was, the next try starts afresh
    result.failure = hec == beast::error::timeout ? ConnectFailure::Timeout : ConnectFailure::Tls;
    result.message = "TLS handshake with " + sni_host + ": " + hec.message();
    co_return result;
  }
  const unsigned char* alpn = nullptr;
  unsigned int alpn_size = 0;
  SSL_get0_alpn_selected(tls.native_handle(), &alpn, &alpn_size);
  const bool h2 = std::string_view(reinterpret_cast<const char*>(alpn), alpn_size) == "h2";
  if (protocol == "h2" && !h2) {
    result.failure = ConnectFailure::Tls;
    result.message = "TLS handshake with " + sni_host +
                     ": the upstream did not agree to HTTP/2 (ALPN h2), which protocol = \"h2\" "
                     "requires";
    co_return result;
  }
  result.connection = std::make_unique<UpstreamConnection>(std::move(tls));
  result.connection->h2 = h2;
  result.connection->tls_session_key = std::move(session_key);
  co_return result;
}

}  // namespace bridge::proxy
