// haproxy's PROXY protocol specification, versions 1 (text) and 2 (binary).
#include "tcp/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <vector>

namespace bridge::tcp {

namespace {

constexpr std::string_view v1_prefix = "PROXY ";
constexpr size_t v1_max = 107;
constexpr std::array<uint8_t, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                  0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

ProxyHeader invalid(std::string why) {
  ProxyHeader out;
  out.state = ProxyHeaderState::Invalid;
  out.error = std::move(why);
  return out;
}

// Whether `bytes` start like `prefix` as far as both go.
bool starts_like(std::span<const uint8_t> bytes, std::span<const uint8_t> prefix) {
  const size_t n = std::min(bytes.size(), prefix.size());
  return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), prefix.begin());
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    size_t space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  return fields;
}

bool parse_port(std::string_view text, uint16_t& out) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  out = static_cast<uint16_t>(value);
  return true;
}

// An address of `family` in its canonical text form, or "" when `text` is not one.
std::string canonical_ip(int family, std::string_view text) {
  std::array<uint8_t, 16> raw{};
  std::string copy(text);
  if (inet_pton(family, copy.c_str(), raw.data()) != 1) return {};
  char out[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, raw.data(), out, sizeof out);
  return out;
}

ProxyHeader read_v1(std::span<const uint8_t> bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                        std::min(bytes.size(), v1_max));
  const size_t end = text.find("\r\n");
  if (end == std::string_view::npos) {
    if (bytes.size() < v1_max && text.find('\n') == std::string_view::npos) return ProxyHeader{};
    return invalid("a PROXY v1 line without CRLF in its first 107 bytes");
  }
  ProxyHeader out;
  out.state = ProxyHeaderState::Complete;
  out.version = 1;
  out.length = end + 2;
  auto fields = split_spaces(text.substr(0, end));
  if (fields.size() >= 2 && fields[1] == "UNKNOWN") {
    out.addresses.local = true;  // the balancer does not know: keep the socket's addresses
    return out;
  }
  if (fields.size() != 6 || (fields[1] != "TCP4" && fields[1] != "TCP6"))
    return invalid("a PROXY v1 line that is not \"PROXY TCP4|TCP6 SRC DST SPORT DPORT\"");
  const int family = fields[1] == "TCP4" ? AF_INET : AF_INET6;
  ProxyAddresses& a = out.addresses;
  a.source_ip = canonical_ip(family, fields[2]);
  a.destination_ip = canonical_ip(family, fields[3]);
  if (a.source_ip.empty() || a.destination_ip.empty())
    return invalid("a PROXY v1 address that is not " + std::string(fields[1]));
  if (!parse_port(fields[4], a.source_port) || !parse_port(fields[5], a.destination_port))
    return invalid("a PROXY v1 port that is not a number from 0 to 65535");
  return out;
}

ProxyHeader read_v2(std::span<const uint8_t> bytes) {
  if (bytes.size() < 16) return ProxyHeader{};
  const uint8_t version_command = bytes[12], family = bytes[13];
  const size_t length = (size_t{bytes[14]} << 8) | bytes[15];
  if (version_command >> 4 != 2) return invalid("a PROXY v2 header of another version");
  const int command = version_command & 0x0F;
  if (command > 1) return invalid("a PROXY v2 command other than LOCAL or PROXY");
  if (16 + length > max_proxy_header_bytes) return invalid("a PROXY v2 header over 1 KiB");
  if (bytes.size() < 16 + length) return ProxyHeader{};
  ProxyHeader out;
  out.state = ProxyHeaderState::Complete;
  out.version = 2;
  out.length = 16 + length;
  ProxyAddresses& a = out.addresses;
  const uint8_t* body = bytes.data() + 16;
  char text[INET6_ADDRSTRLEN] = {};
  auto port_at = [&](size_t at) { return static_cast<uint16_t>((body[at] << 8) | body[at + 1]); };
  if (command == 0 || (family != 0x11 && family != 0x21)) {
    // LOCAL (the balancer's own health check), or UNSPEC, UDP, UNIX: keep the socket's view.
    a.local = true;
    return out;
  }
  const bool v4 = family == 0x11;
  const size_t address_size = v4 ? 4 : 16;
  if (length < address_size * 2 + 4) return invalid("a PROXY v2 header too short for its family");
  const int af = v4 ? AF_INET : AF_INET6;
  inet_ntop(af, body, text, sizeof text);
  a.source_ip = text;
  inet_ntop(af, body + address_size, text, sizeof text);
  a.destination_ip = text;
  a.source_port = port_at(address_size * 2);
  a.destination_port = port_at(address_size * 2 + 2);
  return out;  // TLVs after the addresses are skipped: bridge uses none of them
}

}  // namespace

ProxyHeader read_proxy_header(std::span<const uint8_t> bytes) {
  ProxyHeader none;
  none.state = ProxyHeaderState::None;
  if (bytes.empty()) return ProxyHeader{};
  const auto v1 = std::span(reinterpret_cast<const uint8_t*>(v1_prefix.data()), v1_prefix.size());
  if (starts_like(bytes, v1))
    return bytes.size() < v1_prefix.size() ? ProxyHeader{} : read_v1(bytes);
  if (starts_like(bytes, v2_signature))
    return bytes.size() < v2_signature.size() ? ProxyHeader{} : read_v2(bytes);
  return none;
}

std::string write_proxy_header(int version, const ProxyAddresses& a) {
  const bool v6 = a.source_ip.find(':') != std::string::npos;
  if (version == 1) {
    return std::string("PROXY ") + (v6 ? "TCP6 " : "TCP4 ") + a.source_ip + " " + a.destination_ip +
           " " + std::to_string(a.source_port) + " " + std::to_string(a.destination_port) + "\r\n";
  }
  std::string out(v2_signature.begin(), v2_signature.end());
  const int af = v6 ? AF_INET6 : AF_INET;
  const size_t address_size = v6 ? 16 : 4;
  const size_t length = address_size * 2 + 4;
  out += static_cast<char>(0x21);  // version 2, PROXY
  out += static_cast<char>(v6 ? 0x21 : 0x11);
  out += static_cast<char>(length >> 8);
  out += static_cast<char>(length & 0xFF);
  std::array<uint8_t, 16> raw{};
  for (const std::string* ip : {&a.source_ip, &a.destination_ip}) {
    raw.fill(0);
    inet_pton(af, ip->c_str(), raw.data());
    out.append(reinterpret_cast<const char*>(raw.data()), address_size);
  }
  for (uint16_t port : {a.source_port, a.destination_port}) {
    out += static_cast<char>(port >> 8);
    out += static_cast<char>(port & 0xFF);
  }
  return out;
}

}  // namespace bridge::tcp
