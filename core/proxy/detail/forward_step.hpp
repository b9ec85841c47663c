#pragma once
// What forward() and the exchanges it runs with an upstream share: how one attempt ended, and
// the exchange over an HTTP/2 upstream (forward_h2.cpp).

#include "proxy/detail/exchange.hpp"
#include "proxy/detail/h2_upstream.hpp"

#include <memory>
#include <string_view>

namespace bridge::proxy {

/// How one attempt with an upstream ended: done (answered), to be tried again on another
/// connection (nothing was processed), failed with an error to answer, or answered with what a
/// buffering middleware's retryExpression throws away (the request goes again, a new attempt).
enum class Step { Done, Retry, Failed, Replay };

/// Moved from step to step of every request: the error it may carry is behind a pointer, so
/// that a step that went well moves no strings.
struct StepResult {
  Step step = Step::Done;
  Outcome outcome = Outcome::Close;
  std::unique_ptr<ErrorReply> error;  // set when step is Failed (or a Retry that may fail)
  bool upstream_reusable = false;
  // Failed with a network error before any response byte (a retry middleware may try again).
  bool unanswered = false;
};

inline StepResult failed(ErrorReply error) {
  StepResult result;
  result.step = Step::Failed;
  result.error = std::make_unique<ErrorReply>(std::move(error));
  return result;
}

/// failed(), by a connection that broke before the upstream answered.
inline StepResult failed_unanswered(ErrorReply error) {
  StepResult result = failed(std::move(error));
  result.unanswered = true;
  return result;
}

/// Over an HTTP/2 upstream: the request on a stream of `session`, its body pumped up (while the
/// response comes back, for an HTTP/2 client: gRPC streams both ways), then the response head,
/// body and trailers through the client's codec.
template <class Client>
asio::awaitable<StepResult> exchange_over_h2(Client& client, Exchange& ex,
                                             H2UpstreamSession& session, std::string_view scheme);

}  // namespace bridge::proxy
