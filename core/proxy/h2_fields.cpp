// Heads between HTTP/1.1 and HTTP/2.
#include "proxy/detail/h2_fields.hpp"

#include "common/text.hpp"

#include <cstring>

namespace bridge::proxy {

namespace {

std::string_view lower_copy(std::string_view name, std::deque<std::string>& storage) {
  std::string& lower = storage.emplace_back(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace

bool connection_specific(std::string_view name) {
  for (std::string_view hop : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                               "upgrade", "http2-settings", "te"}) {
    if (iequals(name, hop)) return true;
  }
  return false;
}

nghttp2_nv h2_field(std::string_view name, std::string_view value) {
  return {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
          const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NONE};
}

std::vector<nghttp2_nv> h2_response_fields(const http::response_header<>& head,
                                           const HeadEdit& edit, std::deque<std::string>& storage) {
  std::vector<nghttp2_nv> fields;
  storage.push_back(std::to_string(head.result_int()));
  fields.push_back(h2_field(":status", storage.back()));
  edit.for_each(head, [&](std::string_view name, std::string_view value) {
    if (!connection_specific(name)) fields.push_back(h2_field(lower_copy(name, storage), value));
  });
  return fields;
}

std::vector<nghttp2_nv> h2_request_fields(const http::request_header<>& head, const HeadEdit& edit,
                                          std::string_view scheme,
                                          std::deque<std::string>& storage) {
  std::vector<nghttp2_nv> fields;
  std::string_view authority;
  edit.for_each(head, [&](std::string_view name, std::string_view value) {
    if (iequals(name, "host")) authority = value;
  });
  fields.push_back(h2_field(":method", head.method_string()));
  fields.push_back(h2_field(":scheme", scheme));
  fields.push_back(h2_field(":authority", authority));
  fields.push_back(h2_field(":path", storage.emplace_back(edit.target(head.target()))));
  edit.for_each(head, [&](std::string_view name, std::string_view value) {
    if (connection_specific(name) || iequals(name, "host")) return;
    fields.push_back(h2_field(lower_copy(name, storage), value));
  });
  // TE is hop-by-hop, but "trailers" is the one value HTTP/2 carries on (RFC 9113 8.2.2).
  if (head[http::field::te].find("trailers") != std::string_view::npos)
    fields.push_back(h2_field("te", "trailers"));
  return fields;
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

ssize_t H2Body::take(uint8_t* buf, size_t length, uint32_t* flags) {
  const size_t n = std::min(length, pending());
  std::memcpy(buf, bytes.data() + at, n);
  at += n;
  if (at == bytes.size()) {
    bytes.clear();
    at = 0;
  }
  if (pending() == 0 && ended) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
  return n == 0 ? ssize_t{NGHTTP2_ERR_DEFERRED} : static_cast<ssize_t>(n);
}

}  // namespace bridge::proxy
