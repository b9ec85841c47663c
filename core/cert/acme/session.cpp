// The ACME request layer: directory, nonce pool, JWS-signed POSTs, badNonce retry, problems.
#include "cert/acme/session.hpp"

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;

namespace {

constexpr int max_bad_nonce_retries = 10;
constexpr const char* problem_prefix = "urn:ietf:params:acme:error:";

}  // namespace

asio::awaitable<Result<void>> Session::load_directory(std::string url) {
  // Named requests, not braced temporaries, as coroutine arguments: GCC 12 corrupts those.
  Request get;
  get.url = url;
  auto reply = co_await fetch(tls_, std::move(get), timeout_);
  if (!reply) co_return reply.error();
  auto directory = decode_directory(parse_json(reply->body));
  if (reply->status != 200 || !directory) {
    co_return Error::runtime(url + " is not an ACME directory (HTTP " +
                                 std::to_string(reply->status) + ")",
                             "check --directory: staging, production or the directory URL");
  }
  directory_ = std::move(*directory);
  co_return Result<void>{};
}

void Session::keep_nonce(const Reply& reply) {
  if (valid_nonce(reply.replay_nonce)) nonces_.push_back(reply.replay_nonce);
}

asio::awaitable<Result<std::string>> Session::next_nonce() {
  if (!nonces_.empty()) {
    std::string nonce = std::move(nonces_.back());
    nonces_.pop_back();
    co_return nonce;
  }
  Request head;
  head.method = "HEAD";
  head.url = directory_.new_nonce;
  auto reply = co_await fetch(tls_, std::move(head), timeout_);
  if (!reply) co_return reply.error();
  if (!valid_nonce(reply->replay_nonce)) {
    co_return Error::runtime("the ACME server sent no valid Replay-Nonce from " +
                             directory_.new_nonce);
  }
  co_return reply->replay_nonce;
}

asio::awaitable<Result<Response>> Session::post(std::string url,
                                                std::optional<nlohmann::json> payload) {
  for (int attempt = 0;; ++attempt) {
    auto nonce = co_await next_nonce();
    if (!nonce) co_return nonce.error();
    auto body = key_.sign(url, *nonce, kid_, payload);
    if (!body) co_return body.error();
    Request request;
    request.method = "POST";
    request.url = url;
    request.body = std::move(*body);
    request.content_type = "application/jose+json";
    auto reply = co_await fetch(tls_, std::move(request), timeout_);
    if (!reply) co_return reply.error();
    keep_nonce(*reply);
    Response response{std::move(*reply), nullptr};
    if (response.reply.content_type.find("json") != std::string::npos) {
      response.json = parse_json(response.reply.body);
    }
    if (response.reply.status < 400) co_return response;
    std::string type = problem_type(response.json);
    // RFC 8555 6.5: a badNonce answer carries a fresh nonce; retry with it.
    if (type == std::string(problem_prefix) + "badNonce" && attempt < max_bad_nonce_retries) {
      ++bad_nonce_retries_;
      continue;
    }
    if (response.json.is_object()) co_return Error::runtime(problem_text(response.json));
    co_return Error::runtime("ACME request to " + url + " failed: HTTP " +
                             std::to_string(response.reply.status));
  }
}

}  // namespace bridge::cert::acme::detail
