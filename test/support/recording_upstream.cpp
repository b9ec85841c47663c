#include "recording_upstream.hpp"

#include "raw_client.hpp"  // lower()

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <sys/socket.h>

#include <atomic>
#include <list>
#include <mutex>
#include <set>
#include <thread>

namespace bridge::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  auto all = headers_named(name);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::vector<std::string> RecordedRequest::headers_named(std::string_view name) const {
  std::vector<std::string> out;
  std::string want = lower(name);
  for (const auto& [k, v] : headers) {
    if (lower(k) == want) out.push_back(v);
  }
  return out;
}

struct RecordingUpstream::Impl {
  std::string name;
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  uint16_t port = acceptor.local_endpoint().port();
  std::atomic<bool> stopping{false};
  std::thread accept_thread;

  mutable std::mutex mutex;
  std::vector<RecordedRequest> records;
  std::set<int> open_fds;  // connection sockets to shut down when stopping
  std::list<std::thread> connection_threads;
  uint64_t next_connection = 1;
  std::atomic<size_t> unanswered{0};  // requests still to be dropped without an answer

  void record(RecordedRequest r) {
    std::lock_guard lock(mutex);
    records.push_back(std::move(r));
  }

  static void fill_head(RecordedRequest& r, const http::request<http::string_body>& req) {
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }

  void serve(tcp::socket socket, uint64_t connection) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(1 << 20);
      parser.body_limit(64u << 20);
      beast::error_code ec;
      http::read(socket, buffer, parser, ec);
      if (ec == http::error::end_of_stream && !parser.got_some()) break;  // clean close
      RecordedRequest r;
      r.connection = connection;
      if (parser.is_header_done()) fill_head(r, parser.get());
      if (ec) {
        if (stopping) break;
        r.error = ec.message();
        r.body = parser.get().body();
        record(std::move(r));
        break;
      }
      r.body = std::move(parser.get().body());
      r.chunked = parser.chunked();
      bool keep_alive = parser.get().keep_alive();
      record(std::move(r));
      // An upstream that fails mid-request (a crash, a restart): closed without a byte.
      if (size_t left = unanswered.load();
          left > 0 && unanswered.compare_exchange_strong(left, left - 1))
        break;

      // "/status/NNN..." answers NNN (an upstream's error for the errors middleware).
      unsigned status = 200;
      if (std::string_view target = parser.get().target(); target.starts_with("/status/"))
        status = static_cast<unsigned>(std::atoi(std::string(target.substr(8, 3)).c_str()));
      if (status < 100 || status > 599) status = 200;
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::content_type, "text/plain");
      res.body() = "upstream " + name + (status != 200 ? " " + std::to_string(status) : "") + "\n";
      // "/untyped/KIND" (or "/untyped-chunked/KIND"): a body of KIND without Content-Type.
      if (std::string_view t = parser.get().target();
          t.starts_with("/untyped/") || t.starts_with("/untyped-chunked/")) {
        res.erase(http::field::content_type);
        const std::string_view kind = t.substr(t.rfind('/') + 1);
        res.body() = kind == "html"  ? "\n<!DOCTYPE html><html><body>hi</body></html>\n"
                     : kind == "png" ? std::string("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", 16)
                                     : "plain words\n";
        if (t.starts_with("/untyped-chunked/")) res.chunked(true);
      }
      res.keep_alive(keep_alive);
      if (!res.chunked()) res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !keep_alive) break;
    }
    std::lock_guard lock(mutex);
    open_fds.erase(socket.native_handle());
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  void accept_loop() {
    for (;;) {
      tcp::socket socket(io);
      beast::error_code ec;
      acceptor.accept(socket, ec);
      if (stopping) return;
      if (ec) continue;
      std::lock_guard lock(mutex);
      open_fds.insert(socket.native_handle());
      uint64_t id = next_connection++;
      connection_threads.emplace_back(
          [this, s = std::move(socket), id]() mutable { serve(std::move(s), id); });
    }
  }

  void stop() {
    stopping = true;
    {
      // Wakes the blocking accept: connect to ourselves.
      beast::error_code ec;
      tcp::socket poke(io);
      poke.connect(acceptor.local_endpoint(), ec);
    }
    if (accept_thread.joinable()) accept_thread.join();
    {
      std::lock_guard lock(mutex);
      for (int fd : open_fds) ::shutdown(fd, SHUT_RDWR);  // wakes blocking reads
    }
    for (auto& t : connection_threads) t.join();  // no new ones: the acceptor has stopped
  }
};

RecordingUpstream::RecordingUpstream(std::string name) : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

RecordingUpstream::~RecordingUpstream() { impl_->stop(); }

uint16_t RecordingUpstream::port() const { return impl_->port; }

std::string RecordingUpstream::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

const std::string& RecordingUpstream::name() const { return impl_->name; }

std::vector<RecordedRequest> RecordingUpstream::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->records;
}

size_t RecordingUpstream::count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->records.size();
}

std::optional<RecordedRequest> RecordingUpstream::last() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->records.empty()) return std::nullopt;
  return impl_->records.back();
}

void RecordingUpstream::close_unanswered(size_t requests) { impl_->unanswered = requests; }

void RecordingUpstream::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->records.clear();
}

}  // namespace bridge::test
