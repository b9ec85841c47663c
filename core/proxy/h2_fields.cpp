// Heads between HTTP/1.1 and HTTP/2.
#include "proxy/detail/h2_fields.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bridge::proxy {

namespace {

// ASCII upper-case letters of a word lowered, eight bytes at once: a byte gets its 0x20 bit
// where it is at least 'A', at most 'Z' and below 0x80 (no sum carries across bytes).
uint64_t lower_word(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101;
  const uint64_t low7 = w & (0x7f * ones);
  const uint64_t at_least_a = low7 + (0x80 - 'A') * ones;
  const uint64_t above_z = low7 + (0x80 - 'Z' - 1) * ones;
  const uint64_t upper = at_least_a & ~above_z & ~w & (0x80 * ones);
  return w | upper >> 2;
}

// `name` in lower case, copied into out.text (HTTP/2 field names are lower case; most
// HTTP/1.1 peers capitalise). A name of eight bytes or more is lowered a word at a time, the
// last word overlapping the one before.
std::string_view lower_name(std::string_view name, H2FieldList& out) {
  char* to = out.text.data() + out.used;
  const size_t n = name.size();
  if (n >= 8) {
    auto lower_at = [&](size_t i) {
      uint64_t w = 0;
      std::memcpy(&w, name.data() + i, 8);
      w = lower_word(w);
      std::memcpy(to + i, &w, 8);
    };
    for (size_t i = 0; i + 8 <= n; i += 8) lower_at(i);
    lower_at(n - 8);
  } else {
    for (size_t i = 0; i < n; ++i) to[i] = ascii_lower(name[i]);
  }
  out.used += n;
  return {to, n};
}

// out.text sized for `more` bytes beyond the names of `head` as `edit` changes it, once: the
// views into it stay valid while the list fills.
void reserve_text(const Fields& fields, const HeadEdit& edit, size_t more, H2FieldList& out) {
  size_t bytes = more + fields.text_bytes();
  size_t count = fields.size();
  edit.for_each_added([&](std::string_view name, std::string_view) {
    bytes += name.size();
    ++count;
  });
  out.fields.clear();
  out.fields.reserve(count + 5);
  out.used = 0;
  if (out.text.size() < bytes) out.text.resize(std::max(bytes, 2 * out.text.size()));
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

// `piece` copied after what out.text holds (reserve_text made room for it).
std::string_view append(H2FieldList& out, std::string_view piece) {
  char* at = out.text.data() + out.used;
  std::memcpy(at, piece.data(), piece.size());
  out.used += piece.size();
  return {at, piece.size()};
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
  out.fields.push_back(h2_field(":status", append(out, status_text)));
  edit.for_each(head.fields, [&](std::string_view name, std::string_view value) {
    if (connection_specific(name)) return;
    const std::string_view lower = lower_name(name, out);
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
  out.fields.push_back(h2_field(":path", append(out, target)));
  edit.for_each(head.fields, [&](std::string_view name, std::string_view value) {
    if (connection_specific(name) || iequals(name, "host")) return;
    const std::string_view lower = lower_name(name, out);
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
