#pragma once
// What bridge changes in the heads it forwards, side by side: the request going upstream and
// the response going back. Both are edits to the parsed head (see HeadEdit for why not in
// place), applied as the head is written.

#include "proxy/detail/exchange.hpp"

namespace bridge::proxy {

/// Request rules: hop-by-hop removal (Upgrade kept for a websocket), Expect: 100-continue
/// answered by bridge, X-Forwarded-*, request id and trace context, strip_prefix, host_rewrite,
/// the route's request_headers. Sets ex.upgrade and ex.expect_continue.
void edit_request_head(const RequestHead& head, Exchange& ex, HeadEdit& edit);

/// Response rules: hop-by-hop removal (kept on the 101 that switches a websocket), HTTP/1.1
/// whatever the upstream spoke, request id, the route's response_headers.
void edit_response_head(const ResponseHead& head, Exchange& ex, HeadEdit& edit);

/// The response's Connection field for a client of `client_version` (the upstream's was
/// hop-by-hop and dropped): "close" when the connection ends, "keep-alive" for an HTTP/1.0
/// client when it stays open.
void state_keep_alive(HeadEdit& edit, unsigned client_version, bool keep);

}  // namespace bridge::proxy
