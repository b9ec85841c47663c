// Publishing resolutions: one atomic shared_ptr per source, swapped by the io thread.
#include "detail/source.hpp"

#include <boost/asio/post.hpp>

namespace bridge::discovery::detail {

SourceBase::SourceBase(TargetUrl url, Options options)
    : url_(std::move(url)), options_(std::move(options)) {
  Resolution pending;
  pending.state = State::Pending;
  pending.description = describe(url_);
  pending.error = "not resolved yet";
  pending.updated = std::chrono::system_clock::now();
  state_.store(std::make_shared<const Resolution>(std::move(pending)));
}

std::shared_ptr<const Resolution> SourceBase::current() const { return state_.load(); }

void SourceBase::report_failure(const Endpoint& endpoint) {
  if (!executor_) return;
  boost::asio::post(executor_, [self = shared_from_this(), endpoint] {
    if (!self->stopping_) self->on_failure(endpoint);
  });
}

void SourceBase::request_stop() {
  if (!executor_) {
    mark_finished();
    return;
  }
  boost::asio::post(executor_, [self = shared_from_this()] {
    self->stopping_ = true;
    self->wake();
  });
}

void SourceBase::publish(Resolution resolution) {
  resolution.generation = ++generation_;
  resolution.ever_resolved = state_.load()->ever_resolved || resolution.state == State::Resolved;
  resolution.updated = std::chrono::system_clock::now();
  if (resolution.description.empty()) resolution.description = describe(url_);
  state_.store(std::make_shared<const Resolution>(std::move(resolution)));
}

std::string error_text(const Error& error) {
  std::string out;
  if (error.where.has_position() || !error.where.source.empty()) out = error.where.str() + ": ";
  out += error.message;
  if (!error.hint.empty()) out += "\nhint: " + error.hint;
  return out;
}

}  // namespace bridge::discovery::detail
