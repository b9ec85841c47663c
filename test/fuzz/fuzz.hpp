#pragma once
/// Shared by the libFuzzer harnesses (test/fuzz/<name>_fuzz.cpp). Each harness defines
/// LLVMFuzzerTestOneInput; clang links it with libFuzzer (-Dfuzz=true, scripts/fuzz), the
/// ordinary build links it with replay.cpp, which runs its committed corpus as a gtest case.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

/// An invariant of the code under test. A violation aborts with the condition and its place,
/// which libFuzzer reports as a crash (input saved) and the replay test as a failure.
#define BRIDGE_FUZZ_CHECK(cond)                                                                    \
  ((cond) ? static_cast<void>(0) : ::bridge::fuzz::violated(#cond, __FILE__, __LINE__))

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace bridge::fuzz {

[[noreturn]] inline void violated(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, condition);
  std::abort();
}

/// Multi-file inputs (a profile and its layers, a compose file and its override) are one
/// byte string whose parts are separated by this line; seeds stay readable text.
constexpr std::string_view part_separator = "\n%%\n";

/// `data` cut at every `part_separator`; always at least one (possibly empty) part.
inline std::vector<std::string_view> split_parts(std::string_view data) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = data.find(part_separator);
    parts.push_back(data.substr(0, at));
    if (at == std::string_view::npos) return parts;
    data.remove_prefix(at + part_separator.size());
  }
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The size of the next piece of input to feed (1 to 4,096 bytes, at most `left`), from a
/// small deterministic generator the harness seeds from its input.
inline size_t next_piece(uint32_t& state, size_t left) {
  state = state * 1103515245u + 12345u;
  return std::min<size_t>(left, 1 + (state >> 16) % 4096);
}

/// HTTP/2 frames: whole 9-byte headers whose lengths add up, each payload within `max_frame`.
inline void check_whole_frames(std::string_view out, size_t max_frame) {
  while (!out.empty()) {
    BRIDGE_FUZZ_CHECK(out.size() >= 9);
    size_t length = (static_cast<unsigned char>(out[0]) << 16) |
                    (static_cast<unsigned char>(out[1]) << 8) | static_cast<unsigned char>(out[2]);
    BRIDGE_FUZZ_CHECK(length <= max_frame);
    BRIDGE_FUZZ_CHECK(out.size() >= 9 + length);
    out.remove_prefix(9 + length);
  }
}

}  // namespace bridge::fuzz
