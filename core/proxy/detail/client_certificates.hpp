#pragma once
// The client certificates of an mTLS connection, read once after the handshake for the
// middlewares that pass them upstream (passTLSClientCert).

#include "middleware/middleware.hpp"

#include <openssl/ssl.h>

#include <memory>

namespace bridge::proxy {

/// What the client sent (its certificate first, then the rest of the chain it presented) when
/// the certificate passed verification; null otherwise.
std::shared_ptr<const middleware::ClientCertificates> verified_client_certificates(SSL* ssl);

}  // namespace bridge::proxy
