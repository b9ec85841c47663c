// Compiling a config's middlewares, resolving chains, and running a chain on a request.
#include "middleware/detail/kinds.hpp"

#include <algorithm>
#include <chrono>

namespace bridge::middleware {

void Effects::clear() {
  request.clear();
  response.clear();
  target.clear();
  target_changed = false;
  answer.reset();
  compression.reset();
  retry.reset();
  buffering.reset();
  grpc_web.reset();
  auth.reset();
  error_pages.clear();
  sniff_step.reset();
  observers.clear();
  steps.clear();
  holds.clear();
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return {target, {}};
  return {target.substr(0, query), target.substr(query)};
}

namespace {

// A chain is a name for its members: resolve() puts them in its place.
class ChainMarker final : public Middleware {
 public:
  ChainMarker(std::string name, std::vector<std::string> members)
      : Middleware(std::move(name), "chain"), members_(std::move(members)) {}
  void handle(const Request&, Effects&, Step&) const override {}
  const std::vector<std::string>& members() const { return members_; }

 private:
  std::vector<std::string> members_;
};

std::unique_ptr<Middleware> compile(const config::Middleware& m) {
  if (m.headers) return detail::make_headers(m.name, *m.headers);
  if (m.redirect_scheme) return detail::make_redirect_scheme(m.name, *m.redirect_scheme);
  if (m.redirect_regex) return detail::make_redirect_regex(m.name, *m.redirect_regex);
  if (m.ip_allow_list) return detail::make_ip_allow_list(m.name, *m.ip_allow_list);
  if (m.basic_auth) return detail::make_basic_auth(m.name, *m.basic_auth);
  if (m.digest_auth) return detail::make_digest_auth(m.name, *m.digest_auth);
  if (m.errors) return detail::make_errors(m.name, *m.errors);
  if (m.content_type) return detail::make_content_type(m.name, *m.content_type);
  if (m.pass_tls_client_cert)
    return detail::make_pass_tls_client_cert(m.name, *m.pass_tls_client_cert);
  if (m.rate_limit) return detail::make_rate_limit(m.name, *m.rate_limit);
  if (m.in_flight_req) return detail::make_in_flight_req(m.name, *m.in_flight_req);
  if (m.compress) return detail::make_compress(m.name, *m.compress);
  if (m.retry) return detail::make_retry(m.name, *m.retry);
  if (m.buffering) return detail::make_buffering(m.name, *m.buffering);
  if (m.grpc_web) return detail::make_grpc_web(m.name, *m.grpc_web);
  if (m.forward_auth) return detail::make_forward_auth(m.name, *m.forward_auth);
  if (m.circuit_breaker) return detail::make_circuit_breaker(m.name, *m.circuit_breaker);
  if (m.chain) return std::make_unique<ChainMarker>(m.name, *m.chain);
  return detail::make_path_rewrite(m);
}

}  // namespace

Set::Set(const config::Config& config) {
  all_.reserve(config.middlewares.size());
  for (const config::Middleware& m : config.middlewares) all_.push_back(compile(m));
}
Set::Set(Set&&) noexcept = default;
Set& Set::operator=(Set&&) noexcept = default;
Set::~Set() = default;

const Middleware* Set::find(std::string_view name) const {
  for (const auto& m : all_)
    if (m->name() == name) return m.get();
  return nullptr;
}

Chain Set::resolve(const std::vector<std::string>& names) const {
  Chain out;
  for (const std::string& name : names) {
    const Middleware* m = find(name);
    if (m == nullptr) continue;  // the decoder refused unknown names
    if (const auto* chain = dynamic_cast<const ChainMarker*>(m)) {
      Chain members = resolve(chain->members());  // the decoder refused cycles
      out.insert(out.end(), members.begin(), members.end());
    } else {
      out.push_back(m);
    }
  }
  return out;
}

size_t run(const Chain& chain, const Request& req, Effects& fx, size_t from, size_t until) {
  // One clock read per step: each step's end is the next one's start.
  auto last = std::chrono::steady_clock::now();
  const size_t end = std::min(chain.size(), until);
  for (size_t i = from; i < end; ++i) {
    const Middleware* m = chain[i];
    Step& step = fx.steps.next();
    step.name.assign(m->name());
    step.type = m->type();
    step.detail.clear();
    m->handle(req, fx, step);
    step.outcome = fx.answer ? Outcome::Answered : Outcome::Passed;
    const auto now = std::chrono::steady_clock::now();
    step.us = std::chrono::duration_cast<std::chrono::microseconds>(now - last).count();
    last = now;
    if (fx.answer || fx.auth) return i + 1;
  }
  return end;
}

void apply_request_edits(Effects& fx, http::Fields& fields) {
  for (const FieldEdit& e : fx.request) {
    switch (e.op) {
    case FieldEdit::Op::Set:
      fields.set(e.name, e.value);
      break;
    case FieldEdit::Op::Remove:
      fields.remove(e.name);
      break;
    case FieldEdit::Op::Add:
      fields.add(e.name, e.value);
      break;
    case FieldEdit::Op::AppendToken: {
      const std::string_view had = fields.get(e.name);
      if (had.empty())
        fields.set(e.name, e.value);
      else if (!http::has_token(had, e.value))
        fields.set(e.name, std::string(had) + ", " + e.value);
      break;
    }
    }
  }
  fx.request.clear();
}

}  // namespace bridge::middleware
