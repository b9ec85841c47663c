// The admin API server: accept loop with a connection cap, timeouts, the access checks
// (detail/guard.hpp), the route table (detail/handlers.hpp), live streams.
#include "admin/admin.hpp"

#include "admin/detail/guard.hpp"
#include "admin/detail/handlers.hpp"
#include "common/spawn.hpp"
#include "net/asio.hpp"
#include "net/listen.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace bridge::admin {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;
using net::nothrow;
using namespace asio::experimental::awaitable_operators;
using unix_socket = asio::local::stream_protocol;

template <class Protocol>
using AdminStream =
    beast::basic_stream<Protocol, asio::any_io_executor, beast::unlimited_rate_policy>;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  asio::io_context& io;
  Context admin;
  Options options;
  Access access;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<unix_socket::acceptor> unix_acceptor;
  std::string unix_path;
  asio::steady_timer lease_timer;
  size_t connections = 0;         // open admin connections (control thread)
  asio::steady_timer slot_freed;  // cancelled when a connection closes while at the cap

  Impl(asio::io_context& c, Context a)
      : io(c), admin(std::move(a)), lease_timer(c), slot_freed(c) {}

  template <class Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acceptor);
  template <class Protocol>
  asio::awaitable<void> serve(AdminStream<Protocol> stream);
  template <class Protocol>
  asio::awaitable<void> serve_stream(AdminStream<Protocol>& stream, LineQueue& queue);
  asio::awaitable<void> expire_leases();
};

namespace {

// Gives back a connection's place under limits.admin_connections (taken by accept_loop when
// it accepted) when serving it ends, however it ends.
struct ConnectionSlotRelease {
  size_t& count;
  asio::steady_timer& slot_freed;
  ~ConnectionSlotRelease() {
    --count;
    slot_freed.cancel();
  }
};

template <class Stream>
asio::awaitable<bool> write_response(Stream& stream, const Reply& reply, bool keep) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
  res.set(http::field::server, "bridge-admin");
  res.set(http::field::content_type, reply.content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = reply.body;
  res.keep_alive(keep);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream, res, nothrow);
  co_return !ec;
}

// Returns when the peer closes its side (or anything fails): how a stream learns its
// reader went away without waiting for the next write to fail.
template <class Socket>
asio::awaitable<void> wait_for_close(Socket& socket) {
  char byte[256];
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(byte), nothrow);
    if (ec) co_return;
  }
}

// Writes queued lines as they come, a heartbeat every 2 s when idle.
template <class Socket>
asio::awaitable<void> pump_lines(Socket& socket, LineQueue& queue) {
  for (;;) {
    // Wakes on a push (the timer is cancelled) or after 2 s for a heartbeat. The check that
    // marks this writer as waiting and the wait run on this thread, as do the cancels pushes
    // post, so none is lost.
    if (!queue.ready_or_wait()) {
      queue.timer.expires_after(std::chrono::seconds(2));
      co_await queue.timer.async_wait(nothrow);
    }
    std::string out = queue.take();
    if (out.empty()) out = "{\"heartbeat\":true}\n";
    std::string chunk = fmt::format("{:x}\r\n{}\r\n", out.size(), out);
    auto [ec, n] = co_await asio::async_write(socket, asio::buffer(chunk), nothrow);
    if (ec) co_return;
  }
}

// Returns when the queue overflowed: the reader fell behind and the stream is dropped, even
// in the middle of a write that its full socket buffer holds up.
asio::awaitable<void> wait_for_overflow(LineQueue& queue) {
  while (!queue.overflowed()) co_await queue.overflow.async_wait(nothrow);
}

std::string authority_of(const tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

template <class Protocol>
std::string local_authority(AdminStream<Protocol>& stream) {
  if constexpr (std::is_same_v<Protocol, tcp>) {
    error_code ec;
    auto local = stream.socket().local_endpoint(ec);
    return ec ? std::string() : authority_of(local);
  } else {
    return {};
  }
}

template <class Body>
std::optional<std::string_view> field_of(const http::request<Body>& req, http::field name) {
  auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value());
}

