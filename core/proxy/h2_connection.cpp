// HTTP/2 client connections: nghttp2's session fed from the socket, its frames written back,
// each request stream served as an exchange of its own (serve_exchange through H2Client).
#include "proxy/detail/h2_connection.hpp"

#include "proxy/detail/deadline_stream.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace bridge::proxy {

namespace {

// Closed streams a connection keeps for reuse, with the capacity their heads and strings grew
// to: as many as a client may run at once (max_concurrent_streams' default), so that a
// connection at full concurrency makes no new ones. 32 left 68 of every 100 streams to be
// built from nothing (an H2Stream, then ~10 allocations as it warmed up). An idle connection
// holds what its busiest moment needed, a few KiB per stream, until it closes.
constexpr size_t max_spare_streams = 128;

// A client that keeps sending DATA frames that carry nothing (no bytes, no END_STREAM) costs
// bridge work for nothing: past this many the connection ends with ENHANCE_YOUR_CALM.
constexpr uint32_t max_empty_data_frames = 100;
// Streams a client may reset in one second before bridge takes it for a rapid-reset attack
// (nghttp2's own limit, 1,000 then 33/s, answers INTERNAL_ERROR; this one comes first and
// says ENHANCE_YOUR_CALM, as RFC 9113 5.4.1 suggests for abuse).
constexpr uint32_t max_client_resets_per_second = 200;
// PINGs and SETTINGS a client may send in one second. Each costs bridge an acknowledgement;
// a browser sends a few per connection. nghttp2 notices a flood only when the acknowledgements
// it owes pile up unsent, which a fast reader of them never lets happen.
constexpr uint32_t max_control_frames_per_second = 200;

// Counts an event in the current one-second window; true once there were more than `limit`.
bool over_rate(uint32_t& count, Clock::time_point& since, uint32_t limit) {
  const auto now = Clock::now();
  if (now - since > std::chrono::seconds(1)) {
    since = now;
    count = 0;
  }
  return ++count > limit;
}

std::string_view view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// One request stream, served as an exchange of its own until its response is queued.
asio::awaitable<void> serve_h2_stream(std::shared_ptr<H2Connection> connection,
                                      std::shared_ptr<H2Stream> stream) {
  struct Finish {
    H2Connection& connection;
    H2Stream& stream;
    ~Finish() { connection.stream_finished(stream); }
  } finish{*connection, *stream};
  Worker& worker = connection->worker;
  ConnectionSlot slot;  // the request id, for the log line of a failure
  try {
    auto snapshot = worker.snapshot();  // held for the exchange, as on HTTP/1.1
    stream->unique_field = snapshot->config.trace.request_id_header;
    H2Client client(connection, stream);
    Exchange ex(worker, *snapshot, stream->head, stream->scratch, worker.take_record());
    RecordOnExit log_on_exit{ex};
    begin_record(ex, connection->peer);
    ex.record.protocol = "HTTP/2";
    ex.record.stream_id = static_cast<uint32_t>(stream->id);
    if (stream->head_too_large) {
      trace::new_request_id(ex.record.request_id);
      ex.error = {http::status::request_header_fields_too_large, "headers_too_large",
                  "request header list exceeds listeners.http2.max_header_list_size (" +
                      std::to_string(connection->header_list_limit()) + " bytes)",
                  "send fewer or smaller headers (cookies?)"};
      co_await send_error(client, ex);
      co_return;
    }
    if (stream->head.method == Method::Connect) {
      trace::new_request_id(ex.record.request_id);
      ex.error = {http::status::bad_request, "bad_request",
                  "CONNECT is not supported: bridge is a reverse proxy, not a forward proxy", ""};
      co_await send_error(client, ex);
      co_return;
    }
    co_await serve_exchange(client, ex, connection->peer, slot);
  } catch (const std::exception& e) {
    spdlog::error("worker {}, listener {}, client {}, HTTP/2 stream {}, request {}: unexpected "
                  "failure (a bug, please report it): {}",
                  worker.index(), connection->peer.listener, connection->peer.client_ip, stream->id,
                  slot.current_request_id(), e.what());
  }
}

// Sends what nghttp2 queues, one write at a time, until the session is over or the reader
// has stopped; then makes sure the reader stops too.
template <class Stream>
asio::awaitable<void> write_loop(Stream& stream, std::shared_ptr<H2Connection> connection,
                                 const bool& reader_done, Signal& done) {
  std::string out;
  DeadlineStream& io = beast::get_lowest_layer(stream);
  for (;;) {
    out.clear();
    connection->produce(out, size_t{256} * 1024);
    if (!out.empty()) {
      connection->writing = true;
      io.expires_after(connection->worker.snapshot()->config.limits.idle_timeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), nothrow);
      connection->writing = false;
      if (ec) break;
      connection->rearm_idle();
      continue;
    }
    if (reader_done || !connection->wants_io()) break;
    co_await connection->write_ready.wait();
  }
  if (!reader_done) {
    error_code ec;
    io.socket().cancel(ec);  // the reader waits for bytes that no longer matter
  }
  done.notify();
}

}  // namespace

