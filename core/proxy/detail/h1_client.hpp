#pragma once
// The client side of an exchange on an HTTP/1.x connection: the request body comes through
// the HTTP/1.1 codec (H1Body), answers go out as HTTP/1.1 bytes. The exchange core (forward.cpp,
// respond.cpp) reaches the client only through these members; H2Client has the same ones.

#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_fields.hpp"  // Trailers
#include "proxy/detail/relay.hpp"
#include "proxy/detail/upgrade.hpp"
#include "proxy/detail/wire.hpp"

#include <span>

namespace bridge::proxy {

template <class Stream>
class H1Client {
 public:
  // One exchange at a time: the request body is read whole before the response.
  static constexpr bool multiplexed = false;

  H1Client(Stream& stream, beast::flat_buffer& buffer, const RequestHead& head, H1Body& body)
      : stream_(stream), buffer_(buffer), head_(head), body_(body) {}

  Stream& stream() { return stream_; }
  /// The whole request body has been read (or there is none).
  bool body_done() const { return body_.done(); }
  std::optional<uint64_t> content_length() const { return head_.content_length; }
  void body_limit(uint64_t max) { body_.limit(max); }
  /// The trailer fields of a chunked request body, once it has been read.
  const Fields& request_trailers() const { return body_.trailers(); }

  /// "100 Continue", when the client asked for it and bridge is ready to read the body.
  asio::awaitable<bool> send_continue() {
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(continue_line), nothrow);
    co_return !ec;
  }

  /// Up to `into.size()` request body bytes into `into` (`got` of them).
  asio::awaitable<BodyRead> read_body(std::span<char> into, size_t& got) {
    return body_.read(stream_, buffer_, into, got);
  }
  /// read_body, waiting at most `timeout` for the bytes.
  asio::awaitable<BodyRead> read_body_within(std::span<char> into, size_t& got,
                                             std::chrono::milliseconds timeout) {
    beast::get_lowest_layer(stream_).expires_after(timeout);
    return body_.read(stream_, buffer_, into, got);
  }

  /// An answer bridge makes itself: `head` as `edit` changes it, then `body`.
  asio::awaitable<bool> answer(const ResponseHead& head, const HeadEdit& edit, std::string& wire,
                               std::string_view body) {
    write_head(head, edit, wire);
    std::array<asio::const_buffer, 2> pieces{asio::buffer(wire), asio::buffer(body)};
    auto [ec, n] = co_await asio::async_write(stream_, pieces, nothrow);
    co_return !ec;
  }

  /// The request head as `edit` changes it, then its body, to an HTTP/1.1 upstream. This and
  /// relay_response hand back relay_message's coroutine rather than wrap it in their own.
  template <class Upstream, class BeforeBody>
  asio::awaitable<RelayResult> send_request(Upstream& upstream, const HeadEdit& edit,
                                            RelayParams params, BeforeBody before_body) {
    return relay_message(stream_, buffer_, head_, body_, upstream, edit, params,
                         std::move(before_body));
  }

  /// The upstream's response (`head` already read, `body` to come) as `edit` changes it.
  template <class Upstream>
  asio::awaitable<RelayResult> relay_response(Upstream& upstream, beast::flat_buffer& from,
                                              const ResponseHead& head, H1Body& body,
                                              const HeadEdit& edit, RelayParams params) {
    return relay_message(upstream, from, head, body, stream_, edit, params, NoBeforeBody{});
  }

  /// The head of a response whose body comes in pieces (from an HTTP/2 upstream): chunked
  /// when `edit` made it so.
  asio::awaitable<bool> send_head(const ResponseHead& head, const HeadEdit& edit, bool,
                                  std::string& wire) {
    chunked_ = edit.chunked();
    write_head(head, edit, wire);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(wire), nothrow);
    co_return !ec;
  }
  asio::awaitable<bool> send_body(std::string_view bytes, std::chrono::milliseconds timeout) {
    if (bytes.empty()) co_return true;  // an empty chunk would end the body
    beast::get_lowest_layer(stream_).expires_after(timeout);
    if (!chunked_) {
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes), nothrow);
      co_return !ec;
    }
    char size_line[24];
    std::array<asio::const_buffer, 3> pieces{asio::buffer(chunk_size_line(bytes.size(), size_line)),
                                             asio::buffer(bytes), asio::buffer(crlf)};
    auto [ec, n] = co_await asio::async_write(stream_, pieces, nothrow);
    co_return !ec;
  }
  /// The end of the body: the last chunk, with `trailers` when chunked (else they are lost:
  /// a Content-Length body has no place for them).
  asio::awaitable<bool> finish(const Trailers& trailers) {
    if (!chunked_) co_return true;
    std::string end = "0\r\n";
    for (const auto& [name, value] : trailers)
      end.append(name).append(": ").append(value).append("\r\n");
    end.append("\r\n");
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(end), nothrow);
    co_return !ec;
  }

  /// After a 101: both directions untouched until either side ends.
  template <class Upstream>
  asio::awaitable<void> splice_with(Upstream& upstream, beast::flat_buffer& upstream_pending,
                                    std::chrono::milliseconds idle, BufferPool& buffers) {
    co_await splice(stream_, buffer_, upstream, upstream_pending, idle, buffers);
  }

 private:
  Stream& stream_;
  beast::flat_buffer& buffer_;
  const RequestHead& head_;
  H1Body& body_;
  bool chunked_ = false;
};

}  // namespace bridge::proxy
