#include "common/url.hpp"
#include "net/asio.hpp"
#include "common/text.hpp"
#include "admin_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <memory>

namespace bridge::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;
using generic_stream = asio::generic::stream_protocol;
using Stream =
    beast::basic_stream<generic_stream, asio::any_io_executor, beast::unlimited_rate_policy>;

namespace {

using net::nothrow;

AdminFailure failure(std::string message, std::string hint = {}) {
  return AdminFailure{false, Error::runtime(std::move(message), std::move(hint))};
}

std::string reason_of(const error_code& ec) {
  if (ec == asio::error::connection_refused)
    return "connection refused";
  if (ec == asio::error::not_found || ec == asio::error::host_not_found)
    return "no such host";
  if (ec == beast::error::timeout)
    return "timed out";
  if (ec.value() == ENOENT)
    return "no such socket";
  return ec.message();
}

AdminFailure unreachable(const AdminAddress& address, const error_code& ec) {
  return AdminFailure{true, Error::runtime("cannot reach the bridge admin API at " +
                                           address.display() + ": " + reason_of(ec) +
                                           " — is `bridge up` running? (bridge.admin in the "
                                           "profile sets the address)")};
}

AdminFailure broken(const AdminAddress& address, const error_code& ec, std::string_view doing) {
  return failure("the bridge admin API at " + address.display() + " failed while " +
                     std::string(doing) + ": " + reason_of(ec),
                 "check that bridge is still running (`bridge up` prints errors on stderr)");
}

// A pointer: basic_stream's variadic constructor would make result<Stream, E> ambiguous.
asio::awaitable<AdminResult<std::unique_ptr<Stream>>> connect(const AdminAddress& address,
                                                              std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  auto owned = std::make_unique<Stream>(ex);
  Stream& stream = *owned;
  stream.expires_after(timeout);
  if (address.unix_socket) {
    generic_stream::endpoint ep{asio::local::stream_protocol::endpoint(address.path)};
    auto [ec] = co_await stream.async_connect(ep, nothrow);
    if (ec)
      co_return unreachable(address, ec);
    co_return std::move(owned);
  }
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(address.host, address.port, nothrow);
  if (rec)
    co_return unreachable(address, rec);
  error_code last = asio::error::host_not_found;
  for (const auto& entry : results) {
    generic_stream::endpoint ep{entry.endpoint()};
    auto [ec] = co_await stream.async_connect(ep, nothrow);
    if (!ec)
      co_return std::move(owned);
    last = ec;
    stream.close();
  }
  co_return unreachable(address, last);
}

http::request<http::string_body>
make_request(const AdminEndpoint& endpoint, const std::string& method, const std::string& target) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, endpoint.address.authority());
  req.set(http::field::user_agent, "bridge-cli");
  if (!endpoint.token.empty())
    req.set(http::field::authorization, "Bearer " + endpoint.token);
  return req;
}

AdminResponse to_response(int status, std::string text) {
  AdminResponse out;
  out.status = status;
  out.text = std::move(text);
  out.body = nlohmann::json::parse(out.text, nullptr, false);
  if (out.body.is_discarded())
    out.body = nullptr;
  return out;
}

// Splits `pending` into complete lines, hands each to `on_line`; false when it asked to stop.
bool drain_lines(std::string& pending, const LineHandler& on_line) {
  size_t start = 0;
  for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view raw(pending.data() + start, nl - start);
    if (!raw.empty() && raw.back() == '\r')
      raw.remove_suffix(1);
    if (raw.empty())
      continue;
    auto line = nlohmann::json::parse(raw, nullptr, false);
    if (line.is_discarded())
      continue; // a torn or foreign line is not worth dying for
    if (!on_line(line, raw))
      return false;
  }
  pending.erase(0, start);
  return true;
}

} // namespace

std::string AdminAddress::display() const {
  if (unix_socket)
    return "unix:" + path;
  return "http://" + authority();
}

std::string AdminAddress::authority() const {
  if (unix_socket)
    return "localhost";
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

std::string AdminResponse::message() const {
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    return body["message"].get<std::string>();
  }
  return text.empty() ? "HTTP " + std::to_string(status) : text;
}

