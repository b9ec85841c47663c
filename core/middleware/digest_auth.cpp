// digestAuth (RFC 7616 with MD5, as Traefik and htdigest do it): a request needs Authorization:
// Digest whose response proves the password of a user of the list for this realm, or gets 401
// with a challenge. Nonces carry their issue time and an HMAC of it under a key of this
// middleware's, so any worker checks any nonce without shared state; the nonce counts seen are
// remembered (bounded) so that a captured Authorization cannot be replayed.
#include "common/text.hpp"
#include "middleware/detail/kinds.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <mutex>
#include <unordered_map>

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

// A nonce stays good this long; after it the client is told `stale=true` and asks again
// without asking its user.
constexpr int64_t nonce_seconds = 300;

std::string hex(const unsigned char* bytes, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

std::string md5_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_md5(), nullptr);
  return hex(digest.data(), size);
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The parameters of an Authorization: Digest field bridge reads; nullopt when the field is not
// Digest or not well formed (RFC 7616 3.4: auth-param = token "=" ( token / quoted-string )).
struct DigestParams {
  std::string username, realm, nonce, uri, response, algorithm, qop, nc, cnonce, opaque;
};

std::optional<DigestParams> digest_params(std::string_view field) {
  if (field.size() < 7 || !iequals(field.substr(0, 7), "Digest ")) return {};
  std::string_view rest = field.substr(7);
  DigestParams out;
  auto skip = [&rest](std::string_view chars) {
    while (!rest.empty() && chars.find(rest.front()) != std::string_view::npos)
      rest.remove_prefix(1);
  };
  for (int count = 0;; ++count) {
    skip(" \t,");
    if (rest.empty()) break;
    if (count == 32) return {};  // RFC 7616 has ten; more is not a client
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos || eq == 0) return {};
    std::string_view name = rest.substr(0, eq);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    rest.remove_prefix(eq + 1);
    skip(" \t");
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      if (i == rest.size()) return {};  // no closing quote
      rest.remove_prefix(i + 1);
    } else {
      const size_t end = rest.find_first_of(", \t");
      value.assign(rest.substr(0, end));
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    std::string* slot = iequals(name, "username")    ? &out.username
                        : iequals(name, "realm")     ? &out.realm
                        : iequals(name, "nonce")     ? &out.nonce
                        : iequals(name, "uri")       ? &out.uri
                        : iequals(name, "response")  ? &out.response
                        : iequals(name, "algorithm") ? &out.algorithm
                        : iequals(name, "qop")       ? &out.qop
                        : iequals(name, "nc")        ? &out.nc
                        : iequals(name, "cnonce")    ? &out.cnonce
                        : iequals(name, "opaque")    ? &out.opaque
                                                     : nullptr;
    if (slot != nullptr) *slot = std::move(value);
  }
  return out;
}

