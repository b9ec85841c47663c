#include "route/detail/ast.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace bridge::route {

namespace {
constexpr std::array<uint8_t, 12> v4_mapped_prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// inet_pton wants a NUL-terminated string; addresses are short, so a stack copy does.
std::optional<IpAddress> parse_plain(std::string_view text) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) return ip;
  ip.v6 = true;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) return ip;
  return std::nullopt;
}
}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    auto ip = parse_plain(text.substr(1, text.size() - 2));
    if (!ip || !ip->v6) return std::nullopt;  // "[127.0.0.1]" is not an address
    return ip;
  }
  return parse_plain(text);
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

namespace detail {

IpAddress unmap(const IpAddress& ip) {
  if (!ip.v6 || !std::equal(v4_mapped_prefix.begin(), v4_mapped_prefix.end(), ip.bytes.begin())) {
    return ip;
  }
  IpAddress v4;
  std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
  return v4;
}

}  // namespace detail

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  size_t slash = text.find('/');
  auto ip = parse_plain(text.substr(0, slash));
  if (!ip) return std::nullopt;
  int bits = ip->v6 ? 128 : 32;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    // Go's dtoi: decimal digits only, leading zeros allowed.
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty()) return std::nullopt;
    prefix = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = std::min(prefix * 10 + (c - '0'), 1000);
    }
    if (prefix > bits) return std::nullopt;
  }
  IpNetwork network{detail::unmap(*ip), prefix};
  if (ip->v6 && !network.address.v6) {
    // Go compares a v4-mapped network on its last 32 bits of mask.
    network.prefix = std::max(0, prefix - 96);
  }
  return network;
}

bool IpNetwork::contains(const IpAddress& candidate) const {
  IpAddress ip = detail::unmap(candidate);
  if (ip.v6 != address.v6) return false;
  int full = prefix / 8;
  if (!std::equal(address.bytes.begin(), address.bytes.begin() + full, ip.bytes.begin())) {
    return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (address.bytes[full] & mask) == (ip.bytes[full] & mask);
}

}  // namespace bridge::route
