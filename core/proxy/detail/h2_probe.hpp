#pragma once
// One HTTP/2 request on a connection of its own, for health checks of targets that speak only
// HTTP/2: gRPC's grpc.health.v1.Health/Check, or GET path to an h2c target. Not pooled: a
// probe every few seconds does not need it, and a probe must not share the fate of traffic.

#include "proxy/detail/asio.hpp"
#include "proxy/detail/h2_fields.hpp"  // Trailers

#include <chrono>
#include <memory>
#include <string>

namespace bridge::proxy {

struct H2ProbeRequest {
  std::string host;  // connect here; also :authority (with the port)
  uint16_t port = 0;
  std::shared_ptr<ssl::context> tls;  // null: h2c (prior knowledge); else TLS with ALPN h2
  bool verify = true;                 // with tls: check the certificate names `host`
  std::string method = "GET";
  std::string path = "/";
  Trailers fields;                          // besides the pseudo-fields
  std::string body;                         // sent whole, with END_STREAM
  std::chrono::milliseconds timeout{1000};  // for the whole exchange
};

struct H2ProbeAnswer {
  std::string error;  // why there is no answer; empty when there is one
  int status = 0;     // :status
  Trailers fields;    // the head and the trailers, in order (names in lower case)
  std::string body;
  /// The value of `name` in the head or trailers (the last one), or "".
  std::string field(std::string_view name) const;
};

asio::awaitable<H2ProbeAnswer> h2_probe(H2ProbeRequest request);

/// gRPC health (grpc.health.v1): healthy when Check answers grpc-status 0 and SERVING for
/// `service` ("" = the server as a whole). `why` says what was wrong otherwise.
asio::awaitable<bool> grpc_health_probe(H2ProbeRequest target, std::string service,
                                        std::string& why);

}  // namespace bridge::proxy
