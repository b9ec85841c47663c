#pragma once
// An HTTP/2 client connection (RFC 9113): libnghttp2 does the framing, HPACK, flow control and
// the protocol's own checks; this connection feeds it bytes, writes what it produces, and runs
// every request stream as an exchange of its own (serve_exchange through an H2Client). All of
// it on the worker's thread.

#include "config/config.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_fields.hpp"
#include "proxy/detail/signal.hpp"
#include "proxy/detail/stream_table.hpp"

#include <nghttp2/nghttp2.h>

#include <deque>
#include <vector>

namespace bridge::proxy {

class DeadlineStream;

/// One request stream: the request as it arrives, the response as it leaves. Shared by the
/// connection (until the stream closes) and the stream's exchange. A connection keeps a few
/// closed ones and reuses them (reset), with the capacity their strings and heads grew to.
struct H2Stream {
  H2Stream(int32_t stream_id, const asio::any_io_executor& executor)
      : id(stream_id), readable(executor), writable(executor) {}
  /// As new, for stream `stream_id`; no one else may hold it.
  void reset(int32_t stream_id);
  int32_t id;
  RequestHead head;
  std::string authority;    // :authority, which becomes Host
  size_t header_bytes = 0;  // the header list's size as RFC 9113 6.5.2 counts it
  bool head_too_large = false;
  // The request body as DATA frames bring it; bridge's flow-control window bounds `in`.
  std::string in;
  size_t in_at = 0;
  uint64_t in_total = 0;
  uint64_t body_limit = 0;  // 0: none
  Fields request_trailers;  // a trailing HEADERS frame of the request
  bool request_ended = false;
  bool closed = false;    // reset, or the connection is gone: nothing more moves
  bool finished = false;  // the exchange is over: body bytes still coming are dropped
  Signal readable;
  H2Body out;  // the response body (and its trailers) waiting for nghttp2 to frame it
  bool responded = false;
  bool body_abandoned = false;  // the exchange stopped reading the request body
  Signal writable;
  ConnectionScratch scratch;  // the exchange's heads and edits
  H2FieldList head_out;       // the response head as nghttp2 takes it
  // The request id's field, never put in the HPACK table: a value per response would only
  // push useful entries out (and make every lookup compare against dozens of stale ids).
  std::string_view unique_field;

  size_t pending_in() const { return in.size() - in_at; }
};

class H2Connection {
 public:
  H2Connection(Worker& worker, Peer peer, const config::Http2Limits& limits, ConnectionSlot& slot,
               DeadlineStream& io);
  ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  /// Queues bridge's SETTINGS; false when nghttp2 could not start a session.
  bool start();
  /// Feeds bytes read from the client. False on a connection error (a GOAWAY is queued).
  bool receive(const char* data, size_t size);
  /// Appends frames ready to send to `out`, up to about `max` bytes.
  void produce(std::string& out, size_t max);
  /// Whether nghttp2 still wants to read or write (false once the session is over).
  bool wants_io() const;
  /// Starts the exchanges of the requests `receive` completed.
  void start_streams(const std::shared_ptr<H2Connection>& self);
  /// The connection is going away: every stream is closed, nothing touches the socket.
  void close_all();
  bool alive() const { return io_ != nullptr; }
  uint64_t header_list_limit() const { return limits_.max_header_list_size; }
  /// Wakes the writer: there may be frames to send.
  void poke() { write_ready.notify(); }
  /// Keeps the connection's deadline: idle timeout with no stream under way, none otherwise.
  void rearm_idle();
  bool writing = false;  // a write is under way (its own deadline applies)

  // What a stream's exchange uses.
  /// `n` body bytes were taken from the stream: the peer may send that many more.
  void consumed(H2Stream& stream, size_t n);
  /// Submits the response head; with `body`, DATA follows from stream.out.
  bool respond(H2Stream& stream, const std::vector<nghttp2_nv>& fields, bool body);
  /// stream.out grew or ended: let nghttp2 send it.
  void resume(H2Stream& stream);
  /// A stream's exchange is over: request bytes still to come are dropped (their window
  /// given back); a draining connection closes once none is left.
  void stream_finished(H2Stream& stream);
  /// The worker drains: GOAWAY with the last stream bridge took (RFC 9113 6.8); streams
  /// under way finish, the connection closes when they have.
  void begin_drain();

  Worker& worker;
  const Peer peer;
  Signal write_ready;

 private:
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                       const uint8_t*, size_t, uint8_t, void*);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_stream_close(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t read_out(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                          nghttp2_data_source*, void*);
  H2Stream* find(int32_t id);

  config::Http2Limits limits_;
  ConnectionSlot* slot_;
  DeadlineStream* io_;
  nghttp2_session* session_ = nullptr;
  StreamTable<H2Stream> streams_;
  std::vector<std::shared_ptr<H2Stream>> ready_;  // requests whose head is complete
  // Closed streams, oldest first, reused once unheld: the oldest usually is, and a deque
  // takes it off the front without moving the others (a vector moved up to 127 entries).
  std::deque<std::shared_ptr<H2Stream>> spare_;
  size_t active_ = 0;  // exchanges under way
  bool goaway_sent_ = false;
  uint32_t empty_data_frames_ = 0;  // DATA frames with neither bytes nor END_STREAM
  // Streams the client reset before their answer, counted per second: past a limit the
  // connection is a rapid-reset attack (CVE-2023-44487).
  uint32_t client_resets_ = 0;
  Clock::time_point resets_since_{};
  uint32_t control_frames_ = 0;  // PINGs and SETTINGS, per second likewise
  Clock::time_point control_since_{};
};

/// Serves an HTTP/2 connection until it ends. `preread` holds bytes already read (the
/// preface, for a plain connection with prior knowledge).
template <class Stream>
asio::awaitable<void> serve_h2(Stream& stream, Worker& worker, const Peer& peer,
                               ConnectionSlot& slot, beast::flat_buffer& preread);

}  // namespace bridge::proxy
