// Whether a response is compressed, and the head changes that go with it.
#include "proxy/detail/compress.hpp"

#include "http/fields.hpp"

namespace bridge::proxy {

namespace {

trace::MiddlewareNote* compress_note(Exchange& ex) {
  const size_t step = ex.middleware->compression->step;
  return step < ex.record.middlewares.size() ? &ex.record.middlewares[step] : nullptr;
}

}  // namespace

ResponseEncoding start_compression(Exchange& ex, const ResponseHead& head, HeadEdit& edit) {
  ResponseEncoding out;
  if (ex.middleware == nullptr || !ex.middleware->compression) return out;
  const middleware::Compression& c = *ex.middleware->compression;
  const std::string_view name = middleware::encoding_names[static_cast<size_t>(c.encoding)];
  std::string refusal = middleware::compression_refusal(c, static_cast<unsigned>(head.status),
                                                        head.fields, ex.head_request);
  if (!refusal.empty()) {
    if (auto* note = compress_note(ex)) note->detail = "not compressed: " + refusal;
    return out;
  }
  out.encoding = c.encoding;
  out.length = head.content_length;
  // The length and framing are the encoder's now; ranges of the encoded bytes are not served.
  edit.remove("Content-Length");
  edit.remove("Transfer-Encoding");
  edit.remove("Accept-Ranges");
  edit.set("Content-Encoding", name);
  if (!bridge::http::has_token(head.fields.get("vary"), "accept-encoding"))
    edit.add("Vary", "Accept-Encoding");
  // The encoded bytes differ from what a strong validator names (RFC 9110 8.8.1).
  const std::string_view etag = head.fields.get("etag");
  if (etag.starts_with('"')) edit.set_copy("ETag", {"W/", etag});
  return out;
}

void finish_compression(Exchange& ex, const ResponseEncoding& encoding) {
  if (!encoding) return;
  if (auto* note = compress_note(ex))
    note->detail =
        std::string(middleware::encoding_names[static_cast<size_t>(*encoding.encoding)]) + ": " +
        std::to_string(encoding.in_bytes) + " → " + std::to_string(encoding.out_bytes) + " bytes";
}

}  // namespace bridge::proxy
