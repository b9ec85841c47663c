#pragma once
// Upstream connections: connect (with TLS when the target is https://), keep idle ones per
// target for reuse. One UpstreamPools per worker: no locks.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/snapshot.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

namespace bridge::proxy {

using PlainStream = DeadlineStream;

struct UpstreamConnection {
  explicit UpstreamConnection(PlainStream s) : stream(std::move(s)) {}
  explicit UpstreamConnection(TlsStream s) : stream(std::move(s)) {}
  std::variant<PlainStream, TlsStream> stream;
  beast::flat_buffer buffer;  // bytes read past the previous response
  int64_t idle_since_ms = 0;
  bool reused = false;
  bool h2 = false;  // speaks HTTP/2 (h2c, or ALPN chose h2): the pool runs it as a session
  std::string tls_session_key;  // TLS: where its session is kept for resumption
  DeadlineStream& tcp() {
    if (auto* p = std::get_if<PlainStream>(&stream)) return *p;
    return beast::get_lowest_layer(std::get<TlsStream>(stream));
  }
};

enum class ConnectFailure { None, Refused, Timeout, Resolve, Tls };

struct ConnectResult {
  std::unique_ptr<UpstreamConnection> connection;
  ConnectFailure failure = ConnectFailure::None;
  std::string message;  // for logs and error bodies
};

/// A client context for an upstream's `tls` table: verify against `ca` (or the system store)
/// unless verify = false. Null with `error` set when the CA cannot be loaded.
std::shared_ptr<ssl::context> make_upstream_tls_context(const config::UpstreamTls& tls,
                                                        std::string& error);
/// Upstreams whose `tls` tables give the same context share it under this key.
std::string upstream_tls_key(const config::UpstreamTls& tls);

class H2UpstreamSession;

class UpstreamPools {
 public:
  UpstreamPools(asio::io_context& context, DeadlineWatch& deadlines)
      : context_(context), deadlines_(deadlines), sweep_timer_(context) {}

  /// An idle connection to `target` (the one used last), or nullptr.
  std::unique_ptr<UpstreamConnection> take(const Target& target);
  /// Keeps `connection` for reuse. Past `max_idle` for its target it is kept too, but closed
  /// once it has been idle for `excess_idle`: a burst above max_idle reuses its connections
  /// instead of closing and reopening them on every round, and they go when the burst ends.
  void give_back(const Target& target, std::unique_ptr<UpstreamConnection> connection,
                 int max_idle);
  static constexpr std::chrono::milliseconds excess_idle{2000};
  /// Keeps a TLS connection's session for the next connection to `connection`'s target to
  /// resume, once the server has sent a ticket for it (in TLS 1.3 after the handshake: call
  /// after an exchange, not when the connection opens).
  void remember_tls_session(UpstreamConnection& connection);
  /// Idle connections kept; safe to read from any thread (for /metrics).
  size_t idle_count() const;

  /// An HTTP/2 session to `target` with room for another stream, or null.
  std::shared_ptr<H2UpstreamSession> h2_session(const Target& target);
  /// Runs a new HTTP/2 connection as a session, kept for the streams that follow.
  std::shared_ptr<H2UpstreamSession> adopt_h2(const Target& target,
                                              std::unique_ptr<UpstreamConnection> connection);
  /// Whether `target` has spoken HTTP/2 on this worker (its streams can share a connection).
  bool speaks_h2(const Target& target) const { return h2_.contains(target.key); }
  /// Returns once no connection to `target` is being opened by announce_h2_connect's holder:
  /// a burst of streams shares the connection the first of them opens.
  asio::awaitable<void> wait_h2_connect(const Target& target);
  /// While the returned guard lives, wait_h2_connect for `target` waits.
  std::shared_ptr<void> announce_h2_connect(const Target& target);

  /// Opens a new connection (TCP connect, then TLS handshake with SNI and verification; ALPN
  /// offers h2 unless the upstream's protocol says http1).
  asio::awaitable<ConnectResult> connect(const Target& target, const UpstreamSet& upstream,
                                         std::string sni_host, std::chrono::milliseconds timeout);

 private:
  struct IdleList {
    std::vector<std::unique_ptr<UpstreamConnection>> connections;  // least recently used first
    size_t max_idle = 0;  // the upstream's max_idle when a connection last came back
  };
  ssl::context* tls_context(const UpstreamSet& upstream, std::string& error);
  /// Closes connections past max_idle that have been idle for excess_idle.
  void close_excess();
  void schedule_close_excess(std::chrono::milliseconds delay);

  asio::io_context& context_;
  DeadlineWatch& deadlines_;  // the worker's: upstream reads and writes time out there
  std::unordered_map<std::string, IdleList> idle_;
  asio::steady_timer sweep_timer_;
  bool sweep_scheduled_ = false;
  std::map<std::string, std::shared_ptr<ssl::context>> tls_contexts_;
  struct FreeSession {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
  };
  // The last resumable session per target, SNI name and TLS settings: a new connection
  // resumes it (no certificate to send and verify) as haproxy does with its servers.
  std::unordered_map<std::string, std::unique_ptr<SSL_SESSION, FreeSession>> tls_sessions_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<H2UpstreamSession>>> h2_;
  // Connections to HTTP/2 targets being opened: their waiters wake when the timer is cancelled.
  std::unordered_map<std::string, std::shared_ptr<asio::steady_timer>> h2_connecting_;
  std::atomic<size_t> idle_total_{0};
};

}  // namespace bridge::proxy
