#pragma once
// The contentType middleware's half in the proxy: a response that has a body but no
// Content-Type gets the type its first bytes show (middleware::sniff_content_type), from what
// arrived with the head, or after one more read when nothing did.

#include "proxy/detail/exchange.hpp"

#include <string_view>

namespace bridge::proxy {

/// Whether a contentType middleware asked for a type and `head` lacks one (and has a body).
bool wants_content_type(const Exchange& ex, const ResponseHead& head);

/// Adds the type `first` shows to `edit` (nothing when no byte came) and says so in the
/// middleware's record step.
void add_sniffed_content_type(Exchange& ex, HeadEdit& edit, std::string_view first);

/// The body's first bytes in `raw` (what followed an HTTP/1.1 head): `raw` itself, or the data
/// of the first chunk of a chunked body.
std::string_view body_start(std::string_view raw, bool chunked);

/// For an HTTP/1.1 upstream: reads once (within `timeout`) when no body byte came with the
/// head, then adds the type. The bytes stay in `buffer` for the relay.
template <class Stream>
asio::awaitable<void> sniff_content_type(Exchange& ex, Stream& upstream, beast::flat_buffer& buffer,
                                         const ResponseHead& head, HeadEdit& edit,
                                         std::chrono::milliseconds timeout) {
  if (!wants_content_type(ex, head)) co_return;
  if (buffer.size() == 0) {
    beast::get_lowest_layer(upstream).expires_after(timeout);
    auto [ec, n] = co_await upstream.async_read_some(buffer.prepare(16384), nothrow);
    buffer.commit(n);  // an error shows again to the relay, which deals with it
  }
  std::string_view raw(static_cast<const char*>(buffer.data().data()), buffer.size());
  if (head.content_length) raw = raw.substr(0, *head.content_length);
  add_sniffed_content_type(ex, edit, body_start(raw, head.chunked));
}

}  // namespace bridge::proxy