// Bytes of a client's text kept readable for the record, never raw.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
  return out;
}

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DigestAuth final : public Middleware {
 public:
  DigestAuth(const std::string& name, const config::DigestAuthMiddleware& o)
      : Middleware(name, "digestAuth"), o_(o) {
    RAND_bytes(key_.data(), static_cast<int>(key_.size()));
    std::array<unsigned char, 16> opaque{};
    RAND_bytes(opaque.data(), static_cast<int>(opaque.size()));
    opaque_ = hex(opaque.data(), opaque.size());
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    auto refuse = [&](std::string why, bool stale = false) {
      step.detail = why + " → 401";
      fx.answer = Answer{401, {{"WWW-Authenticate", challenge(stale)}}, std::move(why)};
    };
    const std::string_view authorization = req.fields->get("Authorization");
    if (authorization.empty()) return refuse("no Authorization header");
    const auto p = digest_params(authorization);
    if (!p) return refuse("Authorization is not Digest");
    if (p->username.empty() || p->nonce.empty() || p->uri.empty() || p->response.empty())
      return refuse("Authorization: Digest lacks username, nonce, uri or response");
    if (p->realm != o_.realm)
      return refuse("realm \"" + printable(p->realm) + "\" is not \"" + o_.realm + "\"");
    if (!p->algorithm.empty() && !iequals(p->algorithm, "MD5"))
      return refuse("algorithm " + printable(p->algorithm) + " is not MD5");
    if (!p->qop.empty() && (p->qop != "auth" || p->nc.empty() || p->cnonce.empty()))
      return refuse("qop must be auth, with nc and cnonce");
    if (p->uri != req.target)
      return refuse("uri \"" + printable(p->uri) + "\" is not the request's target");
    const std::string* ha1 = nullptr;
    for (const auto& user : o_.users)
      if (user.first == p->username) ha1 = &user.second;
    if (ha1 == nullptr) return refuse("unknown user \"" + printable(p->username) + "\"");
    const NonceAge age = nonce_age(p->nonce);
    if (age == NonceAge::Forged) return refuse("nonce was not issued by bridge");
    const std::string ha2 = md5_hex(std::string(req.method) + ":" + p->uri);
    const std::string expected = p->qop.empty()
                                     ? md5_hex(*ha1 + ":" + p->nonce + ":" + ha2)
                                     : md5_hex(*ha1 + ":" + p->nonce + ":" + p->nc + ":" +
                                               p->cnonce + ":" + p->qop + ":" + ha2);
    std::string response = p->response;
    for (char& c : response) c = ascii_lower(c);
    if (!same(response, expected))
      return refuse("wrong password for user \"" + printable(p->username) + "\"");
    // The password was right: an old nonce only needs renewing, which the client does alone.
    if (age == NonceAge::Expired) return refuse("nonce expired, asked for a new one", true);
    if (!p->qop.empty() && !count_is_new(p->nonce, p->nc))
      return refuse("nonce count " + printable(p->nc) + " was used before (a replay)");
    step.detail = "user \"" + p->username + "\" authenticated";
    if (o_.remove_header) fx.request.add(Op::Remove, "Authorization", "");
    if (!o_.header_field.empty()) fx.request.add(Op::Set, o_.header_field, p->username);
  }

 private:
  enum class NonceAge : uint8_t { Fresh, Expired, Forged };

  // 16 hex digits of the issue time and 16 random ones (every challenge its own nonce, so that
  // two clients never share nonce counts), then 32 of their HMAC.
  std::string mac(std::string_view issued) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(issued.data()), issued.size(), digest.data(),
         &size);
    return hex(digest.data(), 16);
  }

  std::string new_nonce() const {
    const auto issued = static_cast<uint64_t>(now_seconds());
    std::array<unsigned char, 16> bytes{};
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(issued >> (56 - 8 * i));
    RAND_bytes(bytes.data() + 8, 8);
    std::string nonce = hex(bytes.data(), bytes.size());
    return nonce + mac(nonce);
  }

  NonceAge nonce_age(std::string_view nonce) const {
    if (nonce.size() != 64 || !same(mac(nonce.substr(0, 32)), nonce.substr(32)))
      return NonceAge::Forged;
    uint64_t issued = 0;
    for (char c : nonce.substr(0, 16))
      issued = issued << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    const int64_t age = now_seconds() - static_cast<int64_t>(issued);
    return age >= 0 && age <= nonce_seconds ? NonceAge::Fresh : NonceAge::Expired;
  }

  // Whether `nc` (hex) is above every count seen with `nonce`; remembers it.
  bool count_is_new(const std::string& nonce, std::string_view nc) const {
    uint64_t count = 0;
    if (nc.empty() || nc.size() > 8) return false;
    for (char c : nc) {
      const char l = ascii_lower(c);
      if (!((l >= '0' && l <= '9') || (l >= 'a' && l <= 'f'))) return false;
      count = count << 4 | static_cast<uint64_t>(l <= '9' ? l - '0' : l - 'a' + 10);
    }
    std::lock_guard lock(mutex_);
    // Bounded: a nonce lives five minutes. Forgetting them all lets a count be used twice at
    // most once per nonce, and only while its five minutes last.
    if (counts_.size() >= 16384) counts_.clear();
    uint64_t& seen = counts_[nonce];
    if (count <= seen) return false;
    seen = count;
    return true;
  }

  std::string challenge(bool stale) const {
    return "Digest realm=\"" + o_.realm + "\", nonce=\"" + new_nonce() + "\", opaque=\"" + opaque_ +
           "\", algorithm=MD5, qop=\"auth\"" + (stale ? ", stale=true" : "");
  }

  config::DigestAuthMiddleware o_;
  std::array<unsigned char, 32> key_{};
  std::string opaque_;
  mutable std::mutex mutex_;  // workers share the middleware
  mutable std::unordered_map<std::string, uint64_t> counts_;
};

}  // namespace

std::unique_ptr<Middleware> make_digest_auth(const std::string& name,
                                             const config::DigestAuthMiddleware& options) {
  return std::make_unique<DigestAuth>(name, options);
}

}  // namespace bridge::middleware::detail
