// HTTP/2 client sessions to upstreams: nghttp2 fed from the connection, its frames written
// back, request streams multiplexed. The session lives while its connection does; streams hold
// it alive through the pool's shared pointer and their own.
#include "proxy/detail/h2_upstream.hpp"

#include "proxy/detail/relay.hpp"  // layered

#include <spdlog/spdlog.h>

#include <cstring>

namespace bridge::proxy {

namespace {

// Response bytes an upstream may send on one stream before bridge passes them on, and on the
// connection for all streams.
constexpr int32_t stream_window = 1 << 20;
constexpr int32_t connection_window = 16 << 20;
// An idle session (no stream) closes after this, as an idle HTTP/1.1 connection would.
constexpr std::chrono::seconds idle_close{30};

std::string_view view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

H2UpstreamSession::H2UpstreamSession(const asio::any_io_executor& executor,
                                     std::unique_ptr<UpstreamConnection> connection)
    : executor_(executor), connection_(std::move(connection)), write_ready_(executor),
      writer_done_(executor) {}

H2UpstreamSession::~H2UpstreamSession() {
  if (session_ != nullptr) nghttp2_session_del(session_);
}

bool H2UpstreamSession::begin() {
  nghttp2_session_callbacks* callbacks =
      h2_callback_table({nullptr, on_header, on_frame_recv, on_data_chunk, on_stream_close});
  if (callbacks == nullptr) return false;
  nghttp2_option* options = nullptr;
  nghttp2_option_new(&options);
  nghttp2_option_set_no_auto_window_update(options, 1);  // opened as the client takes bytes
  int rv = nghttp2_session_client_new2(&session_, callbacks, this, options);
  nghttp2_option_del(options);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) return false;
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, stream_window}};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings)) != 0)
    return false;
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window);
  alive_ = true;
  return true;
}

bool H2UpstreamSession::start() {
  if (!begin()) return false;
  auto self = shared_from_this();
  std::visit(
      [&](auto& stream) {
        asio::co_spawn(
            executor_, [self, &stream]() { return self->read_loop(stream); }, asio::detached);
        asio::co_spawn(
            executor_, [self, &stream]() { return self->write_loop(stream); }, asio::detached);
      },
      connection_->stream);
  return true;
}

bool H2UpstreamSession::receive(const char* data, size_t size) {
  return nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), size) >= 0;
}

void H2UpstreamSession::produce(std::string& out, size_t max) { h2_produce(session_, out, max); }

bool H2UpstreamSession::wants_io() const { return h2_wants_io(session_); }

void H2UpstreamSession::keep_idle_deadline() {
  if (connection_ && streams_.empty() && alive_) connection_->tcp().expires_after(idle_close);
}

bool H2UpstreamSession::has_room() const {
  return alive_ && !going_away_ &&
         streams_.size() <
             nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

std::shared_ptr<H2UpstreamStream> H2UpstreamSession::open(const std::vector<nghttp2_nv>& fields,
                                                          bool body) {
  if (!has_room()) return nullptr;
  auto stream = std::make_shared<H2UpstreamStream>(executor_);
  nghttp2_data_provider provider{};
  provider.source.ptr = stream.get();
  provider.read_callback = read_out;
  int32_t id = nghttp2_submit_request(session_, nullptr, fields.data(), fields.size(),
                                      body ? &provider : nullptr, nullptr);
  if (id < 0) return nullptr;
  stream->id = id;
  streams_.add(id, stream);
  if (connection_) connection_->tcp().expires_never();
  poke();
  return stream;
}

void H2UpstreamSession::consumed(H2UpstreamStream& stream, size_t n) {
  if (!alive_ || n == 0 || stream.closed) return;
  nghttp2_session_consume(session_, stream.id, n);
  poke();
}

void H2UpstreamSession::resume(H2UpstreamStream& stream) {
  if (!alive_ || stream.closed) return;
  nghttp2_session_resume_data(session_, stream.id);
  poke();
}

void H2UpstreamSession::cancel(H2UpstreamStream& stream) {
  if (!alive_ || stream.closed) return;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id, NGHTTP2_CANCEL);
  poke();
}

H2UpstreamStream* H2UpstreamSession::find(int32_t id) { return streams_.find(id); }

void H2UpstreamSession::close_all() {
  alive_ = false;
  streams_.for_each([](H2UpstreamStream& stream) {
    stream.closed = true;
    if (!stream.head_done) stream.refused = true;  // nothing came back: safe to try again
    stream.readable.notify();
    stream.writable.notify();
  });
  streams_.clear();
}

template <class Stream>
asio::awaitable<void> H2UpstreamSession::read_loop(Stream& stream) {
  std::array<char, 16 * 1024> buffer;
  keep_idle_deadline();
  while (alive_) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), nothrow);
    if (n > 0 && !receive(buffer.data(), n)) break;
    if (ec) break;
    poke();
    keep_idle_deadline();
    if (!wants_io()) break;
  }
  close_all();
  reader_done_ = true;
  poke();
  co_await writer_done_.wait();
  connection_->tcp().close();
}

