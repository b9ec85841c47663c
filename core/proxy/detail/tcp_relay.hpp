#pragma once
// Bytes both ways between a client and an upstream TCP connection, for TCP routes: each
// direction reads into a pooled buffer and writes it all before reading again (a slow reader
// holds its sender back through TCP's own window), a FIN one way is passed on as a FIN
// (shutdown of the sending side) while the other way goes on, and the connection closes when
// both ways have ended, either side resets, or no byte moved either way for the idle timeout.
// The client side is a socket, or a TLS stream a terminating route opened (its FIN is TLS's
// close_notify).

#include "proxy/detail/asio.hpp"
#include "proxy/detail/buffer_pool.hpp"
#include "proxy/detail/tls_stream.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace bridge::proxy {

/// How a relayed connection ended, for logs, records and metrics (trace::tcp_end_names).
enum class TcpEnd : uint8_t {
  ClientClosed,    // both sides sent FIN, the client first: the normal end
  UpstreamClosed,  // both sides sent FIN, the upstream first
  IdleTimeout,     // nothing moved either way for the route's idle_timeout
  ClientReset,     // the client's side failed (RST, or a write to it failed)
  UpstreamReset,   // the upstream's side failed
  ConnectFailed,   // no upstream connection (not a relay's end; for records)
  Drained,         // bridge shut down and the drain timeout passed
  Rejected,        // a middleware (ipAllowList, inFlightConn) closed it (for records)
  Aborted,         // aborted at a breakpoint (for records)
};

std::string_view tcp_end_name(TcpEnd end);

struct TcpRelayResult {
  uint64_t bytes_up = 0;    // client -> upstream
  uint64_t bytes_down = 0;  // upstream -> client
  TcpEnd end = TcpEnd::ClientClosed;
};

/// One relayed connection. run() relays until the connection ends and closes both sockets;
/// stop() ends it from outside (drain), on the worker's thread.
template <class ClientStream>
class BasicTcpRelay {
 public:
  BasicTcpRelay(ClientStream& client, tcp::socket& upstream, std::chrono::milliseconds idle,
                BufferPool& buffers)
      : client_(client), upstream_(upstream), idle_(idle), buffers_(buffers),
        idle_timer_(upstream.get_executor()),
        wake_(upstream.get_executor(), asio::steady_timer::time_point::max()) {}
  BasicTcpRelay(const BasicTcpRelay&) = delete;
  BasicTcpRelay& operator=(const BasicTcpRelay&) = delete;

  /// `first`: bytes the client sent that were read before the upstream connected (`first_size`
  /// of them at the start of the buffer); they go upstream first.
  asio::awaitable<TcpRelayResult> run(std::optional<BufferPool::Lease> first = std::nullopt,
                                      size_t first_size = 0);
  /// Closes both sides; the relay ends with `end` unless it had ended already.
  void stop(TcpEnd end);

 private:
  template <class From, class To>
  asio::awaitable<void> pump(From& from, To& to, bool from_client, uint64_t& bytes,
                             BufferPool::Lease buffer, size_t pending);
  /// Closes both sides once nothing moved for the idle timeout; re-arms itself until then.
  void arm_idle();
  void close_both();

  ClientStream& client_;
  tcp::socket& upstream_;
  std::chrono::milliseconds idle_;
  BufferPool& buffers_;
  Clock::time_point last_activity_ = Clock::now();
  asio::steady_timer idle_timer_;
  asio::steady_timer wake_;    // never expires: cancelled to wake run() (see there)
  bool idle_pending_ = false;  // arm_idle's handler has yet to run
  bool finished_ = false;      // both directions ended; the idle handler only wakes run()
  TcpRelayResult result_;
  bool ended_ = false;  // the first failure (or stop) decided result_.end
  int fins_ = 0;
};

using TcpRelay = BasicTcpRelay<tcp::socket>;
using TlsTcpRelay = BasicTcpRelay<TlsStream>;  // a terminating route's: TLS to the client
extern template class BasicTcpRelay<tcp::socket>;
extern template class BasicTcpRelay<TlsStream>;

}  // namespace bridge::proxy