// A unix socket path may hold an old socket from a run that did not clean up; anything else
// there (a regular file, a directory, a live socket) is not bridge's to remove.
Result<void> clear_socket_path(asio::io_context& context, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code fec;
  auto status = fs::symlink_status(path, fec);
  if (fec || status.type() == fs::file_type::not_found) return {};
  if (status.type() != fs::file_type::socket) {
    return Error::runtime("admin API: " + path +
                              " exists and is not a socket; bridge only "
                              "replaces an old socket there",
                          "remove it yourself or set bridge.admin to another path");
  }
  unix_socket::socket probe(context);
  error_code ec;
  probe.connect(unix_socket::endpoint(path), ec);
  if (!ec) {
    return Error::runtime("admin API: another process is listening on " + path,
                          "stop it (another `bridge up`?) or set bridge.admin to another path");
  }
  fs::remove(path, fec);
  return {};
}

}  // namespace

Options Options::from(const config::Config& config) {
  Options options;
  options.address = config.bridge.admin;
  options.token = config.bridge.admin_token;
  options.probes_only = config.bridge.admin_probes_only;
  options.header_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.limits.header_timeout);
  options.idle_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.limits.idle_timeout);
  options.max_header_bytes = config.limits.max_header_bytes;
  options.max_connections = std::max<uint64_t>(1, config.limits.admin_connections);
  return options;
}

template <class Acceptor>
asio::awaitable<void> Server::Impl::accept_loop(Acceptor& acceptor) {
  auto self = shared_from_this();
  using Protocol = typename Acceptor::protocol_type;
  for (;;) {
    // At the cap, new connections wait in the listen backlog until one closes.
    while (connections >= options.max_connections && acceptor.is_open()) {
      slot_freed.expires_at(asio::steady_timer::time_point::max());
      co_await slot_freed.async_wait(nothrow);
    }
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    ++connections;  // counted here, before serve() first runs, so the cap holds exactly
    asio::co_spawn(io, serve(AdminStream<Protocol>(std::move(socket))),
                   log_failure("admin API connection"));
  }
}

template <class Protocol>
asio::awaitable<void> Server::Impl::serve(AdminStream<Protocol> stream) {
  auto self = shared_from_this();
  ConnectionSlotRelease release{connections, slot_freed};
  const std::string local = local_authority(stream);
  beast::flat_buffer buffer;
  for (;;) {
    // Idle until the next request starts, then the whole request within header_timeout, as
    // on the proxy listeners.
    if (buffer.size() == 0) {
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), nothrow);
      if (ec) co_return;
      buffer.commit(n);
    }
    stream.expires_after(options.header_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(
        static_cast<uint32_t>(std::min<size_t>(options.max_header_bytes, UINT32_MAX)));
    parser.body_limit(1 << 20);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow);
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout) {
      co_return;
    }
    stream.expires_after(options.idle_timeout);  // for the answer
    if (ec) {
      co_await write_response(stream, error_reply(400, "bad_request", ec.message()), false);
      co_return;
    }
    auto& req = parser.get();
    Request request{std::string(req.method_string()), std::string(req.target()), req.body()};
    Head head;
    head.method = req.method_string();
    head.path = request.path();
    head.host = field_of(req, http::field::host);
    head.host_count = req.count(http::field::host);
    head.origin = field_of(req, http::field::origin);
    head.content_type = field_of(req, http::field::content_type);
    head.authorization = req[http::field::authorization];
    head.local_authority = local;
    auto refused = check_access(access, head);
    Reply reply = refused ? std::move(*refused) : handle_request(admin, request);
    if (reply.stream) {
      co_await serve_stream(stream, *reply.stream);
      reply.stream->close();
      co_return;
    }
    bool keep = req.keep_alive();
    if (!co_await write_response(stream, reply, keep) || !keep) co_return;
  }
}

