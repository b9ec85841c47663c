#pragma once
// What the HTTP/2 server and client sessions share: heads between HTTP/1.1 and HTTP/2 (RFC
// 9113 8.2: connection-specific fields dropped, names in lower case, pseudo-fields first), the
// callback table, and the body source nghttp2 frames DATA from.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/head_edit.hpp"

#include <nghttp2/nghttp2.h>

#include <string>
#include <string_view>
#include <vector>

namespace bridge::proxy {

/// Fields after a body (chunked trailers, HTTP/2 trailing HEADERS: gRPC's status).
using Trailers = std::vector<std::pair<std::string, std::string>>;

/// Fields HTTP/2 forbids (connection, keep-alive, transfer-encoding, upgrade, ...).
bool connection_specific(std::string_view name);

/// A name/value pair for nghttp2, which copies both when the frame is submitted.
nghttp2_nv h2_field(std::string_view name, std::string_view value);

/// A head as nghttp2 takes it: name/value pairs, pointing into the head's own fields and, for
/// names that need lower-casing and for :status and :path, into `text`. Kept and refilled
/// head after head (nghttp2 copies what it submits), so that a warm one allocates nothing.
struct H2FieldList {
  std::vector<nghttp2_nv> fields;
  std::string text;  // sized once per head; its first `used` bytes are taken
  size_t used = 0;
};

/// :status, then `head` as `edit` changes it, into `out` (emptied first). The field named
/// `unique` (the request id's) is never indexed by HPACK.
void h2_response_fields(const ResponseHead& head, const HeadEdit& edit, H2FieldList& out,
                        std::string_view unique = {});

/// :method, :scheme, :authority (from Host), :path, then the fields; `te: trailers` is kept
/// when the client asked for it (gRPC needs it). `unique` and the trace context fields are
/// never indexed by HPACK.
void h2_request_fields(const RequestHead& head, const HeadEdit& edit, std::string_view scheme,
                       H2FieldList& out, std::string_view unique = {});

/// The callbacks both sessions set (`begin_headers` only the server's); null on failure.
/// The caller deletes the table once the session is made.
struct H2Callbacks {
  nghttp2_on_begin_headers_callback begin_headers = nullptr;
  nghttp2_on_header_callback header = nullptr;
  nghttp2_on_frame_recv_callback frame = nullptr;
  nghttp2_on_data_chunk_recv_callback data = nullptr;
  nghttp2_on_stream_close_callback close = nullptr;
};
nghttp2_session_callbacks* h2_callback_table(const H2Callbacks& callbacks);

/// Appends the frames `session` has ready to send to `out`, up to about `max` bytes.
void h2_produce(nghttp2_session* session, std::string& out, size_t max);
/// Whether `session` still wants to read or write (false once it is over).
bool h2_wants_io(nghttp2_session* session);

/// Appends `fields` as HTTP/2 trailers to `out`: names in lower case, without the fields a
/// trailer may not carry (framing, routing, connection-specific: every name the codec knows).
void add_h2_trailers(const Fields& fields, Trailers& out);

/// A body waiting for nghttp2 to frame it as DATA: bytes appended at the back, taken from
/// `at`; `ended` once the last byte is in, then `trailers` if any.
struct H2Body {
  /// Bytes queued for nghttp2 before the side that fills the body waits for the peer's window.
  static constexpr size_t high_water = size_t{256} * 1024;
  std::string bytes;
  size_t at = 0;
  bool ended = false;
  Trailers trailers;  // sent in a HEADERS frame of their own after the last DATA
  size_t pending() const { return bytes.size() - at; }
  void append(std::string_view more) { bytes.append(more); }
  void clear() {
    bytes.clear();
    at = 0;
    ended = false;
    trailers.clear();
  }
  /// nghttp2's data source read for stream `stream_id`: up to `length` bytes into `buf`, EOF
  /// once ended and empty (the stream then ends with the trailers, when there are any),
  /// NGHTTP2_ERR_DEFERRED when nothing is there yet (resume_data restarts it).
  ssize_t take(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
               uint32_t* flags);
};

}  // namespace bridge::proxy