Result<AdminAddress> parse_admin_address(std::string_view text, std::string_view what) {
  AdminAddress out;
  std::string where(what);
  if (text.rfind("unix:", 0) == 0) {
    out.unix_socket = true;
    out.path = std::string(text.substr(5));
    if (out.path.rfind("//", 0) == 0)
      out.path.erase(0, 2); // unix:///path
    if (out.path.empty())
      return Error::usage(where + ": \"unix:\" needs a socket path");
    return out;
  }
  std::string_view rest = text;
  if (rest.rfind("http://", 0) == 0)
    rest.remove_prefix(7);
  if (rest.rfind("https://", 0) == 0) {
    return Error::usage(where + ": the admin API speaks plain HTTP", "write http://HOST:PORT");
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos)
    rest = rest.substr(0, slash);
  std::string hint = "write it as http://127.0.0.1:9901 or unix:/path/to/socket";
  std::string_view host, port;
  if (rest.rfind('[', 0) == 0) {
    auto close = rest.find(']');
    if (close == std::string_view::npos || rest.substr(close + 1, 1) != ":") {
      return Error::usage(where + ": \"" + std::string(text) + "\" is not HOST:PORT", hint);
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return Error::usage(where + ": \"" + std::string(text) + "\" has no port", hint);
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  bool digits = !port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos;
  if (host.empty() || !digits || port.size() > 5 || std::stoi(std::string(port)) > 65535) {
    return Error::usage(where + ": \"" + std::string(text) + "\" is not HOST:PORT", hint);
  }
  if (port == "0") {
    return Error::usage(
        where + " is \"" + std::string(text) + "\": port 0 is picked by `bridge up` when it starts",
        "pass --admin with the address `bridge up` printed (\"admin   http://...\")");
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

AdminClient::AdminClient(asio::any_io_executor executor, AdminEndpoint endpoint)
    : executor_(std::move(executor)), endpoint_(std::move(endpoint)) {}

asio::awaitable<AdminResult<AdminResponse>>
AdminClient::request(std::string method, std::string target, std::optional<nlohmann::json> body,
                     std::chrono::milliseconds timeout,
                     std::vector<std::pair<std::string, std::string>> headers) {
  const AdminAddress& address = endpoint_.address;
  auto connected = co_await connect(address, timeout);
  if (!connected)
    co_return connected.error();
  Stream& stream = **connected;
  auto req = make_request(endpoint_, method, target);
  for (const auto& [name, value] : headers) {
    if (iequals(name, "host")) {
      req.set(http::field::host, value);
    } else {
      req.insert(name, value);
    }
  }
  // The admin API refuses a request that changes something without this Content-Type, body
  // or not: a web page cannot send it cross-site without a CORS preflight.
  if (body || method == "POST" || method == "PUT" || method == "DELETE")
    req.set(http::field::content_type, "application/json");
  if (body)
    req.body() = body->dump();
  req.prepare_payload();
  stream.expires_after(timeout);
  if (auto [ec, n] = co_await http::async_write(stream, req, nothrow); ec) {
    co_return broken(address, ec, "sending " + method + " " + target);
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow); ec) {
    co_return broken(address, ec, "reading the answer to " + method + " " + target);
  }
  auto res = parser.release();
  error_code ignored;
  stream.socket().shutdown(generic_stream::socket::shutdown_both, ignored);
  AdminResponse out = to_response(static_cast<int>(res.result_int()), std::move(res.body()));
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  co_return out;
}

asio::awaitable<AdminResult<AdminResponse>> AdminClient::stream(std::string target,
                                                                LineHandler on_line,
                                                                std::function<void()> on_open,
                                                                std::chrono::milliseconds idle) {
  const AdminAddress& address = endpoint_.address;
  auto connected = co_await connect(address, std::chrono::seconds(10));
  if (!connected)
    co_return connected.error();
  Stream& stream = **connected;
  auto req = make_request(endpoint_, "GET", target);
  req.set(http::field::accept, "application/x-ndjson");
  req.prepare_payload();
  stream.expires_after(std::chrono::seconds(10));
  if (auto [ec, n] = co_await http::async_write(stream, req, nothrow); ec) {
    co_return broken(address, ec, "opening " + target);
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  stream.expires_after(idle);
  if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, nothrow); ec) {
    co_return broken(address, ec, "opening " + target);
  }
  int status = static_cast<int>(parser.get().result_int());
  std::string pending;
  char chunk[16 * 1024];
  if (status == 200 && on_open)
    on_open();
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    stream.expires_after(idle);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, nothrow);
    if (ec == http::error::need_buffer)
      ec = {};
    pending.append(chunk, sizeof chunk - parser.get().body().size);
    if (status != 200) {
      if (ec)
        break;
      continue;
    }
    if (!drain_lines(pending, on_line))
      co_return AdminResponse{200, nullptr, {}, {}};
    if (ec == http::error::end_of_stream || ec == asio::error::eof)
      break;
    if (ec)
      co_return broken(address, ec, "reading " + target);
  }
  if (status != 200)
    co_return to_response(status, std::move(pending));
  co_return failure("the bridge admin API at " + address.display() + " ended the stream " + target,
                    "bridge probably stopped or restarted");
}

AdminResult<AdminResponse>
admin_request_sync(const AdminEndpoint& endpoint, std::string method, std::string target,
                   std::optional<nlohmann::json> body,
                   std::vector<std::pair<std::string, std::string>> headers) {
  asio::io_context io;
  AdminClient client(io.get_executor(), endpoint);
  std::optional<AdminResult<AdminResponse>> out;
  asio::co_spawn(io,
                 client.request(std::move(method), std::move(target), std::move(body),
                                std::chrono::seconds(10), std::move(headers)),
                 [&out](std::exception_ptr e, AdminResult<AdminResponse> r) {
                   if (e)
                     std::rethrow_exception(e);
                   out = std::move(r);
                 });
  io.run();
  return std::move(*out);
}


} // namespace bridge::cli
