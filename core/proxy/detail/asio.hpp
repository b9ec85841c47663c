#pragma once
// Short names for the Asio/Beast types used across the proxy.

#include "net/asio.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <map>
#include <memory>
#include <string>

namespace bridge::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

using net::nothrow;
using net::nothrow_awaitable;

using Clock = std::chrono::steady_clock;

/// Server contexts of HTTPS listeners, by listener name.
using ListenerTlsMap = std::map<std::string, std::shared_ptr<ssl::context>>;

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace bridge::proxy
