// HTTPS requests to the ACME server over the shared HTTP client, with ACME's messages.
#include "cert/acme/https.hpp"
#include "net/http_client.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <filesystem>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = asio::ssl;

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

std::string doing(net::HttpStep step) {
  switch (step) {
  case net::HttpStep::Resolve:
    return "resolving";
  case net::HttpStep::Connect:
    return "connecting to";
  case net::HttpStep::Handshake:
    return "TLS handshake with";
  case net::HttpStep::Write:
    return "sending to";
  case net::HttpStep::Read:
    break;
  }
  return "reading from";
}

Error network_error(const Url& url, const net::HttpFailure& failure) {
  const auto& ec = failure.ec;
  std::string where = url.host + ":" + url.port;
  std::string hint = "is the ACME server at " + where + " reachable?";
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
    hint = "the ACME server's certificate did not verify; trust its root with --ca-bundle "
           "(bridge cert acme) or [acme] ca_bundle (bridge up)";
  }
  return Error::runtime(doing(failure.step) + " " + where + " failed: " + ec.message(), hint);
}

// Plain functions, not coroutine code: GCC 12 mishandles braced temporaries in coroutine frames.
net::HttpRequest make_request(Request& request, const Url& url) {
  net::HttpRequest req;
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

Reply to_reply(net::HttpResponse& res) {
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
  net::ExchangeOptions options;
  options.timeout = timeout;
  options.body_limit = uint64_t{4} * 1024 * 1024;
  auto res = co_await net::http_exchange(net::HttpPeer::tls_over_tcp(url->host, url->port, tls),
                                         make_request(request, *url), options);
  if (!res) co_return network_error(*url, res.error());
  co_return to_reply(*res);
}

}  // namespace bridge::cert::acme::detail
