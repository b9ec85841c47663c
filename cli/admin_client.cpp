#include "admin_client.hpp"
#include "common/text.hpp"
#include "common/url.hpp"
#include "net/http_client.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <cerrno>

namespace bridge::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

namespace {

constexpr uint64_t max_answer_bytes = uint64_t{64} * 1024 * 1024;

AdminFailure failure(std::string message, std::string hint = {}) {
  return AdminFailure{false, Error::runtime(std::move(message), std::move(hint))};
}

std::string reason_of(const error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::not_found || ec == asio::error::host_not_found) return "no such host";
  if (ec == beast::error::timeout) return "timed out";
  if (ec.value() == ENOENT) return "no such socket";
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

net::HttpPeer peer_of(const AdminAddress& address) {
  return address.unix_socket ? net::HttpPeer::unix_socket(address.path)
                             : net::HttpPeer::tcp(address.host, address.port);
}

// A failed connect means nothing listens there; a later failure means bridge broke off.
AdminFailure failure_of(const AdminAddress& address, const net::HttpFailure& failed,
                        std::string_view doing_write, std::string_view doing_read) {
  switch (failed.step) {
  case net::HttpStep::Resolve:
  case net::HttpStep::Connect:
  case net::HttpStep::Handshake:
    return unreachable(address, failed.ec);
  case net::HttpStep::Write:
    return broken(address, failed.ec, doing_write);
  case net::HttpStep::Read:
    break;
  }
  return broken(address, failed.ec, doing_read);
}

net::HttpRequest make_request(const AdminEndpoint& endpoint, const std::string& method,
                              const std::string& target) {
  net::HttpRequest req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, endpoint.address.authority());
  req.set(http::field::user_agent, "bridge-cli");
  if (!endpoint.token.empty()) req.set(http::field::authorization, "Bearer " + endpoint.token);
  return req;
}

AdminResponse to_response(int status, std::string text) {
  AdminResponse out;
  out.status = status;
  out.text = std::move(text);
  out.body = nlohmann::json::parse(out.text, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

// One request of the admin API: the endpoint's token, the caller's headers, a JSON body.
net::HttpRequest json_request(const AdminEndpoint& endpoint, const std::string& method,
                              const std::string& target, const std::optional<nlohmann::json>& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  auto req = make_request(endpoint, method, target);
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
  if (body) req.body() = body->dump();
  req.prepare_payload();
  return req;
}

net::ExchangeOptions exchange_options(std::chrono::milliseconds timeout) {
  net::ExchangeOptions options;
  options.timeout = timeout;
  options.body_limit = max_answer_bytes;
  return options;
}

AdminResult<AdminResponse> answer_of(const AdminAddress& address, const std::string& method,
                                     const std::string& target,
                                     net::HttpResult<net::HttpResponse> answer) {
  if (!answer) {
    return failure_of(address, answer.error(), "sending " + method + " " + target,
                      "reading the answer to " + method + " " + target);
  }
  int status = static_cast<int>(answer->result_int());
  AdminResponse out = to_response(status, std::move(answer->body()));
  for (const auto& field : *answer) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

// Hands one ndjson line to `on_line`; false when it asked to stop.
bool handle_line(std::string_view raw, const LineHandler& on_line) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (raw.empty()) return true;
  auto line = nlohmann::json::parse(raw, nullptr, false);
  if (line.is_discarded()) return true;  // a torn or foreign line is not worth dying for
  return on_line(line, raw);
}

}  // namespace

std::string AdminAddress::display() const {
  if (unix_socket) return "unix:" + path;
  return "http://" + authority();
}

std::string AdminAddress::authority() const {
  if (unix_socket) return "localhost";
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
    if (out.path.rfind("//", 0) == 0) out.path.erase(0, 2);  // unix:///path
    if (out.path.empty()) return Error::usage(where + ": \"unix:\" needs a socket path");
    return out;
  }
  std::string_view rest = text;
  if (rest.rfind("http://", 0) == 0) rest.remove_prefix(7);
  if (rest.rfind("https://", 0) == 0) {
    return Error::usage(where + ": the admin API speaks plain HTTP", "write http://HOST:PORT");
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
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
  auto answer = co_await net::http_exchange(peer_of(address),
                                            json_request(endpoint_, method, target, body, headers),
                                            exchange_options(timeout));
  co_return answer_of(address, method, target, std::move(answer));
}

asio::awaitable<AdminResult<AdminResponse>> AdminClient::stream(std::string target,
                                                                LineHandler on_line,
                                                                std::function<void()> on_open,
                                                                std::chrono::milliseconds idle) {
  const AdminAddress& address = endpoint_.address;
  auto req = make_request(endpoint_, "GET", target);
  req.set(http::field::accept, "application/x-ndjson");
  req.prepare_payload();
  net::HttpStream lines;
  // Connect and send within 10 s; the head may take as long as a quiet stream.
  auto open_timeout = std::max<std::chrono::milliseconds>(std::chrono::seconds(10), idle);
  auto opened = co_await lines.open(peer_of(address), std::move(req), open_timeout);
  if (!opened)
    co_return failure_of(address, opened.error(), "opening " + target, "opening " + target);
  int status = static_cast<int>(lines.head().result_int());
  if (status != 200) {
    std::string text;
    for (;;) {
      auto piece = co_await lines.read_some(idle);
      if (!piece || !*piece) break;
      text += **piece;
    }
    co_return to_response(status, std::move(text));
  }
  if (on_open) on_open();
  for (;;) {
    auto line = co_await lines.next_line(idle);
    if (!line) {
      const error_code& ec = line.error().ec;
      if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
      co_return broken(address, ec, "reading " + target);
    }
    if (!*line) break;
    if (!handle_line(**line, on_line)) co_return AdminResponse{200, nullptr, {}, {}};
  }
  co_return failure("the bridge admin API at " + address.display() + " ended the stream " + target,
                    "bridge probably stopped or restarted");
}

AdminResult<AdminResponse>
admin_request_sync(const AdminEndpoint& endpoint, const std::string& method,
                   const std::string& target, const std::optional<nlohmann::json>& body,
                   const std::vector<std::pair<std::string, std::string>>& headers) {
  auto answer = net::http_exchange_sync(peer_of(endpoint.address),
                                        json_request(endpoint, method, target, body, headers),
                                        exchange_options(std::chrono::seconds(10)));
  return answer_of(endpoint.address, method, target, std::move(answer));
}

}  // namespace bridge::cli
