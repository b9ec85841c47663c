// The errors middleware's pages: fetched from its service with core/net's client when an
// upstream's status calls for one, then sent to the client in place of the upstream's response.
#include "proxy/detail/error_page.hpp"

#include "common/url.hpp"
#include "proxy/detail/balancer.hpp"
#include "proxy/detail/h1_client.hpp"
#include "proxy/detail/h2_client.hpp"
#include "proxy/detail/head_rules.hpp"
#include "proxy/detail/tls_stream.hpp"
#include "proxy/detail/worker.hpp"

#include <charconv>

namespace bridge::proxy {

namespace {

// Where the page server is: the URL's host and port, or an address of the named upstream (a
// compose:// or k8s:// target's live endpoint). "" host when there is none; `where` says.
struct PageServer {
  std::string host, port, where;
};

PageServer page_server(Exchange& ex, const std::string& service) {
  if (service.find("://") != std::string::npos) {
    auto address = parse_http_address(service);
    if (!address) return {"", "", service};
    return {address->host, address->port, service};
  }
  PageServer out{"", "", "upstream \"" + service + "\""};
  for (const auto& set : ex.snapshot.upstreams) {
    if (set->name != service) continue;
    const Target* picked = pick_target(*set);  // null: a compose:// or k8s:// target unresolved
    if (picked == nullptr) return out;
    const Chosen chosen = choose_endpoint(picked, ex.endpoint_targets);
    if (chosen.target == nullptr || chosen.target->scheme != Scheme::Http) return out;
    out.host = chosen.target->host;
    out.port = std::to_string(chosen.target->port);
    out.where += " at " + chosen.describe();
    return out;
  }
  return out;
}

trace::MiddlewareNote* page_note(Exchange& ex, const middleware::ErrorPages& pages) {
  return pages.step < ex.record.middlewares.size() ? &ex.record.middlewares[pages.step] : nullptr;
}

}  // namespace

const middleware::ErrorPages* error_pages_wanted(const Exchange& ex, unsigned status) {
  if (ex.middleware == nullptr || ex.middleware->error_pages.empty()) return nullptr;
  if ((ex.upgrade && status == 101) ||
      ex.head.fields.get(Field::ContentType).starts_with("application/grpc"))
    return nullptr;
  return middleware::error_pages_for(ex.middleware->error_pages, status);
}

asio::awaitable<std::optional<net::HttpResponse>>
fetch_error_page(Exchange& ex, const middleware::ErrorPages& pages, unsigned status) {
  const config::ErrorsMiddleware& options = *pages.options;
  const std::string host(ex.head.fields.get(Field::Host));
  const std::string target = middleware::error_page_target(options, status, ex.head.target);
  const PageServer server = page_server(ex, options.service);
  trace::MiddlewareNote* note = page_note(ex, pages);
  const std::string asked = std::to_string(status) + " → page " + target + " of " + server.where;
  if (server.host.empty()) {
    if (note != nullptr)
      note->detail = asked + ": no address to ask; the upstream's answer went on";
    co_return std::nullopt;
  }
  net::HttpRequest request{boost::beast::http::verb::get, target, 11};
  request.set(boost::beast::http::field::host, host);
  if (auto accept = ex.head.fields.get("accept"); !accept.empty())
    request.set(boost::beast::http::field::accept, accept);
  request.set(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  net::ExchangeOptions fetch;
  fetch.timeout = ex.route->config->timeout;
  fetch.body_limit = 1024 * 1024;  // a page, not a download
  const auto began = Clock::now();
  auto answered =
      co_await net::http_exchange(net::HttpPeer::tcp(server.host, server.port), request, fetch);
  const int64_t us = micros_since(began);
  if (!answered) {
    if (note != nullptr)
      note->detail = asked + " not fetched (" + answered.error().message() +
                     "); the upstream's answer went on";
    co_return std::nullopt;
  }
  if (note != nullptr) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f ms", static_cast<double>(us) / 1000.0);
    note->detail = asked + " (" + std::to_string(answered->result_int()) + ", " +
                   std::to_string(answered->body().size()) + " bytes, " + ms + ")";
    note->outcome.assign(
        middleware::outcome_names[static_cast<size_t>(middleware::Outcome::Answered)]);
  }
  co_return std::move(*answered);
}

template <class Client>
asio::awaitable<Outcome> send_error_page(Client& client, Exchange& ex,
                                         const middleware::ErrorPages& pages, unsigned status,
                                         const net::HttpResponse& page) {
  ResponseHead& res = ex.scratch.response_head;
  res.clear();
  res.status = middleware::error_page_status(*pages.options, status);
  for (const auto& field : page) {
    const auto name = field.name();
    if (name == boost::beast::http::field::content_length ||
        name == boost::beast::http::field::transfer_encoding)
      continue;
    res.fields.add(field.name_string(), field.value());
  }
  HeadEdit& edit = ex.scratch.response;
  edit_response_head(res, ex, edit);
  const std::string_view body = ex.head_request ? std::string_view() : page.body();
  char size[24];
  auto [end, ec] = std::to_chars(size, size + sizeof size, page.body().size());
  edit.set_copy("Content-Length", {std::string_view(size, static_cast<size_t>(end - size))});
  const bool keep = ex.client_keep_alive && client.body_done() && !ex.worker.draining();
  state_keep_alive(edit, ex.head.version, keep);
  if (ex.recording)
    capture_out_headers(ex.record.response_out, ex.record.response_out_edit, res.fields, edit,
                        ex.response_in_from, ex);
  ex.record.status = static_cast<int>(res.status);
  ex.record.bytes_out += body.size();
  const bool sent = co_await client.answer(res, edit, ex.scratch.wire, body);
  co_return (!sent || !keep) ? Outcome::Close : Outcome::KeepAlive;
}

template asio::awaitable<Outcome> send_error_page(H1Client<DeadlineStream>&, Exchange&,
                                                  const middleware::ErrorPages&, unsigned,
                                                  const net::HttpResponse&);
template asio::awaitable<Outcome> send_error_page(H1Client<TlsClientStream>&, Exchange&,
                                                  const middleware::ErrorPages&, unsigned,
                                                  const net::HttpResponse&);
template asio::awaitable<Outcome> send_error_page(H2Client&, Exchange&,
                                                  const middleware::ErrorPages&, unsigned,
                                                  const net::HttpResponse&);

}  // namespace bridge::proxy
