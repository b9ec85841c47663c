#pragma once
// Bytes both ways between a client and an upstream TCP connection, for TCP routes: each
// direction reads into a pooled buffer and writes it all before reading again (a slow reader
// holds its sender back through TCP's own window), a FIN one way is passed on as a FIN
// (shutdown of the sending side) while the other way goes on, and the connection closes when
// both ways have ended, either side resets, or no byte moved either way for the idle timeout.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/buffer_pool.hpp"

#include <cstdint>
#include <string_view>

namespace bridge::proxy {

/// How a relayed connection ended, for logs and records.
enum class TcpEnd : uint8_t {
  BothClosed,     // each side sent FIN: the normal end
  ClientReset,    // the client's side failed (RST, or a write to it failed)
  UpstreamReset,  // the upstream's side failed
  IdleTimeout,    // nothing moved either way for the route's idle_timeout
};

std::string_view tcp_end_name(TcpEnd end);

struct TcpRelayResult {
  uint64_t bytes_up = 0;    // client -> upstream
  uint64_t bytes_down = 0;  // upstream -> client
  TcpEnd end = TcpEnd::BothClosed;
  bool client_closed_first = false;  // whose FIN came first (when both closed)
};

/// Relays until the connection ends; both sockets are closed when it returns.
asio::awaitable<TcpRelayResult> relay_tcp(tcp::socket& client, tcp::socket& upstream,
                                          std::chrono::milliseconds idle, BufferPool& buffers);

}  // namespace bridge::proxy
