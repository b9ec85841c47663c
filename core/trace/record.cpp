#include "trace/record.hpp"

#include "common/copy.hpp"

#include <algorithm>
#include <cstring>

namespace bridge::trace {

std::string_view phase_name(Phase phase) {
  switch (phase) {
  case Phase::Received:
    return "received";
  case Phase::HeadParsed:
    return "head_parsed";
  case Phase::RouteMatched:
    return "route_matched";
  case Phase::Middlewares:
    return "middlewares";
  case Phase::UpstreamResolved:
    return "upstream_resolved";
  case Phase::Connected:
    return "connected";
  case Phase::Reused:
    return "reused";
  case Phase::RequestSent:
    return "request_sent";
  case Phase::FirstByte:
    return "first_byte";
  case Phase::Done:
    return "done";
  case Phase::Count:
    break;
  }
  return "?";
}

namespace {

// Field names are ASCII tokens; no locale lookup per character.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

char* put(char* at, std::string_view text) {
  auto n = static_cast<uint32_t>(text.size());
  std::memcpy(at, &n, sizeof n);
  return copy_bytes(at + sizeof n, text);
}

uint32_t get_length(const char* at) {
  uint32_t v;
  std::memcpy(&v, at, sizeof v);
  return v;
}

}  // namespace

Headers::Headers(std::initializer_list<Field> fields) {
  for (const auto& [name, value] : fields) add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  const size_t end = used_ + 8 + name.size() + value.size();
  room(end);
  Writer(text_.data() + used_).add(name, value);
  used_ = end;
}

void Headers::assign_raw(std::string_view raw) {
  room(raw.size());
  std::memcpy(text_.data(), raw.data(), raw.size());
  used_ = raw.size();
}

void Headers::Writer::add(std::string_view name, std::string_view value) {
  at_ = put(put(at_, name), value);
}

Headers::Field Headers::const_iterator::operator*() const {
  const uint32_t name_size = get_length(at_);
  const char* name = at_ + 4;
  const uint32_t value_size = get_length(name + name_size);
  return {{name, name_size}, {name + name_size + 4, value_size}};
}

Headers::const_iterator& Headers::const_iterator::operator++() {
  const uint32_t name_size = get_length(at_);
  at_ += 4 + name_size;
  at_ += 4 + get_length(at_);
  return *this;
}

void Record::reset() {
  start = {};
  request_id.clear();
  trace = {};
  for (std::string* s : {&client, &listener, &client_subject, &method, &host, &path, &upstream_path,
                         &query, &route, &upstream, &target, &error, &end}) {
    s->clear();
  }
  scheme = "http";
  protocol = "HTTP/1.1";
  stream_id = 0;
  config_hash.reset();
  status = 0;
  grpc_status = -1;
  bytes_in = bytes_out = 0;
  phase_us.fill(-1);
  for (Headers* h : {&request_in, &request_out, &response_in, &response_out}) h->clear();
  for (OutListEdit* e : {&request_out_edit, &response_out_edit}) {
    e->derived = false;
    e->dropped.clear();
  }
  breakpoints.clear();
  middlewares.clear();
}

namespace {

Headers full_out_list(const Headers& in, const OutListEdit& edit, const Headers& out) {
  if (!edit.derived) return out;
  Headers full;
  size_t index = 0, next_dropped = 0;
  for (const auto [name, value] : in) {
    if (next_dropped < edit.dropped.size() && edit.dropped[next_dropped] == index) {
      ++next_dropped;
    } else {
      full.add(name, value);
    }
    ++index;
  }
  for (const auto [name, value] : out) full.add(name, value);
  return full;
}

}  // namespace

Headers Record::full_request_out() const {
  return full_out_list(request_in, request_out_edit, request_out);
}

Headers Record::full_response_out() const {
  return full_out_list(response_in, response_out_edit, response_out);
}

bool is_redacted(std::string_view name, const std::vector<std::string>& redacted) {
  return std::any_of(redacted.begin(), redacted.end(), [&](const std::string& r) {
    return r.size() == name.size() &&
           std::equal(r.begin(), r.end(), name.begin(),
                      [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  });
}

namespace {

// `text` starts with `lower_word` (lowercase ASCII), compared case-insensitively; '_' in
// `text` counts as '-' so query parameters like api_key match too.
bool starts_with_word(std::string_view text, std::string_view lower_word) {
  if (text.size() < lower_word.size()) return false;
  for (size_t i = 0; i < lower_word.size(); ++i) {
    char c = ascii_lower(text[i]);
    if (c == '_') c = '-';
    if (c != lower_word[i]) return false;
  }
  return true;
}

bool equals_lower(std::string_view text, std::string_view lower_word) {
  return text.size() == lower_word.size() && starts_with_word(text, lower_word);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ascii_lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

}  // namespace

// The scan behind is_secret_name.
bool scan_secret_name(std::string_view name) {
  // Every captured field of every request comes here: four bytes at a time, lower-cased by
  // one OR (which maps no other byte of a valid field name onto these words' first four
  // letters), and only a match is compared in full. '_' | 0x20 is 0x7f, hence "api\x7f".
  static constexpr auto pack = [](std::string_view w) {
    return uint32_t(uint8_t(w[0])) | uint32_t(uint8_t(w[1])) << 8 | uint32_t(uint8_t(w[2])) << 16 |
           uint32_t(uint8_t(w[3])) << 24;
  };
  static constexpr uint32_t toke = pack("toke"), secr = pack("secr"), pass = pack("pass"),
                            api_dash = pack("api-"), api_under = pack("api\x7f");
  for (size_t i = 0; i + 5 <= name.size(); ++i) {
    uint32_t four = 0;
    std::memcpy(&four, name.data() + i, 4);
    four |= 0x20202020;
    if (four != toke && four != secr && four != pass && four != api_dash && four != api_under)
      continue;
    std::string_view rest = name.substr(i);
    if (starts_with_word(rest, "token") || starts_with_word(rest, "secret") ||
        starts_with_word(rest, "password") || starts_with_word(rest, "api-key"))
      return true;
  }
  switch (name.size()) {
  case 6:
    return equals_lower(name, "cookie");
  case 10:
    return equals_lower(name, "set-cookie");
  case 13:
    return equals_lower(name, "authorization");
  case 19:
    return equals_lower(name, "proxy-authorization");
  default:
    return false;
  }
}

bool is_secret_name(std::string_view name) {
  // The same few names come with every request (X-Forwarded-Proto, Content-Type, ...): a
  // small direct-mapped cache per thread answers them with one compare instead of a scan.
  struct Slot {
    std::array<char, 32> name{};
    uint8_t size = 0xff;  // no name
    bool secret = false;
  };
  thread_local std::array<Slot, 64> cache;
  if (name.size() < 5) return false;  // shorter than "token" and "cookie"
  if (name.size() > 32) return scan_secret_name(name);
  const size_t n = name.size();
  const size_t last = static_cast<uint8_t>(name[n - 1]), middle = static_cast<uint8_t>(name[n / 2]);
  Slot& slot = cache[(n * 7 + last * 3 + middle) % cache.size()];
  if (slot.size == n && std::memcmp(slot.name.data(), name.data(), n) == 0) return slot.secret;
  slot.size = static_cast<uint8_t>(n);
  std::memcpy(slot.name.data(), name.data(), n);
  slot.secret = scan_secret_name(name);
  return slot.secret;
}

Redaction::Redaction(std::vector<std::string> names, bool defaults)
    : names_(std::move(names)), defaults_(defaults) {
  for (const auto& n : names_) lengths_ |= uint64_t{1} << std::min<size_t>(n.size(), 63);
}

void Redaction::redact_query(std::string_view query, std::string& out) const {
  out.clear();
  std::string decoded;
  while (true) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    // Names are compared as a server would read them: "+" is a space, %XX a byte.
    std::string_view plain = name;
    if (name.find_first_of("%+") != std::string_view::npos) {
      decoded.clear();
      for (size_t i = 0; i < name.size(); ++i) {
        int hi = 0, lo = 0;
        if (name[i] == '%' && i + 2 < name.size() && (hi = hex_value(name[i + 1])) >= 0 &&
            (lo = hex_value(name[i + 2])) >= 0) {
          decoded += static_cast<char>(hi * 16 + lo);
          i += 2;
        } else {
          decoded += name[i] == '+' ? ' ' : name[i];
        }
      }
      plain = decoded;
    }
    if (eq != std::string_view::npos && covers(plain)) {
      out.append(name).append("=").append(redacted_value);
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
}

std::string_view grpc_status_name(int code) {
  static constexpr std::array<std::string_view, 17> names = {"OK",
                                                             "CANCELLED",
                                                             "UNKNOWN",
                                                             "INVALID_ARGUMENT",
                                                             "DEADLINE_EXCEEDED",
                                                             "NOT_FOUND",
                                                             "ALREADY_EXISTS",
                                                             "PERMISSION_DENIED",
                                                             "RESOURCE_EXHAUSTED",
                                                             "FAILED_PRECONDITION",
                                                             "ABORTED",
                                                             "OUT_OF_RANGE",
                                                             "UNIMPLEMENTED",
                                                             "INTERNAL",
                                                             "UNAVAILABLE",
                                                             "DATA_LOSS",
                                                             "UNAUTHENTICATED"};
  return code >= 0 && code < static_cast<int>(names.size()) ? names[static_cast<size_t>(code)]
                                                            : std::string_view{};
}

size_t protocol_index(std::string_view protocol) {
  if (protocol == "HTTP/2") return 2;
  return protocol == "HTTP/1.0" ? 0 : 1;
}

}  // namespace bridge::trace
