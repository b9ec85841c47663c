#pragma once
/// OpenSSL handles as unique_ptrs and the few conversions every cert file needs (internal).

#include "common/error.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::cert::detail {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using NameConstraintsPtr = std::unique_ptr<NAME_CONSTRAINTS, Deleter<NAME_CONSTRAINTS_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

/// Drains the OpenSSL error queue into one line ("" when empty).
std::string openssl_error();
/// A runtime Error "WHAT: <openssl reason>".
Error ossl_failure(const std::string& what, std::string hint = {});

/// Fresh keys: ECDSA P-256 or RSA `bits`.
Result<PkeyPtr> generate_ec_key();
Result<PkeyPtr> generate_rsa_key(int bits);

std::string key_to_pem(EVP_PKEY* key);  // PKCS#8, unencrypted
std::string cert_to_pem(X509* cert);
/// `source` names the file in error messages.
Result<PkeyPtr> key_from_pem(std::string_view pem, const std::string& source);
/// Every CERTIFICATE block in `pem`, in order; an error when there is none.
Result<std::vector<X509Ptr>> certs_from_pem(std::string_view pem, const std::string& source);

/// A random positive 127-bit serial number.
Result<void> set_random_serial(X509* cert);
/// Adds an extension from OpenSSL's config syntax ("critical,CA:TRUE").
Result<void> add_ext(X509* cert, X509* issuer, int nid, const std::string& value);

std::vector<unsigned char> sha256(std::string_view data);
std::string hex_colon(const std::vector<unsigned char>& bytes);  // "AB:CD:..."
std::string base64url(std::string_view data);
std::string base64url(const std::vector<unsigned char>& data);

/// ASN1_TIME as seconds since the epoch.
std::time_t to_time_t(const ASN1_TIME* t);
/// "2025-01-31 12:00:00 UTC"
std::string format_time(std::time_t t);

/// "CN=x, O=y" in RFC 2253 order.
std::string name_to_string(const X509_NAME* name);

/// "user@host", the way mkcert labels development certificates.
std::string user_at_host();

}  // namespace bridge::cert::detail