template <class Stream>
asio::awaitable<void> H2UpstreamSession::write_loop(Stream& stream) {
  std::string out;
  while (alive_ && !reader_done_) {
    out.clear();
    produce(out, size_t{256} * 1024);
    if (out.empty()) {
      co_await write_ready_.wait();
      continue;
    }
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(out), nothrow);
    if (ec) break;
  }
  if (!reader_done_) {
    close_all();
    error_code ec;
    connection_->tcp().socket().cancel(ec);  // ends the read loop
  }
  writer_done_.notify();
}

int H2UpstreamSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                                 size_t name_size, const uint8_t* value, size_t value_size, uint8_t,
                                 void* user) {
  auto* self = static_cast<H2UpstreamSession*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2UpstreamStream* stream = self->find(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  std::string_view n = view(name, name_size);
  std::string_view v = view(value, value_size);
  if (stream->head_done) {  // trailers (gRPC's status travels here)
    stream->trailers.emplace_back(n, v);
    return 0;
  }
  if (n == ":status") {
    unsigned status = 0;
    for (char c : v) status = status * 10 + static_cast<unsigned>(c - '0');
    stream->head.clear();
    stream->head.status = status;
  } else if (!n.starts_with(':')) {
    stream->head.fields.add(n, v);
  }
  return 0;
}

int H2UpstreamSession::on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame,
                                     void* user) {
  auto* self = static_cast<H2UpstreamSession*>(user);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    // Streams past last_stream_id were not processed: nghttp2 closes them with
    // REFUSED_STREAM, and the exchange may take them elsewhere.
    self->going_away_ = true;
    return 0;
  }
  H2UpstreamStream* stream = self->find(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
    // An interim (1xx) head is not the response: wait for the final one.
    if (stream->head.status >= 200) stream->head_done = true;
  }
  if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) stream->ended = true;
  stream->readable.notify();
  (void)session;
  return 0;
}

int H2UpstreamSession::on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                                     const uint8_t* data, size_t size, void* user) {
  auto* self = static_cast<H2UpstreamSession*>(user);
  H2UpstreamStream* stream = self->find(stream_id);
  if (stream == nullptr) {
    nghttp2_session_consume(session, stream_id, size);
    return 0;
  }
  stream->in.append(reinterpret_cast<const char*>(data), size);
  stream->readable.notify();
  return 0;
}

int H2UpstreamSession::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code,
                                       void* user) {
  auto* self = static_cast<H2UpstreamSession*>(user);
  std::shared_ptr<H2UpstreamStream> taken = self->streams_.take(stream_id);
  if (!taken) return 0;
  H2UpstreamStream& stream = *taken;
  stream.closed = true;
  if (!stream.ended) {
    stream.error_code = error_code;
    stream.refused = error_code == NGHTTP2_REFUSED_STREAM && !stream.head_done;
  }
  stream.readable.notify();
  stream.writable.notify();
  self->keep_idle_deadline();
  return 0;
}

ssize_t H2UpstreamSession::read_out(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                                    size_t length, uint32_t* flags, nghttp2_data_source* source,
                                    void*) {
  auto* stream = static_cast<H2UpstreamStream*>(source->ptr);
  ssize_t n = stream->out.take(session, stream_id, buf, length, flags);
  if (n > 0) stream->writable.notify();
  return n;
}

std::shared_ptr<H2UpstreamSession> UpstreamPools::h2_session(const Target& target) {
  auto it = h2_.find(target.key);
  if (it == h2_.end()) return nullptr;
  auto& sessions = it->second;
  std::erase_if(sessions, [](const auto& s) { return !s->alive(); });
  for (auto& session : sessions) {
    if (session->has_room()) return session;
  }
  return nullptr;
}

asio::awaitable<void> UpstreamPools::wait_h2_connect(const Target& target) {
  for (auto it = h2_connecting_.find(target.key); it != h2_connecting_.end();
       it = h2_connecting_.find(target.key)) {
    std::shared_ptr<asio::steady_timer> timer = it->second;
    co_await timer->async_wait(nothrow);
  }
}

std::shared_ptr<void> UpstreamPools::announce_h2_connect(const Target& target) {
  auto timer = std::make_shared<asio::steady_timer>(context_, Clock::time_point::max());
  h2_connecting_[target.key] = timer;
  std::string key = target.key;
  return std::shared_ptr<void>(nullptr, [this, key, timer](void*) {
    auto it = h2_connecting_.find(key);
    if (it != h2_connecting_.end() && it->second == timer) h2_connecting_.erase(it);
    timer->cancel();
  });
}

std::shared_ptr<H2UpstreamSession>
UpstreamPools::adopt_h2(const Target& target, std::unique_ptr<UpstreamConnection> connection) {
  auto session =
      std::make_shared<H2UpstreamSession>(context_.get_executor(), std::move(connection));
  if (!session->start()) return nullptr;
  h2_[target.key].push_back(session);
  return session;
}

}  // namespace bridge::proxy
