// Heads between HTTP/1.1 and HTTP/2.
#include "proxy/detail/h2_fields.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bridge::proxy {

namespace {

bool has_upper(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// `name` in lower case: itself when it is already (HTTP/2 peers, most HTTP/1.1 ones), else a
// copy at the end of `text`, whose capacity the caller made room for (views into it stay
// valid).
std::string_view lower_name(std::string_view name, std::string& text) {
  if (!has_upper(name)) return name;
  const size_t at = text.size();
  text.resize(at + name.size());
  std::transform(name.begin(), name.end(), text.begin() + static_cast<std::ptrdiff_t>(at),
                 ascii_lower);
  return std::string_view(text).substr(at);
}

// Room in `text` for `more` bytes beyond the lower-cased names of `head` as `edit` changes it.
void reserve_text(const Fields& fields, const HeadEdit& edit, size_t more, H2FieldList& out) {
  size_t bytes = more;
  size_t count = 0;
  edit.for_each(fields, [&](std::string_view name, std::string_view) {
    if (has_upper(name)) bytes += name.size();
    ++count;
  });
  out.fields.clear();
  out.fields.reserve(count + 5);
  out.text.clear();
  out.text.reserve(bytes);
}

// A field whose value is new with every message: HPACK sends it literally and keeps it out
// of its table (RFC 7541 6.2.3).
nghttp2_nv unindexed(std::string_view name, std::string_view value) {
  nghttp2_nv nv = h2_field(name, value);
  nv.flags = NGHTTP2_NV_FLAG_NO_INDEX;
  return nv;
}

bool per_message(std::string_view name, std::string_view unique) {
  return iequals(name, unique) || iequals(name, "traceparent") || iequals(name, "b3");
}

// `piece` at the end of `text` (which has room for it).
std::string_view append(std::string& text, std::string_view piece) {
  const size_t at = text.size();
  text.append(piece);
  return std::string_view(text).substr(at);
}

}  // namespace

bool connection_specific(std::string_view name) {
  // Most names are none of these: their length alone says so.
  static constexpr std::string_view hops[] = {
      "connection",     "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
      "http2-settings", "te"};
  for (std::string_view hop : hops) {
    if (iequals(name, hop)) return true;
  }
  return false;
}

nghttp2_nv h2_field(std::string_view name, std::string_view value) {
  return {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
          const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

void h2_response_fields(const ResponseHead& head, const HeadEdit& edit, H2FieldList& out,
                        std::string_view unique) {
  char status[8];
  auto [end, ec] = std::to_chars(status, status + sizeof status, head.status);
  const std::string_view status_text(status, static_cast<size_t>(end - status));
  reserve_text(head.fields, edit, status_text.size(), out);
  out.fields.push_back(h2_field(":status", append(out.text, status_text)));
  edit.for_each(head.fields, [&](std::string_view name, std::string_view value) {
    if (connection_specific(name)) return;
    const std::string_view lower = lower_name(name, out.text);
    out.fields.push_back(iequals(name, unique) ? unindexed(lower, value) : h2_field(lower, value));
  });
}

void h2_request_fields(const RequestHead& head, const HeadEdit& edit, std::string_view scheme,
                       H2FieldList& out, std::string_view unique) {
  const auto target = edit.target(head.target);
  reserve_text(head.fields, edit, target.size(), out);
  std::string_view authority;
  edit.for_each(head.fields, [&](std::string_view name, std::string_view value) {
    if (iequals(name, "host")) authority = value;
  });
  out.fields.push_back(h2_field(":method", head.method_name));
  out.fields.push_back(h2_field(":scheme", scheme));
  out.fields.push_back(h2_field(":authority", authority));
  out.fields.push_back(h2_field(":path", append(out.text, target)));
  edit.for_each(head.fields, [&](std::string_view name, std::string_view value) {
    if (connection_specific(name) || iequals(name, "host")) return;
    const std::string_view lower = lower_name(name, out.text);
    out.fields.push_back(per_message(name, unique) ? unindexed(lower, value)
                                                   : h2_field(lower, value));
  });
  // TE is hop-by-hop, but "trailers" is the one value HTTP/2 carries on (RFC 9113 8.2.2).
  if (head.fields.get(Field::Te).find("trailers") != std::string_view::npos)
    out.fields.push_back(h2_field("te", "trailers"));
}

nghttp2_session_callbacks* h2_callback_table(const H2Callbacks& c) {
  nghttp2_session_callbacks* table = nullptr;
  if (nghttp2_session_callbacks_new(&table) != 0) return nullptr;
  if (c.begin_headers != nullptr)
    nghttp2_session_callbacks_set_on_begin_headers_callback(table, c.begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(table, c.header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(table, c.frame);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(table, c.data);
  nghttp2_session_callbacks_set_on_stream_close_callback(table, c.close);
  return table;
}

void h2_produce(nghttp2_session* session, std::string& out, size_t max) {
  while (out.size() < max) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session, &data);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
}

bool h2_wants_io(nghttp2_session* session) {
  return nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0;
}

void add_h2_trailers(const Fields& fields, Trailers& out) {
  for (const FieldRef f : fields) {
    if (f.known != Field::Other) continue;
    std::string name(f.name);
    std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
    out.emplace_back(std::move(name), f.value);
  }
}

ssize_t H2Body::take(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
                     uint32_t* flags) {
  const size_t n = std::min(length, pending());
  std::memcpy(buf, bytes.data() + at, n);
  at += n;
  if (at == bytes.size()) {
    bytes.clear();
    at = 0;
  }
  if (pending() == 0 && ended) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (!trailers.empty()) {
      // The stream ends with the trailers' HEADERS frame instead of this DATA frame.
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      std::vector<nghttp2_nv> fields;
      fields.reserve(trailers.size());
      for (const auto& [name, value] : trailers) fields.push_back(h2_field(name, value));
      nghttp2_submit_trailer(session, stream_id, fields.data(), fields.size());
    }
    return static_cast<ssize_t>(n);
  }
  return n == 0 ? ssize_t{NGHTTP2_ERR_DEFERRED} : static_cast<ssize_t>(n);
}

}  // namespace bridge::proxy
