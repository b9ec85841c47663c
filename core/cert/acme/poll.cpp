// Waiting for the server: Retry-After when it says, a short backoff when it does not.
#include "cert/acme/flow.hpp"
#include "net/asio.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace bridge::cert::acme::detail {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using net::nothrow;

namespace {

// Pebble (and Boulder while validating) send no Retry-After; lego then sleeps 5 s per poll.
// Starting at 25 ms and doubling keeps a fast server fast and a slow one unhammered.
std::chrono::milliseconds next_delay(const Reply& reply, int attempt) {
  if (auto delay = retry_after(reply.retry_after)) return *delay;
  return std::min<std::chrono::milliseconds>(25ms * (1 << std::min(attempt, 6)), 1000ms);
}

}  // namespace

asio::awaitable<Result<nlohmann::json>> poll_status(Flow& flow, std::string url, std::string what) {
  asio::steady_timer timer{co_await asio::this_coro::executor};
  for (int attempt = 0;; ++attempt) {
    auto r = co_await flow.session.post(url, std::nullopt);
    if (!r) co_return r.error();
    std::string status = status_of(r->json);
    if (status != "pending" && status != "processing")
      co_return Result<nlohmann::json>(boost::system::in_place_value, r->json);
    auto delay = next_delay(r->reply, attempt);
    if (std::chrono::steady_clock::now() + delay > flow.deadline) {
      co_return Error::runtime(what + " is still " + status + " after " +
                                   std::to_string(flow.options.timeout.count()) + " s",
                               "the ACME server is slow or cannot reach bridge; try again later");
    }
    timer.expires_after(delay);
    co_await timer.async_wait(nothrow);
  }
}

}  // namespace bridge::cert::acme::detail
