#include "detail/url.hpp"

#include <charconv>
#include <map>
#include <string_view>

namespace bridge::discovery::detail {

namespace {

constexpr std::string_view compose_scheme = "compose://";
constexpr std::string_view k8s_scheme = "k8s://";
constexpr std::string_view compose_example = "compose://orders:8080?project=demo";
constexpr std::string_view k8s_example = "k8s://staging/orders:8080?context=kind-dev";

Error url_error(const std::string& url, const std::string& what, std::string_view example) {
  return Error::config("bad target \"" + url + "\": " + what, {},
                       "write it like \"" + std::string(example) + "\"");
}

// Docker Compose service names and Kubernetes names: letters, digits, '-', '_', '.'.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool parse_port(std::string_view text, uint16_t& port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

Result<std::map<std::string, std::string>>
parse_query(const std::string& url, std::string_view query, std::string_view example) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return url_error(url, "query parameter \"" + std::string(pair) + "\" needs a value", example);
    }
    out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
  }
  return out;
}

// "NAME:PORT" -> name, port text.
bool split_service_port(std::string_view text, std::string_view& name, std::string_view& port) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  name = text.substr(0, colon);
  port = text.substr(colon + 1);
  return true;
}

Result<TargetUrl> parse_compose(const std::string& url, std::string_view rest,
                                std::string_view query) {
  TargetUrl out;
  out.kind = TargetUrl::Kind::Compose;
  out.text = url;
  std::string_view name, port;
  if (!split_service_port(rest, name, port)) {
    return url_error(url, "missing \":PORT\" (the container port)", compose_example);
  }
  if (!valid_name(name)) return url_error(url, "bad service name", compose_example);
  if (!parse_port(port, out.compose.port)) {
    return url_error(url, "port \"" + std::string(port) + "\" is not a number from 1 to 65535",
                     compose_example);
  }
  out.compose.service = std::string(name);
  auto params = parse_query(url, query, compose_example);
  if (!params) return params.error();
  for (const auto& [key, value] : *params) {
    if (key == "project") {
      if (!valid_name(value)) return url_error(url, "bad project name", compose_example);
      out.compose.project = value;
    } else {
      return url_error(url, "unknown parameter \"" + key + "\" (compose:// takes project=)",
                       compose_example);
    }
  }
  return out;
}

Result<TargetUrl> parse_k8s(const std::string& url, std::string_view rest, std::string_view query) {
  TargetUrl out;
  out.kind = TargetUrl::Kind::K8s;
  out.text = url;
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return url_error(url, "missing the namespace (NAMESPACE/SERVICE:PORT)", k8s_example);
  }
  std::string_view ns = rest.substr(0, slash);
  std::string_view name, port;
  if (!split_service_port(rest.substr(slash + 1), name, port)) {
    return url_error(url, "missing \":PORT\" (the service port)", k8s_example);
  }
  if (!valid_name(ns)) return url_error(url, "bad namespace", k8s_example);
  if (!valid_name(name)) return url_error(url, "bad service name", k8s_example);
  uint16_t number = 0;
  bool named = !port.empty() && valid_name(port) && !(port[0] >= '0' && port[0] <= '9');
  if (!named && !parse_port(port, number)) {
    return url_error(url, "port \"" + std::string(port) + "\" is not a port number or name",
                     k8s_example);
  }
  out.k8s = K8sUrl{std::string(ns), std::string(name), std::string(port), {}, false};
  auto params = parse_query(url, query, k8s_example);
  if (!params) return params.error();
  for (const auto& [key, value] : *params) {
    if (key == "context") {
      out.k8s.context = value;
    } else if (key == "mode" && (value == "direct" || value == "forward")) {
      out.k8s.direct = value == "direct";
    } else if (key == "mode") {
      return url_error(url, "mode must be \"forward\" (default) or \"direct\"", k8s_example);
    } else {
      return url_error(url, "unknown parameter \"" + key + "\" (k8s:// takes context= and mode=)",
                       k8s_example);
    }
  }
  return out;
}

}  // namespace

Result<TargetUrl> parse_target_url(const std::string& url) {
  std::string_view view = url;
  std::string_view query;
  if (auto q = view.find('?'); q != std::string_view::npos) {
    query = view.substr(q + 1);
    view = view.substr(0, q);
  }
  if (view.starts_with(compose_scheme)) {
    return parse_compose(url, view.substr(compose_scheme.size()), query);
  }
  if (view.starts_with(k8s_scheme)) return parse_k8s(url, view.substr(k8s_scheme.size()), query);
  return Error::config("\"" + url + "\" is not a compose:// or k8s:// target", {},
                       "write \"" + std::string(compose_example) + "\" or \"" +
                           std::string(k8s_example) + "\"");
}

std::string describe(const TargetUrl& url, const std::string& project) {
  if (url.kind == TargetUrl::Kind::Compose) {
    std::string p = project.empty() ? url.compose.project : project;
    return "compose " + (p.empty() ? std::string() : p + "/") + url.compose.service + ":" +
           std::to_string(url.compose.port);
  }
  std::string out = "k8s " + url.k8s.namespace_ + "/" + url.k8s.service + ":" + url.k8s.port;
  if (!url.k8s.context.empty()) out += " (context " + url.k8s.context + ")";
  return out;
}

}  // namespace bridge::discovery::detail
