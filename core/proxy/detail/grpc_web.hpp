#pragma once
// The grpcWeb middleware's part in forwarding over an HTTP/2 upstream (forward_h2.cpp): the
// answer's head as gRPC-Web names it. The bodies' translation (base64 for -text, the trailer
// frame) happens as they stream, with middleware/grpc_web.hpp's codec.

#include "middleware/grpc_web.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_fields.hpp"

#include <string>

namespace bridge::proxy {

/// The upstream's gRPC answer head for a gRPC-Web client: its content type as gRPC-Web's, no
/// Content-Length (the body gains a frame), and, for an allowed origin, every field's name in
/// Access-Control-Expose-Headers so that the page's client can read its metadata.
void grpc_web_response_head(const middleware::GrpcWebCall& web, const ResponseHead& head,
                            HeadEdit& edit);

/// The bytes that end a gRPC-Web answer's body: the trailer frame (none without trailers),
/// base64-encoded with what `text` still holds when the client asked for -text (`text` is
/// null otherwise).
std::string grpc_web_body_end(const Trailers& trailers, middleware::Base64Encoder* text);

}  // namespace bridge::proxy
