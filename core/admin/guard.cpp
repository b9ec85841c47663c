// Host, Origin, token and Content-Type checks of the admin API (detail/guard.hpp).
#include "admin/detail/guard.hpp"

#include <algorithm>

namespace bridge::admin {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_loopback_or_wildcard(std::string_view host) {
  return host.starts_with("127.") || host == "::1" || host == "0.0.0.0" || host == "::" ||
         host == "localhost";
}

// A unix socket accepts the loopback names with any port: "localhost", "localhost:80".
bool unix_host_ok(std::string_view host) {
  std::string_view name = host;
  if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
    name = host.substr(0, colon);
  }
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

bool host_ok(const Access& access, const Head& head, std::string_view host) {
  std::string wanted = lower(host);
  if (access.unix_socket) return unix_host_ok(wanted);
  if (!head.local_authority.empty() && wanted == lower(head.local_authority)) return true;
  return std::find(access.authorities.begin(), access.authorities.end(), wanted) !=
         access.authorities.end();
}

std::string allowed_list(const Access& access) {
  if (access.unix_socket) return "localhost";
  std::string out;
  for (size_t i = 0; i < access.authorities.size() && i < 4; ++i) {
    out += (i == 0 ? "" : ", ") + access.authorities[i];
  }
  return out;
}

// Compares in time that depends on the lengths only, so the token cannot be found byte by byte.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool changes_state(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

bool is_json_media_type(std::string_view content_type) {
  std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  return lower(type) == "application/json";
}

}  // namespace

Access Access::tcp(std::string_view host, uint16_t port) {
  Access access;
  std::string suffix = ":" + std::to_string(port);
  std::vector<std::string> names = {"127.0.0.1", "localhost", "[::1]"};
  if (!is_loopback_or_wildcard(host)) {
    names.push_back(host.find(':') != std::string_view::npos ? "[" + lower(host) + "]"
                                                             : lower(host));
  } else if (host.starts_with("127.") && host != "127.0.0.1") {
    names.emplace_back(host);
  }
  for (const auto& name : names) {
    access.authorities.push_back(name + suffix);
    if (port == 80) access.authorities.push_back(name);
  }
  return access;
}

Access Access::unix_path() {
  Access access;
  access.unix_socket = true;
  return access;
}

bool is_probe(std::string_view method, std::string_view path) {
  return method == "GET" && (path == "/healthz" || path == "/readyz");
}

std::optional<Reply> check_access(const Access& access, const Head& head) {
  bool probe = is_probe(head.method, head.path);
  if (access.probes_only && !probe) {
    return error_reply(404, "not_found",
                       "only GET /healthz and GET /readyz are served here "
                       "(bridge.admin_probes_only = true)");
  }
  if (!probe) {
    if (!head.host || head.host_count != 1) {
      return error_reply(403, "forbidden_host",
                         head.host_count > 1
                             ? "more than one Host field"
                             : "a Host field is required; send Host: " + allowed_list(access));
    }
    if (!host_ok(access, head, *head.host)) {
      return error_reply(
          403, "forbidden_host",
          "Host \"" + std::string(*head.host) +
              "\" is not an address of this admin API; send Host: " + allowed_list(access) +
              " (other names are refused against DNS rebinding)");
    }
  }
  if (head.origin) {
    std::string_view origin = *head.origin;
    bool own = origin.starts_with("http://") && host_ok(access, head, origin.substr(7));
    if (!own) {
      return error_reply(403, "forbidden_origin",
                         "requests from Origin \"" + std::string(origin) +
                             "\" are refused: web pages may not use the admin API");
    }
  }
  if (!access.token.empty() && !probe &&
      !same_secret(head.authorization, "Bearer " + access.token)) {
    return error_reply(401, "unauthorized",
                       "missing or wrong bearer token: send Authorization: Bearer "
                       "<bridge.admin_token> (the CLI reads BRIDGE_ADMIN_TOKEN)");
  }
  if (changes_state(head.method) &&
      !(head.content_type && is_json_media_type(*head.content_type))) {
    std::string got = head.content_type ? "Content-Type \"" + std::string(*head.content_type) + "\""
                                        : "no Content-Type";
    return error_reply(415, "unsupported_media_type",
                       std::string(head.method) + " " + std::string(head.path) +
                           " needs Content-Type: application/json, even without a body (got " +
                           got + ")");
  }
  return std::nullopt;
}

}  // namespace bridge::admin