template <class Protocol>
asio::awaitable<void> Server::Impl::serve_stream(AdminStream<Protocol>& stream, LineQueue& queue) {
  // A live stream: chunked ndjson until either side goes away or the reader falls behind.
  // No deadline: heartbeats keep it alive, and a reader that stops reading is dropped when
  // its queue overflows (wait_for_overflow), not when a timer says so.
  stream.expires_never();
  auto& socket = stream.socket();
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: bridge-admin\r\nContent-Type: application/x-ndjson\r\n"
      "Cache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(head), nothrow);
  if (ec) co_return;
  co_await (pump_lines(socket, queue) || wait_for_close(socket) || wait_for_overflow(queue));
  if (queue.overflowed()) {
    admin.metrics->streams_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("admin API: dropped a live stream whose reader fell {} entries behind",
                 LineQueue::max_items);
  }
}

asio::awaitable<void> Server::Impl::expire_leases() {
  auto self = shared_from_this();
  for (;;) {
    lease_timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await lease_timer.async_wait(nothrow);
    if (ec) co_return;
    admin.breakpoints->expire();
  }
}

Server::Server(asio::io_context& context, Context admin)
    : impl_(std::make_shared<Impl>(context, std::move(admin))) {
  impl_->admin.executor = context.get_executor();
}

Server::~Server() { stop(); }

Result<std::string> Server::start(const Options& options) {
  auto& s = *impl_;
  s.options = options;
  const std::string& address = options.address;
  error_code ec;
  std::string bound;
  if (address.rfind("unix:", 0) == 0) {
    s.unix_path = address.substr(5);
    if (auto cleared = clear_socket_path(s.io, s.unix_path); !cleared) {
      s.unix_path.clear();  // not ours: stop() must not remove it either
      return cleared.error();
    }
    s.unix_acceptor = std::make_unique<unix_socket::acceptor>(s.io);
    unix_socket::endpoint endpoint(s.unix_path);
    s.unix_acceptor->open(endpoint.protocol(), ec);
    if (!ec) s.unix_acceptor->bind(endpoint, ec);
    if (!ec) s.unix_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error::runtime("admin API: cannot listen on " + address + ": " + ec.message(),
                            "set bridge.admin to another path, or \"off\"");
    }
    std::filesystem::permissions(s.unix_path, std::filesystem::perms::owner_all, ec);
    s.access = Access::unix_path();
    bound = address;
  } else {
    auto endpoint = net::parse_bind(address);
    if (!endpoint) return endpoint.error();
    auto acceptor = net::open_acceptor(s.io, *endpoint, false);
    if (!acceptor) {
      Error e = acceptor.error();
      e.message = "admin API: " + e.message;
      e.hint = "set bridge.admin to another port, or \"off\"";
      return e;
    }
    s.tcp_acceptor = std::move(*acceptor);
    auto local = s.tcp_acceptor->local_endpoint(ec);
    bound = authority_of(local);
    s.access = Access::tcp(local.address().to_string(), local.port());
  }
  s.access.token = options.token;
  s.access.probes_only = options.probes_only;
  if (s.unix_acceptor) {
    asio::co_spawn(s.io, s.accept_loop(*s.unix_acceptor), log_failure("admin API"));
  } else {
    asio::co_spawn(s.io, s.accept_loop(*s.tcp_acceptor), log_failure("admin API"));
  }
  asio::co_spawn(s.io, s.expire_leases(), log_failure("breakpoint leases"));
  return bound;
}

void Server::stop() {
  auto& s = *impl_;
  error_code ec;
  if (s.tcp_acceptor) s.tcp_acceptor->close(ec);
  if (s.unix_acceptor) {
    s.unix_acceptor->close(ec);
    std::error_code fec;
    if (std::filesystem::is_socket(std::filesystem::symlink_status(s.unix_path, fec))) {
      std::filesystem::remove(s.unix_path, fec);
    }
  }
  s.lease_timer.cancel();
  s.slot_freed.cancel();
}

}  // namespace bridge::admin