template <class Stream>
asio::awaitable<void> serve_h2(Stream& stream, Worker& worker, const Peer& peer,
                               ConnectionSlot& slot, beast::flat_buffer& preread) {
  DeadlineStream& io = beast::get_lowest_layer(stream);
  const ListenerPolicy& policy = worker.snapshot()->policy(peer.listener);
  auto connection = std::make_shared<H2Connection>(worker, peer, policy.http2, slot, io);
  // However this frame ends (destroyed with a stopped worker included), the streams that
  // outlive it must not reach the socket.
  struct CloseOnExit {
    H2Connection& connection;
    ~CloseOnExit() { connection.close_all(); }
  } close_on_exit{*connection};
  if (!connection->start()) co_return;
  connection->rearm_idle();
  bool reader_done = false;
  Signal writer_done(worker.context().get_executor());
  asio::co_spawn(worker.context(), write_loop(stream, connection, reader_done, writer_done),
                 asio::detached);
  bool ok = true;
  if (preread.size() > 0) {
    ok = connection->receive(static_cast<const char*>(preread.data().data()), preread.size());
    preread.consume(preread.size());
    connection->start_streams(connection);
    connection->poke();
  }
  BufferPool::Lease buffer = worker.buffers().take();
  const size_t read_size = std::min<size_t>(buffer.size(), size_t{16} * 1024);
  while (ok && connection->wants_io()) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer.data(), read_size), nothrow);
    if (n > 0) {
      ok = connection->receive(buffer.data(), n);
      connection->start_streams(connection);
      connection->poke();
    }
    if (ec) break;
  }
  reader_done = true;
  connection->poke();
  co_await writer_done.wait();
  if constexpr (!layered<Stream>) {
    // A lingering close, as nginx makes one: closing with a flood still unread would send a
    // reset that discards the GOAWAY before the client reads it. Half-close, then read what
    // still comes for a moment.
    error_code ec;
    io.socket().shutdown(tcp::socket::shutdown_send, ec);
    io.expires_after(std::chrono::seconds(1));
    for (size_t discarded = 0; discarded < (1u << 20);) {
      auto [rec, n] =
          co_await stream.async_read_some(asio::buffer(buffer.data(), read_size), nothrow);
      discarded += n;
      if (rec) break;
    }
  }
}

template asio::awaitable<void> serve_h2(DeadlineStream&, Worker&, const Peer&, ConnectionSlot&,
                                        beast::flat_buffer&);
template asio::awaitable<void> serve_h2(TlsClientStream&, Worker&, const Peer&, ConnectionSlot&,
                                        beast::flat_buffer&);

H2Connection::H2Connection(Worker& w, Peer p, const config::Http2Limits& limits,
                           ConnectionSlot& slot, DeadlineStream& io)
    : worker(w), peer(std::move(p)), write_ready(w.context().get_executor()), limits_(limits),
      slot_(&slot), io_(&io) {
  slot.drain = [](void* self) { static_cast<H2Connection*>(self)->begin_drain(); };
  slot.drain_context = this;
}

H2Connection::~H2Connection() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

bool H2Connection::start() {
  nghttp2_session_callbacks* callbacks = h2_callback_table(
      {on_begin_headers, on_header, on_frame_recv, on_data_chunk, on_stream_close});
  if (callbacks == nullptr) return false;
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  // Bridge opens the window as the exchange reads the body (consumed()), not as bytes arrive:
  // a client cannot make bridge buffer more than the window.
  nghttp2_option_set_no_auto_window_update(options, 1);
  // Floods of SETTINGS, PINGs, resets (CVE-2023-44487) and CONTINUATION frames
  // (CVE-2024-27316) end the connection; these are nghttp2's limits, stated here.
  nghttp2_option_set_max_settings(options, 32);
  nghttp2_option_set_max_outbound_ack(options, 1000);
  nghttp2_option_set_stream_reset_rate_limit(options, 1000, 33);
  nghttp2_option_set_max_continuations(options, 8);
  int rv = nghttp2_session_server_new2(&session_, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) return false;
  const auto window = static_cast<uint32_t>(limits_.initial_window);
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
       static_cast<uint32_t>(limits_.max_concurrent_streams)},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, static_cast<uint32_t>(limits_.max_frame_size)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(limits_.max_header_list_size)},
  };
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0)
    return false;
  // The connection's window: room for a few streams' windows at once.
  const int32_t connection_window =
      static_cast<int32_t>(std::min<uint64_t>(limits_.initial_window * 4, 0x7fffffff));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window);
  return true;
}

