#pragma once
/// Asio plumbing shared by every area that does network I/O (proxy, cert's ACME client,
/// discovery's Docker and kubectl clients, the CLI's admin client).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bridge::net {

/// Completion token for co_await: errors come back as values (a tuple whose first element is
/// the error_code), never as exceptions. Every I/O step on bytes from a peer uses it. The
/// operation is deferred and awaited as it is (awaitable_frame_base::await_transform):
/// use_awaitable wrapped each one in a coroutine of its own, a frame allocated and freed per
/// read and per write.
constexpr auto nothrow = boost::asio::as_tuple(boost::asio::deferred);
/// nothrow for Beast's basic_stream connect and ssl_stream handshake, whose results are
/// spelled through async_result's return_type, which deferred operations do not have.
constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace bridge::net
