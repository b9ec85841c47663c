// Certificate names: DNS, wildcard and IP parsing, SAN values and mkcert-style file names.
#include "cert/cert.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace bridge::cert {

namespace {

std::optional<std::string> canonical_ip(const std::string& text, int family) {
  unsigned char buf[16];
  if (inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  inet_ntop(family, buf, out, sizeof out);
  return std::string(out);
}

Result<void> check_dns(const std::string& name, const std::string& original) {
  auto bad = [&](const std::string& why) -> Result<void> {
    return Error::usage("invalid name \"" + original + "\": " + why,
                        "use a DNS name (app.localhost), a wildcard (*.app.localhost) or an IP");
  };
  if (name.size() > 253) return bad("longer than 253 characters");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string::npos) end = name.size();
    std::string_view label(name.data() + start, end - start);
    if (label.empty()) return bad("empty label");
    if (label.size() > 63) return bad("a label is longer than 63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a label starts or ends with '-'");
    for (char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_') {
        return bad(std::string("character '") + c + "' is not allowed");
      }
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

Result<Name> parse_name(const std::string& text) {
  std::string t = text;
  if (t.size() > 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  if (auto v4 = canonical_ip(t, AF_INET)) return Name{*v4, NameKind::Ipv4};
  if (auto v6 = canonical_ip(t, AF_INET6)) return Name{*v6, NameKind::Ipv6};
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!t.empty() && t.back() == '.') t.pop_back();
  if (t.empty()) return Error::usage("empty certificate name", "pass names like app.localhost");
  NameKind kind = NameKind::Dns;
  std::string rest = t;
  if (t.rfind("*.", 0) == 0) {
    kind = NameKind::Wildcard;
    rest = t.substr(2);
    if (rest.find('.') == std::string::npos) {
      return Error::usage("invalid name \"" + text + "\": a wildcard needs two labels after \"*.\"",
                          "use *.app.localhost rather than *.localhost");
    }
  }
  if (rest.find('*') != std::string::npos) {
    return Error::usage("invalid name \"" + text + "\": '*' is allowed only as the first label",
                        "write *.app.localhost");
  }
  if (auto ok = check_dns(rest, text); !ok) return ok.error();
  return Name{t, kind};
}

Result<std::vector<Name>> parse_names(const std::vector<std::string>& texts) {
  if (texts.empty()) return Error::usage("no names given", "pass one or more names: app.localhost");
  std::vector<Name> names;
  for (const auto& text : texts) {
    auto name = parse_name(text);
    if (!name) return name.error();
    bool dup = std::any_of(names.begin(), names.end(),
                           [&](const Name& n) { return n.text == name->text; });
    if (!dup) names.push_back(*name);
  }
  return names;
}

std::string san_value(const std::vector<Name>& names) {
  std::string out;
  for (const auto& n : names) {
    out += out.empty() ? "" : ",";
    out += (n.is_ip() ? "IP:" : "DNS:") + n.text;
  }
  return out;
}

std::string file_stem(const std::vector<Name>& names) {
  if (names.empty()) return "cert";
  std::string stem = names.front().text;
  if (names.front().kind == NameKind::Wildcard) stem = "_wildcard" + stem.substr(1);
  std::replace(stem.begin(), stem.end(), ':', '_');
  if (names.size() > 1) stem += "+" + std::to_string(names.size() - 1);
  return stem;
}

}  // namespace bridge::cert
