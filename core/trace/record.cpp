#include "trace/record.hpp"

#include <algorithm>
#include <cstring>

namespace bridge::trace {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::Received: return "received";
    case Phase::HeadParsed: return "head_parsed";
    case Phase::RouteMatched: return "route_matched";
    case Phase::UpstreamResolved: return "upstream_resolved";
    case Phase::Connected: return "connected";
    case Phase::Reused: return "reused";
    case Phase::RequestSent: return "request_sent";
    case Phase::FirstByte: return "first_byte";
    case Phase::Done: return "done";
    case Phase::Count: break;
  }
  return "?";
}

namespace {

// Field names are ASCII tokens; no locale lookup per character.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

char* put(char* at, std::string_view text) {
  auto n = static_cast<uint32_t>(text.size());
  std::memcpy(at, &n, sizeof n);
  std::memcpy(at + sizeof n, text.data(), text.size());
  return at + sizeof n + text.size();
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
  const size_t old = text_.size();
  text_.resize(old + 8 + name.size() + value.size());
  Writer(text_.data() + old).add(name, value);
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
  for (std::string* s : {&client, &listener, &method, &host, &path, &query, &route, &upstream,
                         &target, &error}) {
    s->clear();
  }
  scheme = "http";
  config_hash.reset();
  status = 0;
  bytes_in = bytes_out = 0;
  phase_us.fill(-1);
  for (Headers* h : {&request_in, &request_out, &response_in, &response_out}) h->clear();
  breakpoints.clear();
}

bool is_redacted(std::string_view name, const std::vector<std::string>& redacted) {
  return std::any_of(redacted.begin(), redacted.end(), [&](const std::string& r) {
    return r.size() == name.size() &&
           std::equal(r.begin(), r.end(), name.begin(),
                      [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
  });
}

Redaction::Redaction(std::vector<std::string> names) : names_(std::move(names)) {
  for (const auto& n : names_) lengths_ |= uint64_t{1} << std::min<size_t>(n.size(), 63);
}

}  // namespace bridge::trace
