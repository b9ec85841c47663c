// bridge cert inspect HOST:PORT: the chain a TLS server sends for a given SNI name.
#include "cert/detail/describe.hpp"
#include "cert/detail/inspect.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace bridge::cert {

using namespace detail;
namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

// A plain HTTP server answers a ClientHello with an HTTP 400 (OpenSSL: "wrong version number")
// or waits for a request that never comes: say which, not OpenSSL's or Asio's words alone.
Error handshake_failure(const std::string& where, const boost::system::error_code& failure,
                        std::chrono::milliseconds timeout) {
  const bool not_tls = failure.category() == asio::error::get_ssl_category() &&
                       (ERR_GET_REASON(failure.value()) == SSL_R_WRONG_VERSION_NUMBER ||
                        ERR_GET_REASON(failure.value()) == SSL_R_PACKET_LENGTH_TOO_LONG ||
                        ERR_GET_REASON(failure.value()) == SSL_R_HTTP_REQUEST);
  if (not_tls) {
    return Error::runtime(where +
                              " is not TLS: it answered the TLS handshake with something "
                              "else (" +
                              failure.message() + ")",
                          "a plain HTTP port? inspect the TLS port, or try curl -v http://" +
                              where + "/");
  }
  if (failure == asio::error::timed_out || failure == boost::beast::error::timeout) {
    return Error::runtime(where + " did not answer the TLS handshake within " +
                              std::to_string(timeout.count() / 1000) + " s",
                          "is " + where +
                              " serving TLS? a plain HTTP server waits for a "
                              "request and never answers a handshake");
  }
  return Error::runtime("TLS handshake with " + where + " failed: " + failure.message(),
                        "is " + where + " serving TLS?");
}

}  // namespace

Result<Inspection> inspect_remote(const std::string& host, const std::string& port,
                                  const std::string& server_name, const std::string& ca_dir,
                                  std::chrono::milliseconds timeout) {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_verify_mode(ssl::verify_none);  // we verify ourselves to report why it fails
  ssl::stream<boost::beast::tcp_stream> stream{io, ctx};
  std::string sni = server_name.empty() ? host : server_name;
  auto parsed = parse_name(sni);
  if (parsed && !parsed->is_ip()) SSL_set_tlsext_host_name(stream.native_handle(), sni.c_str());
  static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_set_alpn_protos(stream.native_handle(), alpn, sizeof alpn);

  boost::system::error_code failure;
  std::string step = "resolve";
  asio::ip::tcp::resolver resolver{io};
  resolver.async_resolve(host, port, [&](auto ec, auto results) {
    if (ec) {
      failure = ec;
      return;
    }
    step = "connect";
    boost::beast::get_lowest_layer(stream).expires_after(timeout);
    boost::beast::get_lowest_layer(stream).async_connect(results, [&](auto ec2, auto) {
      if (ec2) {
        failure = ec2;
        return;
      }
      step = "TLS handshake";
      stream.async_handshake(ssl::stream_base::client, [&](auto ec3) { failure = ec3; });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!io.stopped()) failure = asio::error::timed_out;
  std::string where = host + ":" + port;
  if (failure && step == "TLS handshake") return handshake_failure(where, failure, timeout);
  if (failure) {
    return Error::runtime(step + " to " + where + " failed: " + failure.message(),
                          "is a server listening on " + where + "?");
  }
  STACK_OF(X509)* peer = SSL_get_peer_cert_chain(stream.native_handle());
  std::vector<X509Ptr> chain;
  for (int i = 0; peer != nullptr && i < sk_X509_num(peer); ++i) {
    X509* c = sk_X509_value(peer, i);
    X509_up_ref(c);
    chain.emplace_back(c);
  }
  if (chain.empty()) return Error::runtime(where + " sent no certificate");
  Inspection out = inspect_chain(where, chain, ca_dir);
  out.name = check_name(chain.front().get(), sni);
  out.tls_version = SSL_get_version(stream.native_handle());
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &proto, &len);
  out.alpn = std::string(reinterpret_cast<const char*>(proto), len);
  return out;
}

}  // namespace bridge::cert
