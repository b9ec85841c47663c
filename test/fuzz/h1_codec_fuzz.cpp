// The HTTP/1.1 codec (core/http/h1.hpp) on raw bytes: request and response heads, and the
// chunked decoder, with the properties the front door relies on checked on every input.
//
// Input: byte 0 picks how the chunked decoder is fed (bit 7: pieces of up to 4,096 bytes, else
// of up to 1 + bits 0-3; the sizes come from a generator seeded with the byte), byte 1 the
// size of its output buffer (1 + byte % 32); the rest is the bytes. The heads are parsed from
// the bytes up to the first CRLFCRLF (all of them when there is none), the decoder gets all.
#include "fuzz.hpp"

#include "http/h1.hpp"

#include <string>

namespace {

using bridge::http::Field;
using bridge::http::Fields;
using bridge::http::RequestHead;
using bridge::http::ResponseHead;
namespace h1 = bridge::http::h1;

bool tchar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!tchar(c)) return false;
  }
  return true;
}

// HTAB, SP, VCHAR, obs-text: what may reach a next hop inside a value or reason phrase.
bool field_text(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
  }
  return true;
}

bool lower_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void check_fields(const Fields& fields) {
  for (auto f : fields) {
    BRIDGE_FUZZ_CHECK(token(f.name));
    BRIDGE_FUZZ_CHECK(field_text(f.value));
    BRIDGE_FUZZ_CHECK(f.known == bridge::http::field_of(f.name));
    if (!f.value.empty()) {
      BRIDGE_FUZZ_CHECK(f.value.front() != ' ' && f.value.front() != '\t');
      BRIDGE_FUZZ_CHECK(f.value.back() != ' ' && f.value.back() != '\t');
    }
  }
}

// What the proxy frames the body by agrees with the fields a next hop would read.
void check_framing(const Fields& fields, const std::optional<uint64_t>& content_length,
                   bool chunked, unsigned version) {
  BRIDGE_FUZZ_CHECK(version == 10 || version == 11);
  BRIDGE_FUZZ_CHECK(!(chunked && content_length));
  if (chunked) {
    BRIDGE_FUZZ_CHECK(version == 11);
    BRIDGE_FUZZ_CHECK(fields.count(Field::TransferEncoding) == 1);
    BRIDGE_FUZZ_CHECK(lower_equal(fields.get(Field::TransferEncoding), "chunked"));
  } else {
    BRIDGE_FUZZ_CHECK(!fields.has(Field::TransferEncoding));
  }
  BRIDGE_FUZZ_CHECK(content_length.has_value() == fields.has(Field::ContentLength));
  for (auto f : fields) {
    if (f.known != Field::ContentLength) continue;
    BRIDGE_FUZZ_CHECK(!f.value.empty() && f.value.size() <= 19);
    uint64_t n = 0;
    for (char c : f.value) {
      BRIDGE_FUZZ_CHECK(c >= '0' && c <= '9');
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    BRIDGE_FUZZ_CHECK(n == *content_length);
  }
}

void append_fields(std::string& out, const Fields& fields) {
  for (auto f : fields) {
    out.append(f.name).append(": ").append(f.value).append("\r\n");
  }
  out += "\r\n";
}

bool same_fields(const Fields& a, const Fields& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.at(i).name != b.at(i).name || a.at(i).value != b.at(i).value) return false;
  }
  return true;
}

