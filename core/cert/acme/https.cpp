// HTTPS requests to the ACME server with Beast: resolve, connect, handshake, write, read.
#include "cert/acme/https.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <filesystem>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using net::nothrow;

Result<Url> parse_https_url(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) {
    return Error::usage("not an https URL: \"" + url + "\"", "ACME directories are https:// URLs");
  }
  Url out;
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return Error::usage("bad URL \"" + url + "\"");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      out.port = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) out.port = authority.substr(colon + 1);
  }
  if (out.host.empty() || out.port.empty()) return Error::usage("bad URL \"" + url + "\"");
  return out;
}

Result<void> setup_client_context(ssl::context& tls, const std::string& ca_bundle) {
  boost::system::error_code ec;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  tls.set_verify_mode(ssl::verify_peer, ec);
  if (ca_bundle.empty()) {
    tls.set_default_verify_paths(ec);
  } else if (!std::filesystem::exists(ca_bundle)) {
    return Error::usage("--ca-bundle " + ca_bundle + " does not exist");
  } else {
    tls.load_verify_file(ca_bundle, ec);
    if (ec) return Error::usage(ca_bundle + ": not a PEM CA bundle (" + ec.message() + ")");
  }
  return {};
}

namespace {

Error network_error(const std::string& step, const Url& url, const boost::system::error_code& ec) {
  std::string where = url.host + ":" + url.port;
  std::string hint = "is the ACME server at " + where + " reachable?";
  if (ec.category() == asio::error::get_ssl_category() ||
      ec == ssl::error::stream_truncated) {
    hint = "the ACME server's certificate did not verify; trust its root with --ca-bundle "
           "(bridge cert acme) or [acme] ca_bundle (bridge up)";
  }
  return Error::runtime(step + " " + where + " failed: " + ec.message(), hint);
}

// Plain functions, not coroutine code: GCC 12 mishandles braced temporaries in coroutine frames.
http::request<http::string_body> make_request(Request& request, const Url& url) {
  http::request<http::string_body> req;
  req.method(http::string_to_verb(request.method));
  req.target(url.target);
  req.version(11);
  // RFC 9110 7.2: the port is part of Host unless it is the default; servers such as Pebble
  // build the directory's URLs from it.
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  req.set(http::field::host, url.port == "443" ? host : host + ":" + url.port);
  req.set(http::field::user_agent, "bridge-acme/0.1");
  if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
  req.body() = std::move(request.body);
  req.prepare_payload();
  return req;
}

Reply to_reply(http::response<http::string_body>& res) {
  Reply reply;
  reply.status = res.result_int();
  reply.body = std::move(res.body());
  reply.content_type = std::string(res[http::field::content_type]);
  reply.location = std::string(res[http::field::location]);
  reply.replay_nonce = std::string(res["Replay-Nonce"]);
  reply.retry_after = std::string(res[http::field::retry_after]);
  return reply;
}

}  // namespace

asio::awaitable<Result<Reply>> fetch(ssl::context& tls, Request request,
                                     std::chrono::seconds timeout) {
  auto url = parse_https_url(request.url);
  if (!url) co_return url.error();
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver{executor};
  auto [rec, endpoints] = co_await resolver.async_resolve(url->host, url->port, nothrow);
  if (rec) co_return network_error("resolving", *url, rec);
  beast::ssl_stream<beast::tcp_stream> stream{executor, tls};
  if (SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str()) != 1) {
    co_return Error::runtime("cannot set SNI for " + url->host);
  }
  stream.set_verify_callback(ssl::host_name_verification(url->host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, nothrow);
  if (cec) co_return network_error("connecting to", *url, cec);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow);
  if (hec) co_return network_error("TLS handshake with", *url, hec);

  auto req = make_request(request, *url);
  auto [wec, wn] = co_await http::async_write(stream, req, nothrow);
  if (wec) co_return network_error("sending to", *url, wec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(4 * 1024 * 1024);
  if (req.method() == http::verb::head) parser.skip(true);  // Content-Length but no body
  auto [hrec, rn] = co_await http::async_read(stream, buffer, parser, nothrow);
  if (hrec) co_return network_error("reading from", *url, hrec);
  Reply reply = to_reply(parser.get());
  // No TLS close_notify round trip: the connection is dropped, which ACME servers accept and
  // which saves waiting on a peer that may never answer it.
  co_return reply;
}

}  // namespace bridge::cert::acme::detail
