#include "proxy/detail/request_head.hpp"

#include "proxy/detail/read_head.hpp"

#include "http/http.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/rewrite.hpp"

namespace bridge::proxy {

template asio::awaitable<HeadStatus> read_head(DeadlineStream&, beast::flat_buffer&, size_t,
                                               std::chrono::milliseconds, std::chrono::milliseconds,
                                               size_t&, error_code&);
template asio::awaitable<HeadStatus> read_head(TlsClientStream&, beast::flat_buffer&, size_t,
                                               std::chrono::milliseconds, std::chrono::milliseconds,
                                               size_t&, error_code&);

namespace {

std::optional<std::string> vet_target(RequestHead& head) {
  std::string_view target = head.target;
  if (head.method == Method::Connect) {
    return "CONNECT is not supported: bridge is a reverse proxy, not a forward proxy";
  }
  if (!target.empty() && target.front() == '/') {
    if (target.find('#') == std::string_view::npos) return std::nullopt;
    return "fragment (#) in the request target (a client never sends one)";
  }
  if (target == "*") {
    if (head.method == Method::Options) return std::nullopt;
    return "asterisk-form target is only valid with OPTIONS";
  }
  if (target.find('#') != std::string_view::npos) {
    return "fragment (#) in the request target (a client never sends one)";
  }
  std::string_view rest;
  if (target.substr(0, 7) == "http://")
    rest = target.substr(7);
  else if (target.substr(0, 8) == "https://")
    rest = target.substr(8);
  else
    return "invalid request target \"" + std::string(target.substr(0, 64)) + "\"";
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) return "userinfo in the request target";
  const std::string_view host = head.fields.get(Field::Host);
  if (!iequals(authority, host)) {
    return "absolute-form target authority \"" + std::string(authority) +
           "\" does not match Host \"" + std::string(host) + "\"";
  }
  std::string origin_form = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (origin_form.front() == '?') origin_form.insert(origin_form.begin(), '/');
  head.target = std::move(origin_form);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> vet_request_head(RequestHead& head) {
  const size_t hosts = head.fields.count(Field::Host);
  if (hosts > 1) return "multiple Host headers";
  if (hosts == 0 && head.version >= 11) return "missing Host header (required in HTTP/1.1)";
  // A Host with spaces or '/' would be forwarded and forge fields in the text access log.
  if (std::string_view host = head.fields.get(Field::Host); !bridge::http::valid_host(host)) {
    return "invalid Host header \"" + std::string(host.substr(0, 256)) +
           "\" (expected a name, IPv4 or [IPv6] address, and an optional :port)";
  }
  if (!bridge::http::valid_utf8(head.target)) {
    return "request target is not valid UTF-8 (percent-encode other bytes)";
  }
  return vet_target(head);
}

}  // namespace bridge::proxy
