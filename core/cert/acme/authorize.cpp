// Account registration and authorizations: answer each challenge, wait for it, in parallel.
#include "cert/acme/flow.hpp"
#include "common/text.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
using net::nothrow;

namespace {

std::string challenge_type(const Options& options) {
  return options.challenge == Challenge::Http01 ? "http-01" : "tls-alpn-01";
}

std::string offered_types(const std::vector<ChallengeObject>& challenges) {
  return join(challenges, ", ", &ChallengeObject::type);
}

Result<void> serve_challenge(Flow& flow, const std::string& id, const ChallengeObject& challenge) {
  const std::string& token = challenge.token;
  std::string key_auth = token + "." + flow.session.key().thumbprint();
  if (flow.http01_hooked()) {
    flow.options.http01_publish(token, key_auth);
    flow.published.push_back(token);
    return {};
  }
  if (flow.http != nullptr) {
    flow.http->add(token, key_auth);
    return {};
  }
  return flow.tls_alpn->add(id, key_auth);
}

asio::awaitable<Result<void>> validate(Flow& flow, std::string authz_url) {
  auto authz = co_await flow.session.post(authz_url, std::nullopt);
  if (!authz) co_return authz.error();
  AuthorizationObject object = decode_authorization(authz->json);
  std::string id = object.identifier.empty() ? "?" : object.identifier;
  if (object.status == "valid") {
    flow.say(id + ": already authorized");
    co_return Result<void>{};
  }
  const std::string type = challenge_type(flow.options);
  const std::vector<ChallengeObject>& challenges = object.challenges;
  auto it = std::find_if(challenges.begin(), challenges.end(),
                         [&](const ChallengeObject& c) { return c.type == type; });
  if (it == challenges.end()) {
    co_return Error::runtime(id + ": the server offers no " + type +
                                 " challenge (offers: " + offered_types(challenges) + ")",
                             "pick another --challenge");
  }
  if (auto r = serve_challenge(flow, id, *it); !r) co_return r.error();
  bool http01 = flow.options.challenge == Challenge::Http01;
  std::string port = std::to_string(http01 ? flow.options.http_port : flow.options.tls_port);
  // Through bridge's own listeners the ACME server dials whatever serves port 80 for `id`.
  std::string where = flow.http01_hooked() ? "through the plain HTTP listeners" : "on port " + port;
  flow.say(id + ": answering " + type + " " + where);
  nlohmann::json empty = nlohmann::json::object();
  std::string challenge_url = it->url;
  auto started = co_await flow.session.post(challenge_url, empty);
  if (!started) co_return Error::runtime(id + ": " + started.error().message);
  auto done = co_await poll_status(flow, authz_url, id + " authorization");
  if (!done) co_return Error::runtime(id + ": " + done.error().message, done.error().hint);
  AuthorizationObject outcome = decode_authorization(*done);
  if (outcome.status == "valid") {
    flow.say(id + ": valid");
    co_return Result<void>{};
  }
  for (const auto& c : outcome.challenges) {
    if (c.type == type && !c.error.is_null()) {
      std::string reach = flow.http01_hooked()
                              ? "a plain HTTP listener of bridge on port 80 (the port the ACME "
                                "server dials)"
                              : "this machine on port " + port;
      co_return Error::runtime(id + ": " + problem_text(c.error), "the ACME server must reach " +
                                                                      reach + " for " + id +
                                                                      "; check DNS and firewalls");
    }
  }
  co_return Error::runtime(id + ": authorization is " +
                           (outcome.status.empty() ? "?" : outcome.status));
}

}  // namespace

asio::awaitable<Result<bool>> register_account(Flow& flow) {
  nlohmann::json payload = nlohmann::json::object();
  payload["termsOfServiceAgreed"] = true;
  if (!flow.options.email.empty()) {
    payload["contact"] = nlohmann::json::array();
    payload["contact"].push_back("mailto:" + flow.options.email);
  }
  auto r = co_await flow.session.post(flow.session.directory().new_account, payload);
  if (!r) co_return Error::runtime("account: " + r.error().message, r.error().hint);
  if (r->reply.location.empty()) co_return Error::runtime("account: the server sent no Location");
  flow.session.set_kid(r->reply.location);
  co_return r->reply.status == 201;
}

asio::awaitable<Result<void>> validate_all(Flow& flow, std::vector<std::string> authz_urls) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer all_done{executor, asio::steady_timer::time_point::max()};
  size_t remaining = authz_urls.size();
  std::optional<Error> first_error;
  for (auto& url : authz_urls) {
    asio::co_spawn(executor, validate(flow, url),
                   [&](const std::exception_ptr& e, const Result<void>& r) {
                     if (e && !first_error) first_error = Error::runtime("internal error in ACME");
                     if (!r && !first_error) first_error = r.error();
                     if (--remaining == 0) all_done.cancel();
                   });
  }
  if (remaining > 0) co_await all_done.async_wait(nothrow);
  if (first_error) co_return *first_error;
  co_return Result<void>{};
}

}  // namespace bridge::cert::acme::detail
