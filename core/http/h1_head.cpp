// The HTTP/1.1 codec (RFC 9112), heads: bytes into RequestHead/ResponseHead, and the framing of
// the body that follows. Strict wherever a next hop could read the same bytes differently (RFC 9112
// 11.2): every refusal here is a smuggling shape some parser once accepted.
#include "http/h1.hpp"

#include "common/text.hpp"
#include "http/detail/h1_syntax.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace bridge::http::h1 {

namespace {

using namespace detail;  // NOLINT(google-build-using-namespace): the codec's own syntax

// What differs between the messages of a request head and a response head.
struct Wording {
  std::string_view bare_lf;
  std::string_view folding;
  std::string_view malformed;  // prefix of the syntax errors
  std::string_view te_in_http10;
};

constexpr Wording request_wording{
    "bare LF line ending in the request head (CRLF required)",
    "obsolete line folding in a header",
    "malformed request: ",
    "Transfer-Encoding in an HTTP/1.0 request",
};
constexpr Wording response_wording{
    "bare LF line ending in the response head (CRLF required)",
    "obsolete line folding in the response head",
    "malformed response: ",
    "Transfer-Encoding in an HTTP/1.0 response",
};

std::string malformed(const Wording& w, std::string_view what) {
  std::string message(w.malformed);
  message += what;
  return message;
}

std::string unsupported_te(std::string_view value) {
  constexpr size_t shown = 64;
  std::string message = "unsupported Transfer-Encoding \"";
  message += value.substr(0, shown);
  message += "\" (only chunked is accepted)";
  return message;
}

bool has_bare_lf(std::string_view bytes) {
  for (size_t at = bytes.find('\n'); at != npos; at = bytes.find('\n', at + 1)) {
    if (at == 0 || bytes[at - 1] != '\r') return true;
  }
  return false;
}

// A refusal, unless the bytes hold a bare LF anywhere: that is reported first, whatever else
// is wrong (the caller hands over a prefix as soon as it sees one). Looked for only on the way
// out with an error: a head that parses had each of its LFs checked by next_line.
std::string refusal(std::string error, std::string_view bytes, const Wording& w) {
  if (!error.empty() && has_bare_lf(bytes)) return std::string(w.bare_lf);
  return error;
}

enum class NextLine { Line, BareLf, Missing };

// Takes the CRLF-ended line at the front of `rest`.
NextLine next_line(std::string_view& rest, std::string_view& line) {
  const size_t lf = rest.find('\n');
  if (lf == npos) return NextLine::Missing;
  if (lf == 0 || rest[lf - 1] != '\r') return NextLine::BareLf;
  line = rest.substr(0, lf - 1);
  rest.remove_prefix(lf + 1);
  return NextLine::Line;
}

// "HTTP/1.1" -> 11, "HTTP/1.0" -> 10, anything else -> 0.
unsigned version_of(std::string_view text) {
  if (text == "HTTP/1.1") return 11;
  if (text == "HTTP/1.0") return 10;
  return 0;
}

bool parse_content_length(std::string_view text, uint64_t& n) {
  // 19 digits cannot overflow 64 bits; more is no body size anyone sends.
  if (text.empty() || text.size() > 19) return false;
  n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// The field lines after the start line, up to and including the empty line that ends them.
std::string parse_fields(std::string_view rest, unsigned version, const Wording& w, Fields& fields,
                         std::optional<uint64_t>& content_length, bool& chunked) {
  std::string_view transfer_encoding;  // the one accepted: "chunked" in some case
  for (;;) {
    std::string_view name;
    std::string_view value;
    if (!take_plain_field(rest, name, value)) {
      // The end of the fields, or a line that is not plain: read it again to name it.
      std::string_view line;
      switch (next_line(rest, line)) {
      case NextLine::Missing:
        return malformed(w, "incomplete head");
      case NextLine::BareLf:
        return std::string(w.bare_lf);
      case NextLine::Line:
        break;
      }
      if (line.empty()) break;
      if (ows(line[0])) return std::string(w.folding);
      switch (split_field(line, name, value)) {
      case FieldLine::BadName:
        return malformed(w, "bad field name");
      case FieldLine::BadValue:
        return malformed(w, "bad field value");
      case FieldLine::Ok:
        break;
      }
    }
    const Field known = field_of(name);
    if (known == Field::ContentLength) {
      uint64_t n = 0;
      if (!parse_content_length(value, n)) return malformed(w, "bad Content-Length");
      if (content_length && *content_length != n) {
        return malformed(w, "multiple different Content-Length values");
      }
      content_length = n;
    } else if (known == Field::TransferEncoding) {
      if (version == 10) return std::string(w.te_in_http10);
      if (chunked) {
        // Two fields are one list (RFC 9110 5.3): name it as a next hop would combine it.
        std::string both(transfer_encoding);
        both += ", ";
        both += value;
        return unsupported_te(both);
      }
      if (!iequals(value, "chunked")) return unsupported_te(value);
      transfer_encoding = value;
      chunked = true;
    }
    fields.add(name, value, known);
  }
  if (!rest.empty()) return malformed(w, "bytes after the empty line of the head");
  if (chunked && content_length) return "Transfer-Encoding together with Content-Length";
  return {};
}

// method SP request-target SP HTTP-version, single spaces (RFC 9112 3).
std::string parse_request_line(std::string_view line, RequestHead& out) {
  size_t method_end = 0;
  while (method_end < line.size() && is(line[method_end], Tchar)) ++method_end;
  if (method_end == 0 || method_end == line.size() || line[method_end] != ' ') {
    return "malformed request: bad method";
  }
  // The version has no space, so the last space ends the target: "GET /a b HTTP/1.1" is a
  // target with a space, not a bad version.
  std::string_view rest = line.substr(method_end + 1);
  size_t space = rest.rfind(' ');
  if (space == npos) return "malformed request: bad version";
  std::string_view target = rest.substr(0, space);
  if (target.empty()) return "malformed request: bad target";
  for (char c : target) {
    if (!is(c, TargetChar)) return "malformed request: bad target";
  }
  const unsigned version = version_of(rest.substr(space + 1));
  if (version == 0) return "malformed request: bad version";
  out.set_method(line.substr(0, method_end));
  out.target.assign(target);
  out.version = version;
  return {};
}

// HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 4; the SP before an absent reason is
// commonly left out, and accepted).
std::string parse_status_line(std::string_view line, ResponseHead& out) {
  constexpr size_t status_end = 12;  // "HTTP/1.1 200"
  const unsigned version = version_of(line.substr(0, 8));
  if (version == 0 || (line.size() > 8 && line[8] != ' ')) return "malformed response: bad version";
  if (line.size() < status_end) return "malformed response: bad status";
  unsigned status = 0;
  for (size_t i = 9; i < status_end; ++i) {
    if (line[i] < '0' || line[i] > '9') return "malformed response: bad status";
    status = status * 10 + static_cast<unsigned>(line[i] - '0');
  }
  std::string_view reason;
  if (line.size() > status_end) {
    if (line[status_end] != ' ') return "malformed response: bad status";
    reason = line.substr(status_end + 1);
    if (!field_text(reason)) return "malformed response: bad reason phrase";
  }
  out.version = version;
  out.status = status;
  out.reason.assign(reason);
  return {};
}

// The start line by `parse_start`, then the fields; a bare LF anywhere wins over any other
// refusal.
template <class Head, class ParseStart>
std::string parse_head(std::string_view bytes, Head& out, const Wording& w,
                       ParseStart parse_start) {
  out.clear();
  std::string_view rest = bytes;
  std::string_view line;
  std::string error;
  switch (next_line(rest, line)) {
  case NextLine::Missing:
    error = malformed(w, "incomplete head");
    break;
  case NextLine::BareLf:
    return std::string(w.bare_lf);
  case NextLine::Line:
    error = parse_start(line, out);
    if (error.empty()) {
      error = parse_fields(rest, out.version, w, out.fields, out.content_length, out.chunked);
    }
    break;
  }
  return refusal(std::move(error), bytes, w);
}

}  // namespace

std::string parse_request_head(std::string_view bytes, RequestHead& out) {
  return parse_head(bytes, out, request_wording, parse_request_line);
}

std::string parse_response_head(std::string_view bytes, ResponseHead& out) {
  return parse_head(bytes, out, response_wording, parse_status_line);
}

BodyFraming request_framing(const RequestHead& head) {
  if (head.chunked) return {BodyFraming::Kind::Chunked, 0};
  if (head.content_length && *head.content_length > 0) {
    return {BodyFraming::Kind::Length, *head.content_length};
  }
  return {};
}

BodyFraming response_framing(const ResponseHead& head, bool head_request) {
  if (head_request || head.status / 100 == 1 || head.status == 204 || head.status == 304) return {};
  if (head.chunked) return {BodyFraming::Kind::Chunked, 0};
  if (head.content_length) {
    // An empty body needs no relaying: None says the same as Length 0, with one case less.
    if (*head.content_length == 0) return {};
    return {BodyFraming::Kind::Length, *head.content_length};
  }
  return {BodyFraming::Kind::UntilClose, 0};
}

}  // namespace bridge::http::h1
