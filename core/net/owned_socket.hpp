#pragma once
/// Sockets bridge opens itself, for the proxy's per-connection path: accept4() and socket()
/// with SOCK_NONBLOCK and SOCK_CLOEXEC, handed to Asio as what they are; and a read that does
/// not wait.

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace bridge::net {

/// The next connection in a non-blocking acceptor's backlog, its peer's address in `peer`;
/// `ec` is would_block when the backlog is empty (nothing waits: the caller async_wait()s).
boost::asio::ip::tcp::socket accept_connection(boost::asio::ip::tcp::acceptor& acceptor,
                                               boost::asio::ip::tcp::endpoint& peer,
                                               boost::system::error_code& ec);

/// A new unconnected stream socket of `family` (AF_INET, AF_INET6, or AF_UNIX: a Unix stream
/// socket reads, writes and shuts down through the same calls as a TCP one), on `executor`.
boost::asio::ip::tcp::socket open_stream_socket(const boost::asio::any_io_executor& executor,
                                                int family, boost::system::error_code& ec);

/// One recv() into `data` that does not wait: the bytes read, 0 at the peer's FIN; 0 with `ec`
/// would_block when nothing is there yet, or with the failure. Unlike an Asio read, the
/// caller goes on at once: no completion passes through the event loop, where every other
/// connection's ready work runs first.
size_t read_now(boost::asio::ip::tcp::socket& socket, void* data, size_t size,
                boost::system::error_code& ec);

}  // namespace bridge::net
