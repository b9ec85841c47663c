#include "route/detail/match.hpp"
#include "route/detail/query.hpp"
#include "route/detail/text.hpp"

#include <algorithm>
#include <cstring>

namespace bridge::route::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// net.SplitHostPort's host part, or nullopt where Go reports an error.
std::optional<std::string_view> split_host_port(std::string_view hostport) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host;
  size_t j = 0, k = 0;
  if (hostport.front() == '[') {
    size_t end = hostport.find(']');
    if (end == std::string_view::npos || end + 1 != colon) return std::nullopt;
    host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (hostport.find('[', j) != std::string_view::npos) return std::nullopt;
  if (hostport.find(']', k) != std::string_view::npos) return std::nullopt;
  return host;
}

bool match_header(const Rule::Node& node, const RequestView& request) {
  std::string_view name = node.args[0];
  if (is_host_header(name)) return false;
  return std::any_of(request.headers.begin(), request.headers.end(), [&](const HeaderField& field) {
    if (!iequals(field.name, name)) return false;
    return node.regex ? RE2::PartialMatch(field.value, *node.regex) : field.value == node.value;
  });
}

bool regex_matches_unescaped(std::string_view raw, const RE2& regex) {
  if (raw.find_first_of("%+") == std::string_view::npos) return RE2::PartialMatch(raw, regex);
  std::array<char, 1024> buffer;
  if (raw.size() <= buffer.size()) {
    return RE2::PartialMatch(std::string_view(buffer.data(), unescape_into(raw, buffer.data())),
                             regex);
  }
  return RE2::PartialMatch(unescape(raw), regex);  // a rare, huge value: allocating is fine
}

bool match_query(const Rule::Node& node, const RequestView& request) {
  std::string_view key = node.args[0];
  return for_each_query_pair(request.raw_query, [&](std::string_view k, std::string_view v) {
    if (!unescaped_equals(k, key)) return false;
    return node.regex ? regex_matches_unescaped(v, *node.regex) : unescaped_equals(v, node.value);
  });
}

}  // namespace

std::string_view routing_host(std::string_view host) {
  // Go's parseHost only splits when there is a colon; a failed split keeps the whole value.
  if (auto split = split_host_port(host)) host = *split;
  while (!host.empty() && is_space(host.front())) host.remove_prefix(1);
  while (!host.empty() && is_space(host.back())) host.remove_suffix(1);
  return host;
}

std::string_view MatchContext::lower_host() {
  if (lowered_) return lower_;
  lowered_ = true;
  if (std::none_of(host_.begin(), host_.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return lower_ = host_;
  }
  char* out = buffer_.data();
  if (host_.size() > buffer_.size()) {
    spill_.resize(host_.size());
    out = spill_.data();
  }
  std::transform(host_.begin(), host_.end(), out, ascii_lower);
  return lower_ = std::string_view(out, host_.size());
}

bool host_equals(std::string_view request_host, std::string_view rule_host) {
  if (request_host.empty()) return false;
  if (iequals(request_host, rule_host)) return true;
  if (!rule_host.empty() && rule_host.back() == '.' &&
      iequals(request_host, rule_host.substr(0, rule_host.size() - 1))) {
    return true;
  }
  return request_host.back() == '.' &&
         iequals(request_host.substr(0, request_host.size() - 1), rule_host);
}

uint64_t host_key(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : host) {
    hash ^= static_cast<unsigned char>(ascii_lower(c));
    hash *= 1099511628211ull;
  }
  return hash == 0 ? 1 : hash;
}

uint64_t required_host_key(const Rule::Node& node) {
  if (node.kind == Rule::Node::Kind::Matcher) {
    return node.matcher == MatcherKind::Host ? host_key(node.value) : 0;
  }
  if (node.kind != Rule::Node::Kind::And) return 0;
  for (const auto& child : node.children) {
    if (uint64_t key = required_host_key(child)) return key;
  }
  return 0;
}

uint64_t path_word(std::string_view path) {
  uint64_t word = 0;
  // A view with no path (a TCP connection's) may have no data pointer: memcpy must not see it.
  if (!path.empty()) std::memcpy(&word, path.data(), std::min<size_t>(path.size(), sizeof word));
  return word;
}

PathKey required_path_key(const Rule::Node& node) {
  if (node.kind == Rule::Node::Kind::Matcher) {
    if (node.matcher != MatcherKind::Path && node.matcher != MatcherKind::PathPrefix) return {};
    std::string_view literal = node.args[0];
    size_t n = std::min<size_t>(literal.size(), sizeof(uint64_t));
    PathKey key;
    key.bits = path_word(literal.substr(0, n));
    std::memset(&key.mask, 0xff, n);  // byte i of the word is byte i of the path
    return key;
  }
  if (node.kind != Rule::Node::Kind::And) return {};
  for (const auto& child : node.children) {
    if (PathKey key = required_path_key(child); key.mask != 0) return key;
  }
  return {};
}

bool is_host_header(std::string_view name) { return iequals(name, "host"); }

bool sni_matches(std::string_view sni, std::string_view rule_host) {
  if (rule_host == "*") return true;  // every connection, with or without TLS
  if (sni.empty()) return false;
  if (rule_host.starts_with("*.")) {
    // One label in place of the star, as a certificate's wildcard.
    std::string_view suffix = rule_host.substr(1);
    if (!sni.ends_with(suffix) || sni.size() == suffix.size()) return false;
    std::string_view label = sni.substr(0, sni.size() - suffix.size());
    return label.find('.') == std::string_view::npos;
  }
  return host_equals(sni, rule_host);
}

bool evaluate_matcher(const Rule::Node& node, MatchContext& context) {
  const RequestView& request = context.request();
  switch (node.matcher) {
  case MatcherKind::Host:
    return host_equals(context.host(), node.value);
  case MatcherKind::HostRegexp:
    return RE2::PartialMatch(context.lower_host(), *node.regex) || node.regex_matches_empty;
  case MatcherKind::Path:
    return request.path == node.args[0];
  case MatcherKind::PathPrefix:
    return request.path.starts_with(node.args[0]);
  case MatcherKind::PathRegexp:
    return RE2::PartialMatch(request.path, *node.regex);
  case MatcherKind::Method:
    return request.method == node.value;
  case MatcherKind::Header:
  case MatcherKind::HeaderRegexp:
    return match_header(node, request);
  case MatcherKind::Query:
  case MatcherKind::QueryRegexp:
    return match_query(node, request);
  case MatcherKind::ClientIP:
    return request.client_ip && node.network.contains(*request.client_ip);
  case MatcherKind::HostSNI:
    return sni_matches(request.sni, node.value);
  case MatcherKind::HostSNIRegexp:
    return RE2::PartialMatch(request.sni, *node.regex);
  case MatcherKind::ALPN:
    return std::find(request.alpn.begin(), request.alpn.end(), node.value) != request.alpn.end();
  }
  return false;
}

bool evaluate(const Rule::Node& node, MatchContext& context) {
  switch (node.kind) {
  case Rule::Node::Kind::Matcher:
    return evaluate_matcher(node, context);
  case Rule::Node::Kind::Not:
    return !evaluate(node.children.front(), context);
  case Rule::Node::Kind::And:
    return std::all_of(node.children.begin(), node.children.end(),
                       [&](const Rule::Node& child) { return evaluate(child, context); });
  case Rule::Node::Kind::Or:
    return std::any_of(node.children.begin(), node.children.end(),
                       [&](const Rule::Node& child) { return evaluate(child, context); });
  }
  return false;
}

}  // namespace bridge::route::detail
