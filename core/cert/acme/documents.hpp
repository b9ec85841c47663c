#pragma once
/// What an ACME server sends, decoded (RFC 8555 7.1; internal): the directory, order and
/// authorization objects with their challenges, problem documents, Retry-After. Pure and
/// total: whatever the bytes, a wrong shape is an empty field or an Error, never an exception
/// (fuzzed by test/fuzz/acme_fuzz.cpp).

#include "common/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::cert::acme::detail {

/// Deeper than any ACME document: bodies nested deeper are not read as JSON (nlohmann's copy
/// and our problem_text recurse, and a body may be 4 MiB).
constexpr int max_json_depth = 32;

/// `body` as JSON; null when it is not JSON or nests deeper than max_json_depth.
nlohmann::json parse_json(std::string_view body);

struct Directory {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
};

/// The directory's three URLs we use; an error unless all are strings.
Result<Directory> decode_directory(const nlohmann::json& doc);

struct ChallengeObject {
  std::string type;  // "http-01", "tls-alpn-01", ...
  std::string url;
  std::string token;
  nlohmann::json error;  // a problem document, null when none
};

struct AuthorizationObject {
  std::string identifier;  // identifier.value ("" when absent)
  std::string status;
  std::vector<ChallengeObject> challenges;
};

AuthorizationObject decode_authorization(const nlohmann::json& doc);

struct OrderObject {
  std::string status;
  std::vector<std::string> authorizations;  // URLs; entries that are not strings are skipped
  std::string finalize;
  std::string certificate;
  nlohmann::json error;  // a problem document, null when none
};

OrderObject decode_order(const nlohmann::json& doc);

/// "status" of an order or authorization; "" when absent or not a string.
std::string status_of(const nlohmann::json& doc);

/// "TYPE: DETAIL" (plus subproblems) from an RFC 7807 problem document.
std::string problem_text(const nlohmann::json& problem);
/// The problem's "type" ("urn:ietf:params:acme:error:badNonce"); "" when there is none.
std::string problem_type(const nlohmann::json& problem);

/// A Retry-After in delay-seconds (up to 5 digits); nullopt for anything else (HTTP-dates
/// included: the caller's own backoff applies).
std::optional<std::chrono::seconds> retry_after(std::string_view value);

/// True for a Replay-Nonce as RFC 8555 6.5.1 defines it: non-empty base64url, no padding.
bool valid_nonce(std::string_view nonce);

}  // namespace bridge::cert::acme::detail
