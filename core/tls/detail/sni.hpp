#pragma once
/// Certificates of one listener and the SNI callback that picks among them (internal).

#include "common/error.hpp"
#include "config/config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <vector>

namespace bridge::tls::detail {

/// Applies the listener's protocol floor, cipher list and ALPN to `ctx`.
/// `http1` and `h2`: the protocols ALPN may choose (a listener's http_protocols).
Result<void> harden(boost::asio::ssl::context& ctx, const std::string& min_version,
                    bool http1 = true, bool h2 = false);

/// Loads one cert/key pair into a fresh context configured like the listener's.
Result<std::shared_ptr<boost::asio::ssl::context>> load_pair(const config::CertPair& pair,
                                                             const config::Listener& listener);

/// The contexts of one listener; the first is the default. Installs itself as `front`'s
/// servername callback, so it must live as long as `front` (make_server_context ties them).
struct SniTable {
  std::vector<std::shared_ptr<boost::asio::ssl::context>> contexts;
  void install();
};

}  // namespace bridge::tls::detail
