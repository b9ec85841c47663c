// The admin API server: accept loop, auth, routing of paths to handlers, live streams.
#include "proxy/admin.hpp"

#include "proxy/detail/admin_handlers.hpp"
#include "proxy/detail/worker.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace bridge::proxy {

using namespace asio::experimental::awaitable_operators;
using unix_socket = asio::local::stream_protocol;

struct AdminServer::Impl : std::enable_shared_from_this<AdminServer::Impl> {
  asio::io_context& context;
  AdminHooks hooks;
  std::string token;
  bool probes_only = false;
  std::unique_ptr<tcp::acceptor> tcp_acceptor;
  std::unique_ptr<unix_socket::acceptor> unix_acceptor;
  std::string unix_path;
  asio::steady_timer lease_timer;

  Impl(asio::io_context& c, AdminHooks h) : context(c), hooks(std::move(h)), lease_timer(c) {}

  template <class Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acceptor);
  template <class Socket>
  asio::awaitable<void> serve(Socket socket);
  asio::awaitable<void> expire_leases();
};

namespace {

template <class Socket>
asio::awaitable<bool> write_response(Socket& socket, const AdminReply& reply, bool keep) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
  res.set(http::field::server, "bridge-admin");
  res.set(http::field::content_type, reply.content_type);
  res.set(http::field::cache_control, "no-store");
  res.body() = reply.body;
  res.keep_alive(keep);
  res.prepare_payload();
  auto [ec, n] = co_await http::async_write(socket, res, nothrow);
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
    // Wakes on a push (the timer is cancelled) or after 2 s for a heartbeat. The pending check
    // and the wait run on this thread, as do the cancels pushes post, so none is lost.
    if (!queue.has_pending()) {
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

}  // namespace

template <class Acceptor>
asio::awaitable<void> AdminServer::Impl::accept_loop(Acceptor& acceptor) {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(nothrow);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(context, serve(std::move(socket)), asio::detached);
  }
}

template <class Socket>
asio::awaitable<void> AdminServer::Impl::serve(Socket socket) {
  auto self = shared_from_this();
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, nothrow);
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      co_return;
    }
    if (ec) {
      co_await write_response(socket, error_reply(400, "bad_request", ec.message()), false);
      co_return;
    }
    auto& req = parser.get();
    AdminRequest request{std::string(req.method_string()), std::string(req.target()),
                         req.body()};
    std::string_view path = request.path();
    bool probe = path == "/healthz" || path == "/readyz";
    AdminReply reply;
    if (probes_only && !probe) {
      reply = error_reply(404, "not_found", "only /healthz and /readyz are served here "
                                            "(bridge.admin_probes_only = true)");
    } else if (!token.empty() && !probe && req[http::field::authorization] != "Bearer " + token) {
      reply = error_reply(401, "unauthorized",
                          "missing or wrong bearer token: send Authorization: Bearer "
                          "<bridge.admin_token> (the CLI reads BRIDGE_ADMIN_TOKEN)");
    } else {
      reply = handle_admin_request(hooks, request);
    }
    if (reply.stream) {
      // A live stream: chunked ndjson until either side goes away.
      std::string head =
          "HTTP/1.1 200 OK\r\nServer: bridge-admin\r\nContent-Type: application/x-ndjson\r\n"
          "Cache-Control: no-store\r\nTransfer-Encoding: chunked\r\n\r\n";
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(head), nothrow);
      if (!wec) {
        auto queue = reply.stream;
        co_await (pump_lines(socket, *queue) || wait_for_close(socket));
      }
      reply.stream->close();
      co_return;
    }
    bool keep = req.keep_alive();
    if (!co_await write_response(socket, reply, keep) || !keep) co_return;
  }
}

asio::awaitable<void> AdminServer::Impl::expire_leases() {
  auto self = shared_from_this();
  for (;;) {
    lease_timer.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await lease_timer.async_wait(nothrow);
    if (ec) co_return;
    hooks.runtime->breakpoints.expire();
  }
}

AdminServer::AdminServer(asio::io_context& context, AdminHooks hooks)
    : impl_(std::make_shared<Impl>(context, std::move(hooks))) {
  impl_->hooks.executor = context.get_executor();
}

AdminServer::~AdminServer() { stop(); }

Result<std::string> AdminServer::start(const std::string& address, const std::string& token,
                                       bool probes_only) {
  auto& s = *impl_;
  s.token = token;
  s.probes_only = probes_only;
  error_code ec;
  std::string bound;
  if (address.rfind("unix:", 0) == 0) {
    s.unix_path = address.substr(5);
    std::filesystem::remove(s.unix_path, ec);  // a stale socket from a previous run
    s.unix_acceptor = std::make_unique<unix_socket::acceptor>(s.context);
    unix_socket::endpoint endpoint(s.unix_path);
    s.unix_acceptor->open(endpoint.protocol(), ec);
    if (!ec) s.unix_acceptor->bind(endpoint, ec);
    if (!ec) s.unix_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error::runtime("admin API: cannot listen on " + address + ": " + ec.message(),
                            "set bridge.admin to another path, or \"off\"");
    }
    std::filesystem::permissions(s.unix_path, std::filesystem::perms::owner_all, ec);
    asio::co_spawn(s.context, s.accept_loop(*s.unix_acceptor), asio::detached);
    bound = address;
  } else {
    auto endpoint = parse_bind(address);
    if (!endpoint) return endpoint.error();
    auto acceptor = open_acceptor(s.context, *endpoint, false);
    if (!acceptor) {
      Error e = acceptor.error();
      e.message = "admin API: " + e.message;
      e.hint = "set bridge.admin to another port, or \"off\"";
      return e;
    }
    s.tcp_acceptor = std::move(*acceptor);
    auto local = s.tcp_acceptor->local_endpoint(ec);
    std::string host = local.address().to_string();
    if (local.address().is_v6()) host = "[" + host + "]";
    bound = host + ":" + std::to_string(local.port());
    asio::co_spawn(s.context, s.accept_loop(*s.tcp_acceptor), asio::detached);
  }
  asio::co_spawn(s.context, s.expire_leases(), asio::detached);
  return bound;
}

void AdminServer::stop() {
  auto& s = *impl_;
  error_code ec;
  if (s.tcp_acceptor) s.tcp_acceptor->close(ec);
  if (s.unix_acceptor) {
    s.unix_acceptor->close(ec);
    std::filesystem::remove(s.unix_path, ec);
  }
  s.lease_timer.cancel();
}

}  // namespace bridge::proxy
