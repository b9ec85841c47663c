#include "config/detail/decode.hpp"
#include "config/detail/layer.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>

namespace bridge::config::detail {
namespace {

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// Listen addresses may use port 0 (the kernel picks one; bridge prints it).
std::string check_port(std::string_view port, bool allow_zero = false) {
  if (port.empty()) return "missing port";
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      }))
    return "port \"" + std::string(port) + "\" is not a number";
  int n = std::stoi(std::string(port));
  if ((n == 0 && !allow_zero) || n > 65535) return "port must be 1-65535";
  return {};
}

bool is_ipv4(std::string_view host) {
  in_addr out{};
  return inet_pton(AF_INET, std::string(host).c_str(), &out) == 1;
}

bool is_ipv6(std::string_view host) {
  in6_addr out{};
  return inet_pton(AF_INET6, std::string(host).c_str(), &out) == 1;
}

// host:port or [v6]:port; the port may be left out when `port_required` is false.
std::string check_host_port(std::string_view text, bool port_required, bool allow_zero = false) {
  std::string_view host = text, port;
  bool has_port = false;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return "missing \"]\" after the IPv6 address";
    host = text.substr(1, close - 1);
    if (!is_ipv6(host)) return "\"" + std::string(host) + "\" is not an IPv6 address";
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return "expected \":port\" after \"]\"";
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos) {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      has_port = true;
    }
    if (host.find(':') != std::string_view::npos)
      return "IPv6 addresses go in brackets, like [::1]:8080";
    if (host.empty()) return "missing host";
    if (!std::all_of(host.begin(), host.end(), valid_host_char))
      return "\"" + std::string(host) + "\" is not a host name or address";
    bool numeric = std::all_of(host.begin(), host.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
    });
    if (numeric && !is_ipv4(host)) return "\"" + std::string(host) + "\" is not an IPv4 address";
  }
  if (has_port) return check_port(port, allow_zero);
  return port_required ? "missing port" : "";
}

std::string check_k8s(std::string_view rest) {
  constexpr std::string_view form = "expected k8s://NAMESPACE/SERVICE:PORT[?context=C&mode=direct]";
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::string(form);
  if (!valid_name(rest.substr(0, slash))) return std::string(form);
  // SERVICE:PORT, the port a number or the name of one of the Service's ports ("http").
  const std::string_view service_port = rest.substr(slash + 1);
  const auto colon = service_port.rfind(':');
  const std::string_view port =
      colon == std::string_view::npos ? std::string_view() : service_port.substr(colon + 1);
  if (!port.empty() && !(port[0] >= '0' && port[0] <= '9')) {
    if (!valid_name(service_port.substr(0, colon)) || !valid_name(port)) return std::string(form);
  } else if (auto why = check_host_port(service_port, true); !why.empty()) {
    return why;
  }
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (key == "mode" && value != "direct" && value != "port-forward")
      return "mode must be direct or port-forward";
    if (key != "mode" && key != "context")
      return "unknown parameter \"" + std::string(key) + "\" (context, mode)";
  }
  return {};
}

}  // namespace

std::string check_address(std::string_view text) {
  if (text.starts_with("unix:"))
    return text.size() > 5 ? "" : "missing the socket path after \"unix:\"";
  return check_host_port(text, true, true);
}

std::string check_target(std::string_view text) {
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return "expected a URL like http://127.0.0.1:3000";
  std::string_view scheme = text.substr(0, sep);
  std::string_view rest = text.substr(sep + 3);
  if (scheme == "http" || scheme == "https" || scheme == "h2c") {
    auto slash = rest.find('/');
    if (slash != std::string_view::npos && slash + 1 != rest.size())
      return "a target has no path; use strip_prefix on the route to rewrite paths";
    return check_host_port(rest.substr(0, slash), false);
  }
  if (scheme == "compose") {
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.find('/') != std::string_view::npos)
      return "expected compose://SERVICE:PORT[?project=P]";
    if (!query.empty() && !query.starts_with("project="))
      return "unknown parameter in \"" + std::string(query) + "\" (project)";
    return check_host_port(rest, true);
  }
  if (scheme == "k8s") return check_k8s(rest);
  if (scheme == "tcp") {
    if (rest.find('/') != std::string_view::npos) return "expected tcp://HOST:PORT";
    return check_host_port(rest, true);
  }
  if (scheme == "unix") {
    if (!rest.starts_with('/')) return "expected unix:///absolute/path.sock";
    // sockaddr_un's sun_path holds 108 bytes with the terminating NUL.
    if (rest.size() > 107) return "the socket path is longer than 107 bytes";
    return {};
  }
  if (scheme == "builtin")
    return rest == "echo" ? "" : "unknown builtin \"" + std::string(rest) + "\" (only echo)";
  return "unknown scheme \"" + std::string(scheme) + "\"";
}

bool valid_header_name(std::string_view name) {
  constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

bool valid_cidr(std::string_view text) {
  std::string address(text.substr(0, text.find('/')));
  unsigned char bytes[16];
  int max_bits = 0;
  if (::inet_pton(AF_INET, address.c_str(), bytes) == 1)
    max_bits = 32;
  else if (::inet_pton(AF_INET6, address.c_str(), bytes) == 1)
    max_bits = 128;
  else
    return false;
  if (text.find('/') == std::string_view::npos) return true;
  std::string_view bits = text.substr(text.find('/') + 1);
  if (bits.empty() || bits.size() > 3) return false;
  int n = 0;
  for (char c : bits) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  return n <= max_bits;
}

bool is_loopback(std::string_view address) {
  if (address.starts_with("unix:")) return true;
  if (address.starts_with("[::1]")) return true;
  return address.starts_with("127.") || address.starts_with("localhost:");
}

}  // namespace bridge::config::detail
