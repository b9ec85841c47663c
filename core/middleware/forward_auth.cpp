// forwardAuth: the chain pauses while the proxy asks an auth server about the request
// (auth_request), then takes its answer (complete_auth): a 2xx lets the request on with the
// fields the options name copied from the answer, anything else goes back to the client as the
// auth server gave it.
#include "middleware/detail/kinds.hpp"

#include "common/text.hpp"
#include "common/url.hpp"

#include <re2/re2.h>

namespace bridge::middleware {
namespace detail {
namespace {

// Fields that describe one hop or the body's framing: never copied between the request, the
// auth server and the answer (RFC 9110 7.6.1).
bool hop_or_framing(std::string_view name) {
  static constexpr std::string_view names[] = {
      "connection",          "keep-alive", "proxy-connection",
      "proxy-authenticate",  "te",         "trailer",
      "transfer-encoding",   "upgrade",    "content-length",
      "proxy-authorization", "host"};
  for (std::string_view n : names)
    if (iequals(name, n)) return true;
  return false;
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names)
    if (iequals(n, name)) return true;
  return false;
}

// "session=abc; Path=/" -> "session".
std::string_view cookie_name(std::string_view set_cookie) {
  std::string_view name = set_cookie.substr(0, set_cookie.find('='));
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  return name;
}

}  // namespace

class ForwardAuth final : public Middleware {
 public:
  ForwardAuth(const std::string& name, const config::ForwardAuthMiddleware& o)
      : Middleware(name, "forwardAuth"), o_(o), address_(*parse_http_address(o.address)) {
    if (!o_.auth_response_headers_regex.empty())
      regex_ = std::make_unique<re2::RE2>(o_.auth_response_headers_regex);
  }

  void handle(const Request&, Effects& fx, Step& step) const override {
    fx.auth = AuthCheck{this, fx.steps.size() - 1};
    if (fx.explain)
      step.detail = "asks " + o_.address +
                    " first (route test does not: the rest runs as if it answered 2xx)";
  }

  AuthRequest request_for(const Request& req) const {
    AuthRequest out{address_.host, address_.port, address_.target, {}, o_.timeout};
    out.fields.emplace_back("Host", address_.authority);
    std::string_view forwarded_for;
    for (const http::FieldRef f : *req.fields) {
      if (hop_or_framing(f.name)) continue;
      if (iequals(f.name, "x-forwarded-for")) {
        forwarded_for = f.value;
        continue;
      }
      const bool forwarded = f.name.size() > 12 && iequals(f.name.substr(0, 12), "x-forwarded-");
      if (forwarded && !o_.trust_forward_header) continue;  // set below from the request itself
      if (!forwarded && !o_.auth_request_headers.empty() &&
          !listed(o_.auth_request_headers, f.name))
        continue;
      out.fields.emplace_back(std::string(f.name), std::string(f.value));
    }
    auto set_forwarded = [&](std::string_view name, std::string_view value) {
      if (o_.trust_forward_header && req.fields->has(name)) return;  // kept from the client
      out.fields.emplace_back(std::string(name), std::string(value));
    };
    set_forwarded("X-Forwarded-Method", req.method);
    set_forwarded("X-Forwarded-Proto", req.scheme);
    set_forwarded("X-Forwarded-Host", req.host);
    set_forwarded("X-Forwarded-Uri", req.target);
    std::string chain =
        o_.trust_forward_header && !forwarded_for.empty() ? std::string(forwarded_for) + ", " : "";
    out.fields.emplace_back("X-Forwarded-For", chain + std::string(req.client_ip));
    return out;
  }

  void complete(const Request& req, AuthReply reply, int64_t us, Effects& fx) const {
    Step& step = fx.steps[fx.auth->step];
    step.us += us;
    fx.auth.reset();
    const std::string took =
        " (" + std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100) + " ms)";
    if (!reply.failure.empty()) {
      step.outcome = Outcome::Answered;
      step.detail = "cannot ask " + o_.address + ": " + reply.failure + " → 502";
      fx.answer = Answer{502,
                         {},
                         "the auth server " + o_.address + " did not answer: " + reply.failure,
                         std::nullopt};
      return;
    }
    if (reply.status >= 200 && reply.status < 300) {
      passed(req, reply, fx, step);
      step.detail = o_.address + " answered " + std::to_string(reply.status) + took + step.detail;
      return;
    }
    step.outcome = Outcome::Answered;
    step.detail = o_.address + " answered " + std::to_string(reply.status) + took +
                  ": returned to the client";
    Answer answer{reply.status,
                  {},
                  "the auth server answered " + std::to_string(reply.status),
                  std::move(reply.body)};
    for (auto& [name, value] : reply.fields) {
      if (hop_or_framing(name)) continue;
      if (iequals(name, "location") && !o_.preserve_location_header && value.starts_with('/') &&
          !value.starts_with("//"))
        value = std::string(address_.tls ? "https://" : "http://") + address_.authority + value;
      answer.fields.emplace_back(std::move(name), std::move(value));
    }
    fx.answer = std::move(answer);
  }

 private:
  // A 2xx: the named fields of the answer replace the request's (the client cannot send its
  // own X-User past the auth server), cookies it sets go to the client with the response.
  void passed(const Request& req, const AuthReply& reply, Effects& fx, Step& step) const {
    size_t copied = 0;
    for (const std::string& name : o_.auth_response_headers) {
      fx.request.add(FieldEdit::Op::Remove, name, {});
      for (const auto& [n, v] : reply.fields)
        if (iequals(n, name)) {
          fx.request.add(FieldEdit::Op::Set, n, v);
          ++copied;
          break;
        }
    }
    if (regex_) {
      for (const http::FieldRef f : *req.fields)
        if (re2::RE2::PartialMatch(f.name, *regex_))
          fx.request.add(FieldEdit::Op::Remove, f.name, {});
      for (const auto& [n, v] : reply.fields)
        if (!hop_or_framing(n) && re2::RE2::PartialMatch(n, *regex_)) {
          fx.request.add(FieldEdit::Op::Set, n, v);
          ++copied;
        }
    }
    size_t cookies = 0;
    for (const auto& [n, v] : reply.fields)
      if (iequals(n, "set-cookie") && listed(o_.add_auth_cookies_to_response, cookie_name(v))) {
        fx.response.add(FieldEdit::Op::Add, "Set-Cookie", v);
        ++cookies;
      }
    step.detail = ": passed";
    if (copied > 0) step.detail += ", " + std::to_string(copied) + " field(s) copied upstream";
    if (cookies > 0) step.detail += ", " + std::to_string(cookies) + " cookie(s) to the client";
  }

  config::ForwardAuthMiddleware o_;
  HttpAddress address_;
  std::unique_ptr<re2::RE2> regex_;
};

std::unique_ptr<Middleware> make_forward_auth(const std::string& name,
                                              const config::ForwardAuthMiddleware& options) {
  return std::make_unique<ForwardAuth>(name, options);
}

}  // namespace detail

AuthRequest auth_request(const AuthCheck& check, const Request& req) {
  return static_cast<const detail::ForwardAuth*>(check.by)->request_for(req);
}

void complete_auth(const Request& req, AuthReply reply, int64_t us, Effects& fx) {
  static_cast<const detail::ForwardAuth*>(fx.auth->by)->complete(req, std::move(reply), us, fx);
}

}  // namespace bridge::middleware
