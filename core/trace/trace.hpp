#pragma once
/// Request IDs and W3C trace context. Pure code; safe to call from any worker thread.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridge::trace {

/// A fast, unpredictable 128-bit id source; one per worker thread (no locks).
/// Seeded from the OS CSPRNG, then advanced with a ChaCha-free SplitMix/xoshiro mix.
class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual void fill(uint8_t* out, size_t n) = 0;
};

/// The per-thread default id source (xoshiro256** seeded from getrandom).
IdSource& thread_id_source();

/// 1-128 chars of [A-Za-z0-9._:-].
bool valid_request_id(std::string_view id);

/// 32 lowercase hex characters.
std::string new_request_id(IdSource& ids = thread_id_source());
/// The same into `out`, keeping its capacity (a reused record's).
void new_request_id(std::string& out, IdSource& ids = thread_id_source());

struct TraceContext {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  std::array<uint8_t, 8> parent_span_id{};  // zero when this trace started here
  uint8_t flags = 1;                        // sampled
  bool continued = false;                   // true when a valid incoming traceparent was kept

  static constexpr size_t traceparent_size = 55;
  std::string traceparent() const;  // "00-<trace>-<span>-<flags>"
  /// The same, written at `out` (traceparent_size chars): no allocation.
  void write_traceparent(char* out) const;
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  std::string parent_span_id_hex() const;
  std::string b3() const;  // "<trace>-<span>-<1|0>[-<parent>]"
};

/// Parses a traceparent header (version 00 and future versions per W3C rules).
std::optional<TraceContext> parse_traceparent(std::string_view header);

/// Continues `incoming` (when valid) with a new span id, else starts a new trace.
TraceContext next_span(std::optional<TraceContext> incoming, IdSource& ids = thread_id_source());

std::string to_hex(const uint8_t* data, size_t n);
/// Writes 2n lowercase hex digits at `out`; returns the end.
char* write_hex(const uint8_t* data, size_t n, char* out);

}  // namespace bridge::trace
