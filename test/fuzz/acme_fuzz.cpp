// What an ACME server sends to `bridge cert acme` and `tls.auto = "acme"` (core/cert/acme):
// a body read as each document the client expects (directory, order, authorization, problem),
// the URLs in them parsed as the next request will parse them, and the headers that go back
// into the next signed request (Replay-Nonce, Location as the account URL) signed as JWS.
//
// Input: the body, then optionally a part separator (fuzz.hpp) and header lines
// "Replay-Nonce: ...", "Location: ...", "Retry-After: ...".
#include "fuzz.hpp"

#include "cert/acme/documents.hpp"
#include "cert/acme/https.hpp"
#include "cert/acme/jws.hpp"

#include <string>

namespace {

using namespace bridge::cert::acme::detail;

struct Headers {
  std::string replay_nonce, location, retry_after;
};

Headers parse_headers(std::string_view text) {
  Headers h;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 2);
    if (name == "Replay-Nonce")
      h.replay_nonce = value;
    else if (name == "Location")
      h.location = value;
    else if (name == "Retry-After")
      h.retry_after = value;
  }
  return h;
}

// Every URL the server hands over is fetched next: fetch() starts with parse_https_url.
void check_url(const std::string& url) {
  auto parsed = parse_https_url(url);
  if (!parsed) return;
  BRIDGE_FUZZ_CHECK(!parsed->host.empty() && !parsed->port.empty());
  BRIDGE_FUZZ_CHECK(parsed->target.starts_with('/'));
}

// The JWS the next request carries: what a server parses back must be what was signed.
void check_signed(const AccountKey& key, const std::string& url, const Headers& headers,
                  const std::optional<nlohmann::json>& payload) {
  if (!valid_nonce(headers.replay_nonce)) return;  // Session drops such nonces
  auto jws = key.sign(url, headers.replay_nonce, headers.location, payload);
  if (!jws) return;  // a URL or account URL that is not UTF-8: an error, not a throw
  auto parsed = nlohmann::json::parse(*jws, nullptr, false);
  BRIDGE_FUZZ_CHECK(parsed.is_object());
  BRIDGE_FUZZ_CHECK(parsed["protected"].is_string() && parsed["signature"].is_string());
  BRIDGE_FUZZ_CHECK(parsed["signature"].get<std::string>().size() == 86);  // 64 bytes
}

const AccountKey& account_key() {
  static const AccountKey key = [] {
    auto generated = bridge::cert::detail::generate_ec_key();
    if (!generated) bridge::fuzz::violated("cannot make a P-256 key", __FILE__, __LINE__);
    return AccountKey(std::move(*generated));
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = bridge::fuzz::split_parts(bridge::fuzz::as_text(data, size));
  nlohmann::json body = parse_json(parts[0]);
  Headers headers = parts.size() > 1 ? parse_headers(parts[1]) : Headers{};

  if (auto directory = decode_directory(body)) {
    for (const auto* url : {&directory->new_nonce, &directory->new_account, &directory->new_order})
      check_url(*url);
  }
  OrderObject order = decode_order(body);
  for (const auto& url : order.authorizations) check_url(url);
  check_url(order.finalize);
  check_url(order.certificate);
  if (!order.error.is_null()) BRIDGE_FUZZ_CHECK(!problem_text(order.error).empty());

  AuthorizationObject authz = decode_authorization(body);
  for (const auto& challenge : authz.challenges) {
    check_url(challenge.url);
    if (!challenge.error.is_null()) BRIDGE_FUZZ_CHECK(!problem_text(challenge.error).empty());
  }
  BRIDGE_FUZZ_CHECK(status_of(body) == order.status && order.status == authz.status);
  BRIDGE_FUZZ_CHECK(!problem_text(body).empty());
  (void)problem_type(body);

  check_url(headers.location);
  if (auto delay = retry_after(headers.retry_after)) {
    BRIDGE_FUZZ_CHECK(delay->count() >= 0 && delay->count() <= 99999);
  }
  // An order's finalize payload and a POST-as-GET, to the URLs the server named.
  nlohmann::json finalize = {{"csr", "MIIBfzCCASUCAQAw"}};
  check_signed(account_key(), order.finalize, headers, finalize);
  check_signed(account_key(), headers.location, headers, std::nullopt);
  return 0;
}
