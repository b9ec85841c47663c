#pragma once
/// Asio plumbing shared by every area that does network I/O (proxy, cert's ACME client,
/// discovery's Docker and kubectl clients, the CLI's admin client).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bridge::net {

/// Completion token for co_await: errors come back as values (a tuple whose first element is
/// the error_code), never as exceptions. Every I/O step on bytes from a peer uses it.
constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace bridge::net
