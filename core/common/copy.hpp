#pragma once
/// Byte copies of the proxy's hot path. Field names, values and record strings are mostly a
/// few bytes long; a call into libc's memcpy for each (its size dispatch, the call itself) cost
/// more than the copy, a hundred times per request.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bridge {

/// Copies `n` bytes from `from` to `to` (not overlapping); returns the end of the copy. Up to
/// 16 bytes are copied inline, as two overlapping loads and stores of the widest size that fits.
inline char* copy_bytes(char* to, const char* from, size_t n) {
  if (n > 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    uint64_t head = 0, tail = 0;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + n - 8, 8);
    std::memcpy(to, &head, 8);
    std::memcpy(to + n - 8, &tail, 8);
  } else if (n >= 4) {
    uint32_t head = 0, tail = 0;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + n - 4, 4);
    std::memcpy(to, &head, 4);
    std::memcpy(to + n - 4, &tail, 4);
  } else if (n > 0) {
    // 1 to 3 bytes: first, middle and last cover them all.
    const char first = from[0], middle = from[n / 2], last = from[n - 1];
    to[0] = first;
    to[n / 2] = middle;
    to[n - 1] = last;
  }
  return to + n;
}

inline char* copy_bytes(char* to, std::string_view from) {
  return copy_bytes(to, from.data(), from.size());
}

}  // namespace bridge
