#include "route/detail/punycode.hpp"

#include "route/detail/text.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bridge::route::detail {

namespace {

constexpr uint32_t base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700;

std::optional<std::vector<uint32_t>> decode_utf8(std::string_view text) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xE  ? 2
                : (c >> 3) == 0x1E ? 3
                                   : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size()) return std::nullopt;
    uint32_t cp = extra == 0 ? c : (c & (0x3F >> extra));
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (next & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

uint32_t adapt(uint32_t delta, uint32_t points, bool first) {
  delta = first ? delta / damp : delta / 2;
  delta += delta / points;
  uint32_t k = 0;
  while (delta > ((base - tmin) * tmax) / 2) {
    delta /= base - tmin;
    k += base;
  }
  return k + (base - tmin + 1) * delta / (delta + skew);
}

char digit(uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

std::string encode_label(const std::vector<uint32_t>& input) {
  std::string out;
  for (uint32_t c : input) {
    if (c < 0x80) out += ascii_lower(static_cast<char>(c));
  }
  auto basic = static_cast<uint32_t>(out.size());
  if (basic > 0) out += '-';
  uint32_t n = 0x80, delta = 0, bias = 72, handled = basic;
  while (handled < input.size()) {
    uint32_t m = UINT32_MAX;
    for (uint32_t c : input) {
      if (c >= n) m = std::min(m, c);
    }
    delta += (m - n) * (handled + 1);
    n = m;
    for (uint32_t c : input) {
      if (c < n) ++delta;
      if (c != n) continue;
      uint32_t q = delta;
      for (uint32_t k = base;; k += base) {
        uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
        if (q < t) break;
        out += digit(t + (q - t) % (base - t));
        q = (q - t) / (base - t);
      }
      out += digit(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return "xn--" + out;
}

}  // namespace

std::optional<std::string> punycode_host(std::string_view host) {
  std::string out;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, dot - start);
    if (is_ascii(label)) {
      out += to_lower(label);
    } else {
      auto points = decode_utf8(label);
      if (!points) return std::nullopt;
      out += encode_label(*points);
    }
    if (dot < host.size()) out += '.';
    start = dot + 1;
  }
  return out;
}

}  // namespace bridge::route::detail
