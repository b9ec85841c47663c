// The chunked decoder of the HTTP/1.1 codec (RFC 9112 7.1): body bytes out of chunks that
// arrive in any pieces, strict about every line ending, trailers kept.
#include "http/h1.hpp"

#include "common/text.hpp"
#include "http/detail/h1_syntax.hpp"

#include <algorithm>
#include <cstring>

namespace bridge::http::h1 {

namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the codec's own syntax

// The decoder's errors; a failed decoder keeps its own, so later calls answer the same.
enum class ChunkError : uint8_t {
  Size,
  LineTooLong,
  BareLf,
  MissingCrlf,
  Extension,
  Folding,
  BadTrailer,
  TrailersTooLarge,
};
constexpr std::string_view chunk_errors[] = {
    "invalid chunk size",      "chunk size line too long",
    "bare LF in chunked body", "missing CRLF after chunk data",
    "invalid chunk extension", "obsolete line folding in a trailer",
    "bad trailer field",       "trailers too large",
};

enum class Gather { More, Line, BareLf, TooLong };

// Takes one CRLF-ended line of at most `limit` bytes (CRLF excluded) from the front of `in`:
// straight from `in` when all of it is there, else gathered in `held` across calls. Only the
// first limit + 2 bytes of a line are looked at, so the outcome does not depend on how the
// input was split. `line` may point into `held`.
Gather gather_line(std::string_view& in, std::string& held, size_t limit, std::string_view& line,
                   size_t& used) {
  const size_t window = limit + 2 - held.size();  // held.size() <= limit + 1
  std::string_view look = in.substr(0, window);
  const size_t lf = look.find('\n');
  if (lf == npos) {
    if (look.size() == window) return Gather::TooLong;
    held.append(look);
    used += look.size();
    in.remove_prefix(look.size());
    return Gather::More;
  }
  const char before = lf > 0 ? in[lf - 1] : (held.empty() ? '\0' : held.back());
  if (before != '\r') return Gather::BareLf;
  if (held.empty()) {
    line = in.substr(0, lf - 1);
  } else {
    held.append(in.substr(0, lf + 1));
    line = std::string_view(held).substr(0, held.size() - 2);
  }
  used += lf + 1;
  in.remove_prefix(lf + 1);
  return Gather::Line;
}

unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  return static_cast<unsigned>(ascii_lower(c) - 'a' + 10);
}

// *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ) (RFC 9112 7.1.1).
bool valid_extensions(std::string_view s) {
  size_t i = 0;
  auto skip_bws = [&] {
    while (i < s.size() && ows(s[i])) ++i;
  };
  auto token = [&] {
    const size_t start = i;
    while (i < s.size() && is(s[i], Tchar)) ++i;
    return i > start;
  };
  while (i < s.size()) {
    skip_bws();
    if (i == s.size() || s[i] != ';') return false;
    ++i;
    skip_bws();
    if (!token()) return false;
    const size_t after_name = i;
    skip_bws();
    if (i == s.size() || s[i] != '=') {
      i = after_name;  // whitespace after the last one is no BWS: refused by the loop
      continue;
    }
    ++i;
    skip_bws();
    if (i < s.size() && s[i] == '"') {
      for (++i;; ++i) {
        if (i == s.size()) return false;
        if (s[i] == '"') break;
        if (s[i] == '\\' && ++i == s.size()) return false;
        if (!is(s[i], FieldChar)) return false;
      }
      ++i;
    } else if (!token()) {
      return false;
    }
  }
  return true;
}

// 1*16HEXDIG [ chunk-ext ]: the size, or an error.
bool parse_size_line(std::string_view line, uint64_t& size, ChunkError& error) {
  constexpr size_t max_digits = 16;
  size_t i = 0;
  size = 0;
  for (; i < line.size() && is(line[i], Hex); ++i) {
    if (i == max_digits) {
      error = ChunkError::Size;
      return false;
    }
    size = size << 4 | hex_value(line[i]);
  }
  if (i == 0 || (i < line.size() && line[i] != ';' && !ows(line[i]))) {
    error = ChunkError::Size;
    return false;
  }
  if (!valid_extensions(line.substr(i))) {
    error = ChunkError::Extension;
    return false;
  }
  return true;
}

}  // namespace

ChunkedDecoder::Step ChunkedDecoder::decode(std::string_view in, std::span<char> out) {
  Step step;
  auto fail = [&](ChunkError error) {
    state_ = State::Failed;
    error_ = chunk_errors[static_cast<size_t>(error)];
    line_.clear();
    step.error = chunk_errors[static_cast<size_t>(error)];
    return step;
  };
  for (;;) {
    switch (state_) {
    case State::Done:
      step.done = true;
      return step;
    case State::Failed:
      step.error = error_;
      return step;
    case State::Size: {
      if (in.empty()) return step;
      std::string_view line;
      switch (gather_line(in, line_, max_line, line, step.used)) {
      case Gather::More:
        return step;
      case Gather::TooLong:
        return fail(ChunkError::LineTooLong);
      case Gather::BareLf:
        return fail(ChunkError::BareLf);
      case Gather::Line:
        break;
      }
      uint64_t size = 0;
      ChunkError error{};
      if (!parse_size_line(line, size, error)) return fail(error);
      line_.clear();
      state_ = size == 0 ? State::Trailers : State::Data;
      remaining_ = size;  // in Trailers: the trailer bytes read so far, none yet
      break;
    }
    case State::Data: {
      const size_t n = static_cast<size_t>(
          std::min<uint64_t>(remaining_, std::min(in.size(), out.size() - step.produced)));
      if (n == 0) return step;  // in used up, or out full
      std::memcpy(out.data() + step.produced, in.data(), n);
      in.remove_prefix(n);
      step.used += n;
      step.produced += n;
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::DataEnd;  // remaining_ 0: CR expected, 1: LF
      break;
    }
    case State::DataEnd: {
      if (in.empty()) return step;
      const char c = in.front();
      if (remaining_ == 0) {
        if (c != '\r') return fail(c == '\n' ? ChunkError::BareLf : ChunkError::MissingCrlf);
        remaining_ = 1;
      } else {
        if (c != '\n') return fail(ChunkError::MissingCrlf);
        remaining_ = 0;
        state_ = State::Size;
      }
      in.remove_prefix(1);
      ++step.used;
      break;
    }
    case State::Trailers: {
      if (in.empty()) return step;
      // remaining_ <= max_trailers - 2: the empty line that ends them always fits.
      std::string_view line;
      switch (gather_line(in, line_, max_trailers - 2 - remaining_, line, step.used)) {
      case Gather::More:
        return step;
      case Gather::TooLong:
        return fail(ChunkError::TrailersTooLarge);
      case Gather::BareLf:
        return fail(ChunkError::BareLf);
      case Gather::Line:
        break;
      }
      if (line.empty()) {
        line_.clear();
        state_ = State::Done;
        step.done = true;
        return step;
      }
      if (ows(line.front())) return fail(ChunkError::Folding);
      std::string_view name;
      std::string_view value;
      if (split_field(line, name, value) != FieldLine::Ok) return fail(ChunkError::BadTrailer);
      trailers_.add(name, value);
      remaining_ += line.size() + 2;
      line_.clear();
      if (remaining_ > max_trailers - 2) return fail(ChunkError::TrailersTooLarge);
      break;
    }
    }
  }
}

void ChunkedDecoder::reset() {
  state_ = State::Size;
  remaining_ = 0;
  error_ = {};
  line_.clear();
  trailers_.clear();
}

}  // namespace bridge::http::h1