bool has_bare_lf(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

void check_request(std::string_view bytes) {
  RequestHead head;
  const std::string error = h1::parse_request_head(bytes, head);
  if (has_bare_lf(bytes)) {
    BRIDGE_FUZZ_CHECK(error == "bare LF line ending in the request head (CRLF required)");
  }
  if (!error.empty()) return;
  BRIDGE_FUZZ_CHECK(bytes.ends_with("\r\n\r\n"));
  BRIDGE_FUZZ_CHECK(token(head.method_name));
  BRIDGE_FUZZ_CHECK(head.method == bridge::http::method_of(head.method_name));
  BRIDGE_FUZZ_CHECK(!head.target.empty());
  for (char ch : head.target) {
    auto c = static_cast<unsigned char>(ch);
    BRIDGE_FUZZ_CHECK(c > 0x20 && c != 0x7f);
  }
  check_fields(head.fields);
  check_framing(head.fields, head.content_length, head.chunked, head.version);
  // What is forwarded reads the same when parsed again.
  std::string again = head.method_name + " " + head.target +
                      (head.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  append_fields(again, head.fields);
  RequestHead reparsed;
  BRIDGE_FUZZ_CHECK(h1::parse_request_head(again, reparsed).empty());
  BRIDGE_FUZZ_CHECK(reparsed.method_name == head.method_name);
  BRIDGE_FUZZ_CHECK(reparsed.target == head.target);
  BRIDGE_FUZZ_CHECK(reparsed.version == head.version);
  BRIDGE_FUZZ_CHECK(reparsed.content_length == head.content_length);
  BRIDGE_FUZZ_CHECK(reparsed.chunked == head.chunked);
  BRIDGE_FUZZ_CHECK(same_fields(reparsed.fields, head.fields));
  auto framing = h1::request_framing(head);
  if (framing.kind == h1::BodyFraming::Kind::Length) BRIDGE_FUZZ_CHECK(framing.length > 0);
  BRIDGE_FUZZ_CHECK(framing.kind != h1::BodyFraming::Kind::UntilClose);
}

void check_response(std::string_view bytes) {
  ResponseHead head;
  const std::string error = h1::parse_response_head(bytes, head);
  if (has_bare_lf(bytes)) {
    BRIDGE_FUZZ_CHECK(error == "bare LF line ending in the response head (CRLF required)");
  }
  if (!error.empty()) return;
  BRIDGE_FUZZ_CHECK(bytes.ends_with("\r\n\r\n"));
  BRIDGE_FUZZ_CHECK(head.status <= 999);
  BRIDGE_FUZZ_CHECK(field_text(head.reason));
  check_fields(head.fields);
  check_framing(head.fields, head.content_length, head.chunked, head.version);
  std::string again = head.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  again += static_cast<char>('0' + head.status / 100);
  again += static_cast<char>('0' + head.status / 10 % 10);
  again += static_cast<char>('0' + head.status % 10);
  again.append(" ").append(head.reason).append("\r\n");
  append_fields(again, head.fields);
  ResponseHead reparsed;
  BRIDGE_FUZZ_CHECK(h1::parse_response_head(again, reparsed).empty());
  BRIDGE_FUZZ_CHECK(reparsed.status == head.status && reparsed.reason == head.reason);
  BRIDGE_FUZZ_CHECK(reparsed.version == head.version);
  BRIDGE_FUZZ_CHECK(reparsed.content_length == head.content_length);
  BRIDGE_FUZZ_CHECK(reparsed.chunked == head.chunked);
  BRIDGE_FUZZ_CHECK(same_fields(reparsed.fields, head.fields));
  for (bool head_request : {false, true}) {
    auto framing = h1::response_framing(head, head_request);
    if (head_request || head.status == 204 || head.status == 304 || head.status / 100 == 1) {
      BRIDGE_FUZZ_CHECK(framing.kind == h1::BodyFraming::Kind::None);
    }
  }
}

struct Decoded {
  std::string body;
  size_t used = 0;
  bool done = false;
  std::string error;
};

// Feeds `in` a piece at a time as the proxy's relay does, checking each step.
Decoded decode(h1::ChunkedDecoder& decoder, std::string_view in, uint32_t seed, size_t piece_limit,
               size_t out_size) {
  Decoded result;
  std::string out(out_size, '\0');
  size_t available = 0;
  uint32_t state = seed;
  auto more = [&] {
    state = state * 1103515245u + 12345u;
    const size_t piece = piece_limit == SIZE_MAX ? in.size() : 1 + (state >> 16) % piece_limit;
    available = std::min(in.size(), available + piece);
  };
  more();
  for (;;) {
    std::string_view offered = in.substr(result.used, available - result.used);
    auto step = decoder.decode(offered, {out.data(), out.size()});
    BRIDGE_FUZZ_CHECK(step.used <= offered.size());
    BRIDGE_FUZZ_CHECK(step.produced <= out.size());
    BRIDGE_FUZZ_CHECK(step.produced <= step.used);
    BRIDGE_FUZZ_CHECK(!(step.done && !step.error.empty()));
    BRIDGE_FUZZ_CHECK(step.done == decoder.done());
    result.body.append(out.data(), step.produced);
    result.used += step.used;
    if (!step.error.empty()) {
      result.error = step.error;
      auto again = decoder.decode(in.substr(result.used), {out.data(), out.size()});
      BRIDGE_FUZZ_CHECK(again.error == step.error && again.used == 0 && again.produced == 0);
      return result;
    }
    if (step.done) {
      result.done = true;
      auto again = decoder.decode(in.substr(result.used), {out.data(), out.size()});
      BRIDGE_FUZZ_CHECK(again.done && again.used == 0 && again.produced == 0);
      BRIDGE_FUZZ_CHECK(again.error.empty());
      return result;
    }
    if (step.used == 0 && step.produced == 0) {
      // Only more input may be needed, never more room: `out` is never empty here.
      BRIDGE_FUZZ_CHECK(offered.empty());
      if (available == in.size()) return result;
      more();
    }
  }
}

uint64_t hex_prefix(std::string_view s, size_t& at) {
  uint64_t n = 0;
  for (; at < s.size(); ++at) {
    char c = s[at];
    unsigned d = c >= '0' && c <= '9'   ? static_cast<unsigned>(c - '0')
                 : c >= 'a' && c <= 'f' ? static_cast<unsigned>(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? static_cast<unsigned>(c - 'A' + 10)
                                        : 16;
    if (d == 16) break;
    n = n << 4 | d;
  }
  return n;
}

// A finished body read again from what the decoder consumed, the plain way: the chunks'
// data is the body, the trailer lines are the trailers, and nothing follows the last line.
void check_finished(std::string_view used, const std::string& body, const Fields& trailers) {
  std::string expected;
  size_t at = 0;
  for (;;) {
    const uint64_t size = hex_prefix(used, at);
    at = used.find("\r\n", at);
    BRIDGE_FUZZ_CHECK(at != std::string_view::npos);
    at += 2;
    if (size == 0) break;
    BRIDGE_FUZZ_CHECK(size <= used.size() - at);
    expected.append(used.substr(at, size));
    at += size;
    BRIDGE_FUZZ_CHECK(used.substr(at, 2) == "\r\n");
    at += 2;
  }
  const size_t trailers_at = at;
  size_t lines = 0;
  for (;;) {
    const size_t end = used.find("\r\n", at);
    BRIDGE_FUZZ_CHECK(end != std::string_view::npos);
    BRIDGE_FUZZ_CHECK(used.substr(at, end - at).find('\n') == std::string_view::npos);
    const bool last = end == at;
    at = end + 2;
    if (last) break;
    ++lines;
  }
  BRIDGE_FUZZ_CHECK(at == used.size());
  BRIDGE_FUZZ_CHECK(body == expected);
  BRIDGE_FUZZ_CHECK(trailers.size() == lines);
  BRIDGE_FUZZ_CHECK(at - trailers_at <= h1::ChunkedDecoder::max_trailers);
  check_fields(trailers);
}

void check_chunked(std::string_view in, uint8_t feed, uint8_t out_byte) {
  // At once into a buffer the size of the input: the reference for the pieces below.
  h1::ChunkedDecoder whole;
  Decoded once = decode(whole, in, 0, SIZE_MAX, in.size() + 1);
  BRIDGE_FUZZ_CHECK(once.body.size() <= once.used);
  if (once.done) check_finished(in.substr(0, once.used), once.body, whole.trailers());

  const size_t piece_limit = (feed & 0x80) ? 4096 : 1 + (feed & 0x0f);
  const size_t out_size = 1 + out_byte % 32;
  h1::ChunkedDecoder pieces;
  Decoded split = decode(pieces, in, feed, piece_limit, out_size);
  // However the bytes arrive and however small the buffer, the outcome is the same.
  BRIDGE_FUZZ_CHECK(split.body == once.body);
  BRIDGE_FUZZ_CHECK(split.used == once.used || !split.error.empty());
  BRIDGE_FUZZ_CHECK(split.done == once.done);
  BRIDGE_FUZZ_CHECK(split.error == once.error);
  if (split.done) BRIDGE_FUZZ_CHECK(same_fields(pieces.trailers(), whole.trailers()));

  // reset() makes a used decoder read the same again.
  pieces.reset();
  Decoded after_reset = decode(pieces, in, feed, piece_limit, out_size);
  BRIDGE_FUZZ_CHECK(after_reset.body == split.body && after_reset.error == split.error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view bytes = bridge::fuzz::as_text(data + 2, size - 2);
  const size_t end = bytes.find("\r\n\r\n");
  const std::string_view head = end == std::string_view::npos ? bytes : bytes.substr(0, end + 4);
  check_request(head);
  check_response(head);
  check_chunked(bytes, data[0], data[1]);
  return 0;
}
