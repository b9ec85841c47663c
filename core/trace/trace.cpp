#include "trace/trace.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace bridge::trace {

namespace {

// xoshiro256**: fast and, seeded per thread from getrandom(), not guessable from outside
// without observing many full outputs; good enough for request ids and span ids.
class XoshiroSource final : public IdSource {
 public:
  XoshiroSource() {
    if (getrandom(state_, sizeof state_, 0) != static_cast<ssize_t>(sizeof state_)) {
      // getrandom cannot fail for small sizes after boot; keep a non-zero state regardless.
      state_[0] = reinterpret_cast<uintptr_t>(this) | 1;
    }
  }
  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      uint64_t v = next();
      size_t take = std::min<size_t>(n, 8);
      std::memcpy(out, &v, take);
      out += take;
      n -= take;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    uint64_t result = rotl(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  uint64_t state_[4]{};
};

bool all_zero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C requires lowercase hex
}

bool parse_hex(std::string_view text, uint8_t* out) {
  for (size_t i = 0; i < text.size() / 2; ++i) {
    int hi = hex_value(text[2 * i]);
    int lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <size_t N>
void fill_nonzero(std::array<uint8_t, N>& bytes, IdSource& ids) {
  do {
    ids.fill(bytes.data(), N);
  } while (all_zero(bytes.data(), N));
}

}  // namespace

IdSource& thread_id_source() {
  thread_local XoshiroSource source;
  return source;
}

namespace {

// Both digits of every byte value: one load and one two-byte store per byte (every request
// writes 41 bytes of ids as hex).
constexpr std::array<char, 512> hex_pairs = [] {
  constexpr char digits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = digits[b >> 4];
    pairs[2 * b + 1] = digits[b & 0xf];
  }
  return pairs;
}();

}  // namespace

char* write_hex(const uint8_t* data, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i, out += 2) std::memcpy(out, &hex_pairs[2 * size_t{data[i]}], 2);
  return out;
}

std::string to_hex(const uint8_t* data, size_t n) {
  std::string out(n * 2, '0');
  write_hex(data, n, out.data());
  return out;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::string new_request_id(IdSource& ids) {
  std::string out;
  new_request_id(out, ids);
  return out;
}

void new_request_id(std::string& out, IdSource& ids) {
  uint8_t bytes[16];
  ids.fill(bytes, sizeof bytes);
  out.resize(2 * sizeof bytes);
  write_hex(bytes, sizeof bytes, out.data());
}

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id.data(), 16); }
std::string TraceContext::span_id_hex() const { return to_hex(span_id.data(), 8); }
std::string TraceContext::parent_span_id_hex() const { return to_hex(parent_span_id.data(), 8); }

std::string TraceContext::traceparent() const {
  std::string out(traceparent_size, '-');
  write_traceparent(out.data());
  return out;
}

void TraceContext::write_traceparent(char* out) const {
  char* at = out;
  *at++ = '0';
  *at++ = '0';
  *at++ = '-';
  at = write_hex(trace_id.data(), 16, at);
  *at++ = '-';
  at = write_hex(span_id.data(), 8, at);
  *at++ = '-';
  write_hex(&flags, 1, at);
}

std::string TraceContext::b3() const {
  std::string out = trace_id_hex() + "-" + span_id_hex() + "-" + ((flags & 1) ? "1" : "0");
  if (!all_zero(parent_span_id.data(), 8)) out += "-" + parent_span_id_hex();
  return out;
}

// W3C Trace Context, section 3.2: version-traceid-parentid-flags; version ff is invalid;
// a future version may append "-..." fields, which we accept and drop.
std::optional<TraceContext> parse_traceparent(std::string_view h) {
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  uint8_t version = 0;
  if (!parse_hex(h.substr(0, 2), &version) || version == 0xff) return std::nullopt;
  if (version == 0 && h.size() != 55) return std::nullopt;
  if (version != 0 && h.size() > 55 && h[55] != '-') return std::nullopt;
  TraceContext ctx;
  if (!parse_hex(h.substr(3, 32), ctx.trace_id.data())) return std::nullopt;
  if (!parse_hex(h.substr(36, 16), ctx.parent_span_id.data())) return std::nullopt;
  if (!parse_hex(h.substr(53, 2), &ctx.flags)) return std::nullopt;
  if (all_zero(ctx.trace_id.data(), 16) || all_zero(ctx.parent_span_id.data(), 8)) {
    return std::nullopt;
  }
  ctx.continued = true;
  return ctx;
}

TraceContext next_span(std::optional<TraceContext> incoming, IdSource& ids) {
  TraceContext ctx;
  if (incoming) {
    ctx = *incoming;
  } else {
    fill_nonzero(ctx.trace_id, ids);
  }
  fill_nonzero(ctx.span_id, ids);
  return ctx;
}

}  // namespace bridge::trace
