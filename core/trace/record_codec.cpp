#include "trace/detail/record_codec.hpp"

#include "common/copy.hpp"

#include <array>
#include <cstring>

namespace bridge::trace::detail {

namespace {

// Encoding runs twice over a record, through the same `visit`: first counting its bytes, then
// writing them through a cursor into a buffer sized once (an append per field checked the
// capacity some forty times per record).
class Sizer {
 public:
  template <class T>
  void pod(const T&) {
    size_ += sizeof(T);
  }
  void text(std::string_view s) { size_ += sizeof(uint32_t) + s.size(); }
  size_t size() const { return size_; }

 private:
  size_t size_ = 0;
};

class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  template <class T>
  void pod(const T& value) {
    std::memcpy(at_, &value, sizeof value);
    at_ += sizeof value;
  }
  void text(std::string_view s) {
    pod(static_cast<uint32_t>(s.size()));
    at_ = copy_bytes(at_, s);
  }

 private:
  char* at_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : at_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  template <class T>
  bool pod(T& value) {
    if (static_cast<size_t>(end_ - at_) < sizeof value) return false;
    std::memcpy(&value, at_, sizeof value);
    at_ += sizeof value;
    return true;
  }
  bool text(std::string_view& s) {
    uint32_t n = 0;
    if (!pod(n) || static_cast<size_t>(end_ - at_) < n) return false;
    s = {at_, n};
    at_ += n;
    return true;
  }
  bool text(std::string& s) {
    std::string_view view;
    if (!text(view)) return false;
    s.assign(view);
    return true;
  }
  bool done() const { return at_ == end_; }

 private:
  const char* at_;
  const char* end_;
};

// Every string field, in encoding order (request_id first: find() reads it alone).
template <class RecordT>
auto strings(RecordT& r) {
  return std::array{&r.request_id, &r.client,   &r.listener,      &r.client_subject,
                    &r.scheme,     &r.protocol, &r.method,        &r.host,
                    &r.path,       &r.query,    &r.route,         &r.upstream,
                    &r.target,     &r.error,    &r.upstream_path, &r.end};
}

template <class RecordT>
auto header_lists(RecordT& r) {
  return std::array{&r.request_in, &r.request_out, &r.response_in, &r.response_out};
}

// The encoded form, field by field, into `sink` (Sizer or Writer); decode reads it back.
template <class Sink>
void visit(const Record& r, Sink& sink) {
  for (const std::string* s : strings(r)) sink.text(*s);
  sink.pod(r.start.time_since_epoch().count());
  sink.pod(r.trace);
  sink.pod(r.status);
  sink.pod(r.grpc_status);
  sink.pod(r.stream_id);
  sink.pod(r.bytes_in);
  sink.pod(r.bytes_out);
  sink.pod(r.phase_us);
  for (const Headers* h : header_lists(r)) sink.text(h->raw());
  for (const OutListEdit* e : {&r.request_out_edit, &r.response_out_edit}) {
    sink.pod(static_cast<uint8_t>(e->derived));
    sink.pod(static_cast<uint32_t>(e->dropped.size()));
    for (const uint32_t index : e->dropped) sink.pod(index);
  }
  sink.pod(static_cast<uint32_t>(r.breakpoints.size()));
  for (const auto& b : r.breakpoints) {
    sink.text(b.id);
    sink.text(b.phase);
    sink.text(b.action);
    sink.pod(b.held_us);
  }
  sink.pod(static_cast<uint32_t>(r.middlewares.size()));
  for (const auto& m : r.middlewares) {
    sink.text(m.name);
    sink.text(m.type);
    sink.text(m.outcome);
    sink.text(m.detail);
    sink.pod(m.us);
  }
}

}  // namespace

void encode(const Record& r, std::string& out) {
  Sizer sizer;
  visit(r, sizer);
  out.resize(sizer.size());
  Writer writer(out.data());
  visit(r, writer);
}

bool decode(std::string_view bytes, Record& r) {
  Reader in(bytes);
  for (std::string* s : strings(r)) {
    if (!in.text(*s)) return false;
  }
  std::chrono::system_clock::rep start = 0;
  if (!in.pod(start) || !in.pod(r.trace) || !in.pod(r.status) || !in.pod(r.grpc_status) ||
      !in.pod(r.stream_id) || !in.pod(r.bytes_in) || !in.pod(r.bytes_out) || !in.pod(r.phase_us)) {
    return false;
  }
  r.start = std::chrono::system_clock::time_point(std::chrono::system_clock::duration(start));
  for (Headers* h : header_lists(r)) {
    std::string_view raw;
    if (!in.text(raw)) return false;
    h->assign_raw(raw);
  }
  for (OutListEdit* e : {&r.request_out_edit, &r.response_out_edit}) {
    uint8_t derived = 0;
    uint32_t dropped = 0;
    if (!in.pod(derived) || !in.pod(dropped) || dropped > bytes.size()) return false;
    e->derived = derived != 0;
    e->dropped.resize(dropped);
    for (uint32_t& index : e->dropped) {
      if (!in.pod(index)) return false;
    }
  }
  uint32_t count = 0;
  if (!in.pod(count) || count > bytes.size()) return false;
  r.breakpoints.resize(count);
  for (auto& b : r.breakpoints) {
    if (!in.text(b.id) || !in.text(b.phase) || !in.text(b.action) || !in.pod(b.held_us)) {
      return false;
    }
  }
  if (!in.pod(count) || count > bytes.size()) return false;
  r.middlewares.resize(count);
  for (auto& m : r.middlewares) {
    if (!in.text(m.name) || !in.text(m.type) || !in.text(m.outcome) || !in.text(m.detail) ||
        !in.pod(m.us)) {
      return false;
    }
  }
  return in.done();
}

std::string_view encoded_request_id(std::string_view bytes) {
  Reader in(bytes);
  std::string_view id;
  return in.text(id) ? id : std::string_view{};
}

}  // namespace bridge::trace::detail
