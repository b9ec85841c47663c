#pragma once
// HTTP/2 to an upstream (h2c:// targets, protocol = "h2c" | "h2", or ALPN "h2" from an https://
// target): one nghttp2 client session per connection, many request streams multiplexed over
// it. The worker's UpstreamPools keeps the sessions; forward.cpp opens streams on them.

#include "proxy/detail/h2_fields.hpp"
#include "proxy/detail/signal.hpp"
#include "proxy/detail/stream_table.hpp"
#include "proxy/detail/upstream_pool.hpp"

#include <nghttp2/nghttp2.h>

#include <vector>

namespace bridge::proxy {

/// One request stream to an upstream: the request body going up, the response coming back.
struct H2UpstreamStream {
  explicit H2UpstreamStream(const asio::any_io_executor& executor)
      : readable(executor), writable(executor) {}
  int32_t id = -1;
  // The response: head, body as DATA brings it (bounded by bridge's window), trailers.
  ResponseHead head;
  bool head_done = false;
  Trailers trailers;
  std::string in;
  size_t in_at = 0;
  bool ended = false;       // END_STREAM from the upstream
  bool closed = false;      // the stream is over (ended, reset, or the connection went away)
  uint32_t error_code = 0;  // RST_STREAM's or GOAWAY's, when closed without ending
  bool refused = false;     // not processed by the upstream (REFUSED_STREAM, or past GOAWAY)
  Signal readable;
  H2Body out;  // the request body waiting for nghttp2 to frame it
  Signal writable;

  size_t pending_in() const { return in.size() - in_at; }
};

class H2UpstreamSession : public std::enable_shared_from_this<H2UpstreamSession> {
 public:
  /// Without a `connection` the session is bytes only: receive() and produce() are all there
  /// is (the fuzz harness feeds it so).
  H2UpstreamSession(const asio::any_io_executor& executor,
                    std::unique_ptr<UpstreamConnection> connection);
  ~H2UpstreamSession();
  H2UpstreamSession(const H2UpstreamSession&) = delete;
  H2UpstreamSession& operator=(const H2UpstreamSession&) = delete;

  /// Queues the preface and SETTINGS; false if nghttp2 failed.
  bool begin();
  /// begin(), then reads and writes the connection until it ends.
  bool start();
  /// Feeds bytes read from the upstream. False on a connection error (a GOAWAY is queued).
  bool receive(const char* data, size_t size);
  /// Appends frames ready to send to `out`, up to about `max` bytes.
  void produce(std::string& out, size_t max);
  /// Whether nghttp2 still wants to read or write (false once the session is over).
  bool wants_io() const;
  /// The connection is gone: every stream is closed (refused when nothing came back on it).
  void close_all();
  /// Open, not told to go away, and below the upstream's SETTINGS_MAX_CONCURRENT_STREAMS.
  bool has_room() const;
  bool alive() const { return alive_; }
  /// Starts a request; with `body`, DATA follows from the stream's `out`. Null when the session
  /// cannot take it.
  std::shared_ptr<H2UpstreamStream> open(const std::vector<nghttp2_nv>& fields, bool body);
  /// `n` response bytes were passed on: the upstream may send that many more.
  void consumed(H2UpstreamStream& stream, size_t n);
  /// stream.out grew or ended.
  void resume(H2UpstreamStream& stream);
  /// The client went away: RST_STREAM(CANCEL), so the upstream stops working on it.
  void cancel(H2UpstreamStream& stream);
  size_t open_streams() const { return streams_.size(); }

 private:
  template <class Stream>
  asio::awaitable<void> read_loop(Stream& stream);
  template <class Stream>
  asio::awaitable<void> write_loop(Stream& stream);
  void poke() { write_ready_.notify(); }
  /// With no stream open the connection closes after a while, as an idle HTTP/1.1 one would.
  void keep_idle_deadline();
  H2UpstreamStream* find(int32_t id);

  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                       const uint8_t*, size_t, uint8_t, void*);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_stream_close(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t read_out(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                          nghttp2_data_source*, void*);

  asio::any_io_executor executor_;
  std::unique_ptr<UpstreamConnection> connection_;  // null: bytes only
  nghttp2_session* session_ = nullptr;
  StreamTable<H2UpstreamStream> streams_;
  Signal write_ready_;
  Signal writer_done_;
  bool alive_ = false;
  bool going_away_ = false;  // GOAWAY received: no new streams here
  bool reader_done_ = false;
};

}  // namespace bridge::proxy
