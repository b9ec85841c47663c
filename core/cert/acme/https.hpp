#pragma once
/// A minimal HTTPS client for ACME calls: one Beast request per connection (internal).

#include "common/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace bridge::cert::acme::detail {

struct Url {
  std::string host;
  std::string port = "443";
  std::string target = "/";
};

/// Parses https://host[:port]/path; an error for anything else.
Result<Url> parse_https_url(const std::string& url);

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string location;
  std::string replay_nonce;
  std::string retry_after;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::string content_type;  // for POST
};

/// Sends `request` over TLS, verifying the server against `tls`'s roots and the URL's host.
boost::asio::awaitable<Result<Reply>> fetch(boost::asio::ssl::context& tls, Request request,
                                            std::chrono::seconds timeout);

/// A client context: TLS 1.2+, peer verification, roots from `ca_bundle` or the system store.
Result<void> setup_client_context(boost::asio::ssl::context& tls, const std::string& ca_bundle);

}  // namespace bridge::cert::acme::detail
