// basicAuth: a request needs Authorization: Basic with a user and password of the list, or gets
// 401 with WWW-Authenticate. A bcrypt check takes milliseconds on the worker's thread, so a
// pair that passed is remembered (as a salted SHA-256, never the password) and the next request
// with it costs a hash lookup.
#include "common/text.hpp"
#include "middleware/detail/kinds.hpp"
#include "middleware/detail/password.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <mutex>
#include <unordered_set>

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

// "Basic dXNlcjpwYXNz" -> "user:pass"; nullopt when it is not Basic or not base64.
std::optional<std::string> basic_credentials(std::string_view authorization) {
  if (authorization.size() < 6 || !iequals(authorization.substr(0, 6), "Basic ")) return {};
  std::string_view b64 = authorization.substr(6);
  while (!b64.empty() && b64.front() == ' ') b64.remove_prefix(1);
  if (b64.empty() || b64.size() % 4 != 0 || b64.size() > 4096) return {};
  std::string out(b64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return {};
  size_t padding = 0;
  if (b64.back() == '=') ++padding;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

class BasicAuth final : public Middleware {
 public:
  BasicAuth(const std::string& name, const config::BasicAuthMiddleware& o)
      : Middleware(name, "basicAuth"), o_(o), challenge_("Basic realm=\"" + o.realm + "\"") {
    RAND_bytes(salt_.data(), static_cast<int>(salt_.size()));
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    const std::string_view authorization = req.fields->get("Authorization");
    auto refuse = [&](std::string why) {
      step.detail = why + " → 401";
      fx.answer = Answer{401, {{"WWW-Authenticate", challenge_}}, std::move(why)};
    };
    if (authorization.empty()) return refuse("no Authorization header");
    auto credentials = basic_credentials(authorization);
    const size_t colon = credentials ? credentials->find(':') : std::string::npos;
    if (colon == std::string::npos) return refuse("Authorization is not Basic user:password");
    const std::string_view user = std::string_view(*credentials).substr(0, colon);
    const std::string_view password = std::string_view(*credentials).substr(colon + 1);
    const std::string* hash = nullptr;
    for (const auto& [name, h] : o_.users)
      if (name == user) hash = &h;
    if (hash == nullptr) return refuse("unknown user \"" + printable(user) + "\"");
    if (!verified(*credentials, password, *hash))
      return refuse("wrong password for user \"" + printable(user) + "\"");
    step.detail = "user \"" + std::string(user) + "\" authenticated";  // who, in records too
    if (o_.remove_header) fx.request.add(Op::Remove, "Authorization", "");
    if (!o_.header_field.empty()) fx.request.add(Op::Set, o_.header_field, user);
  }

 private:
  // Bytes of a client's user name kept readable for the record, never raw.
  static std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) out += (c >= 0x20 && c < 0x7f && c != '"') ? c : '?';
    return out;
  }

  bool verified(std::string_view credentials, std::string_view password,
                const std::string& hash) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx, salt_.data(), salt_.size());
    EVP_DigestUpdate(ctx, credentials.data(), credentials.size());
    EVP_DigestUpdate(ctx, hash.data(), hash.size());
    EVP_DigestFinal_ex(ctx, digest.data(), &size);
    EVP_MD_CTX_free(ctx);
    std::string key(reinterpret_cast<const char*>(digest.data()), size);
    {
      std::lock_guard lock(mutex_);
      if (passed_.contains(key)) return true;
    }
    if (!password_matches(password, hash)) return false;
    std::lock_guard lock(mutex_);
    if (passed_.size() >= 4096) passed_.clear();  // bounded: a few users, a few passwords
    passed_.insert(std::move(key));
    return true;
  }

  config::BasicAuthMiddleware o_;
  std::string challenge_;
  std::array<unsigned char, 32> salt_{};
  mutable std::mutex mutex_;  // workers share the middleware
  mutable std::unordered_set<std::string> passed_;
};

}  // namespace

std::unique_ptr<Middleware> make_basic_auth(const std::string& name,
                                            const config::BasicAuthMiddleware& options) {
  return std::make_unique<BasicAuth>(name, options);
}

}  // namespace bridge::middleware::detail