bool H2Connection::receive(const char* data, size_t size) {
  ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), size);
  if (rv < 0) {
    spdlog::debug("HTTP/2 connection from {} on {} ends: {}", peer.client_ip, peer.listener,
                  nghttp2_strerror(static_cast<int>(rv)));
    // A flood (acknowledgements owed piling up, endless CONTINUATION frames) stops nghttp2
    // without a GOAWAY of its own; the other errors have queued one already, and then this
    // adds nothing.
    const bool abuse = rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS;
    nghttp2_session_terminate_session(session_,
                                      abuse ? NGHTTP2_ENHANCE_YOUR_CALM : NGHTTP2_PROTOCOL_ERROR);
    return false;
  }
  return true;
}

void H2Connection::begin_drain() {
  if (!alive() || goaway_sent_) return;
  goaway_sent_ = true;
  // Not nghttp2_session_terminate_session, which drops responses not yet sent: once this
  // GOAWAY is out and the last stream has closed, nghttp2 wants no more I/O and the loops end.
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  poke();
}

void H2Connection::produce(std::string& out, size_t max) { h2_produce(session_, out, max); }

bool H2Connection::wants_io() const { return h2_wants_io(session_); }

H2Stream* H2Connection::find(int32_t id) { return streams_.find(id); }

void H2Connection::consumed(H2Stream& stream, size_t n) {
  if (!alive() || n == 0) return;
  nghttp2_session_consume(session_, stream.id, n);
  poke();
}

bool H2Connection::respond(H2Stream& stream, const std::vector<nghttp2_nv>& fields, bool body) {
  if (!alive() || stream.closed || stream.responded) return false;
  stream.responded = true;
  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = read_out;
  int rv = nghttp2_submit_response(session_, stream.id, fields.data(), fields.size(),
                                   body ? &provider : nullptr);
  poke();
  return rv == 0;
}

void H2Connection::resume(H2Stream& stream) {
  if (!alive() || stream.closed) return;
  nghttp2_session_resume_data(session_, stream.id);
  poke();
}

void H2Connection::rearm_idle() {
  if (io_ == nullptr || writing) return;
  if (active_ == 0)
    io_->expires_after(worker.snapshot()->config.limits.idle_timeout);
  else
    io_->expires_never();
}

void H2Connection::start_streams(const std::shared_ptr<H2Connection>& self) {
  std::vector<std::shared_ptr<H2Stream>> ready;
  ready.swap(ready_);
  for (auto& stream : ready) {
    ++active_;
    if (slot_ != nullptr) slot_->busy = true;
    rearm_idle();
    asio::co_spawn(worker.context(), serve_h2_stream(self, std::move(stream)), asio::detached);
  }
}

void H2Connection::stream_finished(H2Stream& stream) {
  stream.finished = true;
  if (stream.pending_in() > 0) consumed(stream, stream.pending_in());
  stream.in.clear();
  stream.in_at = 0;
  --active_;
  if (!alive()) return;
  if (slot_ != nullptr) slot_->busy = active_ > 0;
  rearm_idle();
  poke();
}

void H2Connection::close_all() {
  io_ = nullptr;
  if (slot_ != nullptr) slot_->drain = nullptr;
  slot_ = nullptr;
  streams_.for_each([](H2Stream& stream) {
    stream.closed = true;
    stream.readable.notify();
    stream.writable.notify();
  });
  streams_.clear();
  ready_.clear();
}

void H2Stream::reset(int32_t stream_id) {
  id = stream_id;
  head.clear();
  authority.clear();
  header_bytes = 0;
  head_too_large = false;
  in.clear();
  in_at = 0;
  in_total = 0;
  body_limit = 0;
  request_ended = closed = finished = false;
  readable.clear();
  request_trailers.clear();
  out.clear();
  responded = body_abandoned = false;
  writable.clear();
  scratch.wire.clear();
}

int H2Connection::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<H2Connection*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  std::shared_ptr<H2Stream> stream;
  auto unheld = std::find_if(self->spare_.begin(), self->spare_.end(),
                             [](const auto& s) { return s.use_count() == 1; });
  if (unheld != self->spare_.end()) {
    stream = std::move(*unheld);
    self->spare_.erase(unheld);
    stream->reset(frame->hd.stream_id);
  } else {
    stream = std::make_shared<H2Stream>(frame->hd.stream_id, self->worker.context().get_executor());
  }
  stream->head.version = 20;
  self->streams_.add(frame->hd.stream_id, std::move(stream));
  return 0;
}

