#pragma once
// The errors middleware's half in the proxy: once an upstream answered with a status an errors
// middleware of the chain names, its page is fetched from the middleware's service and sent in
// place of the upstream's response (whose body is never read). A page that cannot be fetched
// leaves the upstream's response to go on as it came.

#include "net/http_client.hpp"
#include "proxy/detail/exchange.hpp"

#include <optional>

namespace bridge::proxy {

/// The errors middleware whose page replaces a response of `status`, or null: none names it,
/// the request is gRPC (its errors are statuses, not pages), or the response switches
/// protocols.
const middleware::ErrorPages* error_pages_wanted(const Exchange& ex, unsigned status);

/// GET the page from the middleware's service (one connection, within the route's timeout).
/// nullopt when no page came; the record's step says either way.
asio::awaitable<std::optional<net::HttpResponse>>
fetch_error_page(Exchange& ex, const middleware::ErrorPages& pages, unsigned status);

/// Sends `page` with the status the client gets (statusRewrites applied), the page's fields,
/// the request id and the response edits of the middlewares and the route.
template <class Client>
asio::awaitable<Outcome> send_error_page(Client& client, Exchange& ex,
                                         const middleware::ErrorPages& pages, unsigned status,
                                         const net::HttpResponse& page);

}  // namespace bridge::proxy