int H2Connection::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                            size_t name_size, const uint8_t* value, size_t value_size, uint8_t,
                            void* user) {
  auto* self = static_cast<H2Connection*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2Stream* stream = self->find(frame->hd.stream_id);
  if (stream == nullptr) return 0;  // trailers of a stream bridge no longer serves
  stream->header_bytes += name_size + value_size + 32;
  if (stream->header_bytes > self->limits_.max_header_list_size) {
    stream->head_too_large = true;  // answered 431 once the head is complete
    return 0;
  }
  std::string_view n = view(name, name_size);
  std::string_view v = view(value, value_size);
  if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    // The request's trailers (nghttp2 allows no pseudo-fields there and ends the stream).
    stream->request_trailers.add(n, v);
    return 0;
  }
  auto& head = stream->head;
  if (n == ":method") {
    head.set_method(v);
  } else if (n == ":path") {
    head.target = v;
  } else if (n == ":authority") {
    stream->authority = v;
  } else if (n.starts_with(':')) {
    // :scheme is the connection's (bridge knows whether it terminated TLS); nghttp2 has
    // refused pseudo-fields that are not allowed.
  } else if (n == "cookie" && head.fields.has(Field::Cookie)) {
    // Split cookies go back together for HTTP/1.1 (RFC 9113 8.2.3).
    std::string joined(head.fields.get(Field::Cookie));
    joined.append("; ").append(v);
    head.fields.remove(Field::Cookie);
    head.fields.add("cookie", joined, Field::Cookie);
  } else {
    head.fields.add(n, v);
    if (n == "content-length") {
      uint64_t length = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
      if (ec == std::errc() && end == v.data() + v.size()) head.content_length = length;
    }
  }
  return 0;
}

int H2Connection::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<H2Connection*>(user);
  H2Stream* stream = self->find(frame->hd.stream_id);
  switch (frame->hd.type) {
  case NGHTTP2_DATA:
    if (frame->hd.length == 0 && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0 &&
        ++self->empty_data_frames_ > max_empty_data_frames) {
      nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
      return 0;
    }
    break;
  case NGHTTP2_RST_STREAM:
    if (over_rate(self->client_resets_, self->resets_since_, max_client_resets_per_second))
      nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
    return 0;
  case NGHTTP2_PING:
  case NGHTTP2_SETTINGS:
    if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0 &&
        over_rate(self->control_frames_, self->control_since_, max_control_frames_per_second))
      nghttp2_session_terminate_session(session, NGHTTP2_ENHANCE_YOUR_CALM);
    return 0;
  case NGHTTP2_HEADERS:
    if (stream != nullptr && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      if (!stream->authority.empty()) stream->head.fields.set("Host", stream->authority);
      self->ready_.push_back(self->streams_.shared(frame->hd.stream_id));
    }
    break;
  default:
    return 0;
  }
  if (stream != nullptr && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
    stream->request_ended = true;
    stream->readable.notify();
  }
  return 0;
}

int H2Connection::on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                                const uint8_t* data, size_t size, void* user) {
  auto* self = static_cast<H2Connection*>(user);
  H2Stream* stream = self->find(stream_id);
  if (stream == nullptr || stream->finished) {
    nghttp2_session_consume(session, stream_id, size);  // nobody will read these: window back
    return 0;
  }
  stream->in_total += size;
  if (stream->body_limit > 0 && stream->in_total > stream->body_limit) {
    nghttp2_session_consume(session, stream_id, size);  // refused (413), not kept
  } else {
    stream->in.append(reinterpret_cast<const char*>(data), size);
  }
  stream->readable.notify();
  return 0;
}

int H2Connection::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
  auto* self = static_cast<H2Connection*>(user);
  std::shared_ptr<H2Stream> stream = self->streams_.take(stream_id);
  if (!stream) return 0;
  stream->closed = true;
  stream->readable.notify();
  stream->writable.notify();
  // Kept for a later stream (the exchange may still hold it; on_begin_headers checks).
  if (self->spare_.size() < max_spare_streams) self->spare_.push_back(std::move(stream));
  return 0;
}

ssize_t H2Connection::read_out(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                               size_t length, uint32_t* flags, nghttp2_data_source* source, void*) {
  auto* stream = static_cast<H2Stream*>(source->ptr);
  ssize_t n = stream->out.take(session, stream_id, buf, length, flags);
  if (n > 0) stream->writable.notify();
  return n;
}

}  // namespace bridge::proxy
