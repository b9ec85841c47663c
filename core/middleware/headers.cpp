// Traefik's `headers` middleware: custom request and response fields, the security headers,
// and CORS. A preflight is answered here and never forwarded; on other requests the CORS
// fields are added to the response. Every decision is put into words for records and
// `route test`, because CORS is where users get lost.
#include "common/text.hpp"
#include "middleware/detail/kinds.hpp"

#include <re2/re2.h>

#include <algorithm>

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains_token(const std::vector<std::string>& list, std::string_view token) {
  return std::any_of(list.begin(), list.end(),
                     [&](const std::string& s) { return s == "*" || iequals(s, token); });
}

class Headers final : public Middleware {
 public:
  Headers(const std::string& name, const config::HeadersMiddleware& o)
      : Middleware(name, "headers"), o_(o) {
    for (const auto& pattern : o.allow_origin_list_regex)
      origin_regexes_.push_back(std::make_unique<RE2>(pattern));
    allow_methods_ = join(o.allow_methods, ",");
    allow_headers_ = join(o.allow_headers, ",");
    expose_headers_ = join(o.expose_headers, ",");
    if (o.max_age) max_age_ = std::to_string(*o.max_age);
    if (o.sts_seconds > 0) {
      sts_ = "max-age=" + std::to_string(o.sts_seconds);
      if (o.sts_include_subdomains) sts_ += "; includeSubDomains";
      if (o.sts_preload) sts_ += "; preload";
    }
    frame_options_ = !o.custom_frame_options_value.empty() ? o.custom_frame_options_value
                     : o.frame_deny                        ? "DENY"
                                                           : "";
    xss_ = !o.custom_browser_xss_value.empty() ? o.custom_browser_xss_value
           : o.browser_xss_filter              ? "1; mode=block"
                                               : "";
    summary_ = summary();
    cors_ = o.has_cors();
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    if (!o_.is_development && !o_.allowed_hosts.empty() && !host_allowed(req, step)) {
      fx.answer = Answer{500, {}, "host " + std::string(req.host) + " is not in allowedHosts"};
      step.detail = "host " + std::string(req.host) + " is not in allowedHosts → 500";
      return;
    }
    // Origin is looked up only by a middleware with CORS options.
    const std::string_view origin = cors_ ? req.fields->get("Origin") : std::string_view();
    const bool preflight = cors_ && req.method == "OPTIONS" && !origin.empty() &&
                           !req.fields->get("Access-Control-Request-Method").empty();
    if (preflight) return answer_preflight(req, origin, fx, step);
    for (const auto& [name, value] : o_.custom_request_headers)
      fx.request.add(value.empty() ? Op::Remove : Op::Set, name, value);
    if (!origin.empty()) cors_response(origin, fx, step);
    for (const auto& [name, value] : o_.custom_response_headers)
      fx.response.add(value.empty() ? Op::Remove : Op::Set, name, value);
    security_headers(req, fx);
    if (step.detail.empty() && fx.explain) step.detail = summary_;
  }

 private:
  // The host as a proxy in front reported it (hostsProxyHeaders), else Host; with or without
  // its port.
  bool host_allowed(const Request& req, Step&) const {
    std::string_view host = req.host;
    for (const auto& name : o_.hosts_proxy_headers)
      if (auto v = req.fields->get(name); !v.empty()) {
        host = v;
        break;
      }
    std::string_view bare = host;
    if (auto colon = bare.rfind(':'); colon != std::string_view::npos && bare.back() != ']')
      bare = bare.substr(0, colon);
    return std::any_of(o_.allowed_hosts.begin(), o_.allowed_hosts.end(),
                       [&](const std::string& h) { return iequals(h, host) || iequals(h, bare); });
  }

  // Which entry of the allow lists an origin matched.
  struct OriginMatch {
    std::string_view allow;  // the Access-Control-Allow-Origin value; empty: not allowed
    enum class By : uint8_t { None, Wildcard, List, Regex } by = By::None;
    size_t index = 0;
  };

  OriginMatch match_origin(std::string_view origin) const {
    for (size_t i = 0; i < o_.allow_origin_list.size(); ++i) {
      const std::string& entry = o_.allow_origin_list[i];
      if (entry == "*") return {"*", OriginMatch::By::Wildcard, i};
      if (entry == origin) return {origin, OriginMatch::By::List, i};
    }
    for (size_t i = 0; i < origin_regexes_.size(); ++i)
      if (RE2::FullMatch(origin, *origin_regexes_[i])) return {origin, OriginMatch::By::Regex, i};
    return {};
  }

  // The match in words, built only when a step is explained or the origin refused.
  std::string why(const OriginMatch& m) const {
    const std::string at = "[" + std::to_string(m.index) + "]";
    switch (m.by) {
    case OriginMatch::By::Wildcard:
      return "accessControlAllowOriginList" + at + " is \"*\"";
    case OriginMatch::By::List:
      return "matched accessControlAllowOriginList" + at;
    case OriginMatch::By::Regex:
      return "matched accessControlAllowOriginListRegex" + at;
    case OriginMatch::By::None:
      break;
    }
    return "not in accessControlAllowOriginList" +
           std::string(origin_regexes_.empty() ? "" : " or accessControlAllowOriginListRegex");
  }

  void answer_preflight(const Request& req, std::string_view origin, Effects& fx,
                        Step& step) const {
    Answer answer{204, {}, "CORS preflight"};
    const OriginMatch match = match_origin(origin);
    const std::string_view allow = match.allow;
    const std::string reason = why(match);
    if (o_.allow_credentials)
      answer.fields.emplace_back("Access-Control-Allow-Credentials", "true");
    if (!allow_headers_.empty())
      answer.fields.emplace_back("Access-Control-Allow-Headers", allow_headers_);
    if (!allow_methods_.empty())
      answer.fields.emplace_back("Access-Control-Allow-Methods", allow_methods_);
    if (!allow.empty())
      answer.fields.emplace_back("Access-Control-Allow-Origin", std::string(allow));
    if (!max_age_.empty()) answer.fields.emplace_back("Access-Control-Max-Age", max_age_);
    if (o_.add_vary_header) answer.fields.emplace_back("Vary", "Origin");
    fx.answer = std::move(answer);
    step.detail = "preflight from " + std::string(origin) + " answered 204";
    if (allow.empty()) {
      step.detail += " without Access-Control-Allow-Origin: origin not allowed (" + reason +
                     "), so the browser will block the request";
      return;
    }
    step.detail += " (" + (reason.starts_with("matched") ? "origin " + reason : reason) + ")";
    // What the browser checks next, so the explanation says why it would still fail.
    const std::string_view method = req.fields->get("Access-Control-Request-Method");
    const bool simple_method = method == "GET" || method == "HEAD" || method == "POST";
    if (!simple_method && !contains_token(o_.allow_methods, method))
      step.detail += "; but method " + std::string(method) +
                     " is not in accessControlAllowMethods: the browser will block it";
    std::string_view requested = req.fields->get("Access-Control-Request-Headers");
    for (std::string_view rest = requested; !rest.empty();) {
      const size_t comma = rest.find(',');
      std::string_view name = trim_ows(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!name.empty() && !contains_token(o_.allow_headers, name)) {
        step.detail += "; but header " + std::string(name) +
                       " is not in accessControlAllowHeaders: the browser will block it";
        break;
      }
    }
  }

  void cors_response(std::string_view origin, Effects& fx, Step& step) const {
    const OriginMatch match = match_origin(origin);
    if (match.allow.empty()) {
      step.detail = "origin " + std::string(origin) + " not allowed (" + why(match) +
                    "): no Access-Control-Allow-Origin will be sent";
    } else {
      const bool wildcard = match.by == OriginMatch::By::Wildcard;
      fx.response.add(Op::Set, "Access-Control-Allow-Origin", match.allow);
      if (o_.allow_credentials)
        fx.response.add(Op::Set, "Access-Control-Allow-Credentials", "true");
      if (!expose_headers_.empty())
        fx.response.add(Op::Set, "Access-Control-Expose-Headers", expose_headers_);
      if (fx.explain)
        step.detail = "origin " + std::string(origin) + " allowed (" + why(match) +
                      (wildcard ? "): Access-Control-Allow-Origin: *" : ")");
    }
    // The answer depends on Origin whenever the list is not just "*": caches must know.
    if (o_.add_vary_header) fx.response.add(Op::AppendToken, "Vary", "Origin");
  }

  void security_headers(const Request& req, Effects& fx) const {
    auto set = [&fx](std::string_view name, const std::string& value) {
      if (!value.empty()) fx.response.add(Op::Set, name, value);
    };
    if (!sts_.empty() && !o_.is_development && (req.scheme == "https" || o_.force_sts_header))
      set("Strict-Transport-Security", sts_);
    set("X-Frame-Options", frame_options_);
    if (o_.content_type_nosniff) set("X-Content-Type-Options", "nosniff");
    set("X-XSS-Protection", xss_);
    set("Content-Security-Policy", o_.content_security_policy);
    set("Content-Security-Policy-Report-Only", o_.content_security_policy_report_only);
    set("Public-Key-Pins", o_.public_key);
    set("Referrer-Policy", o_.referrer_policy);
    set("Permissions-Policy", o_.permissions_policy);
  }

  // What the middleware does to a request without an Origin, in words (built once).
  std::string summary() const {
    std::vector<std::string> parts;
    if (!o_.custom_request_headers.empty())
      parts.push_back(std::to_string(o_.custom_request_headers.size()) + " request header(s)");
    if (!o_.custom_response_headers.empty())
      parts.push_back(std::to_string(o_.custom_response_headers.size()) + " response header(s)");
    if (!sts_.empty() || !frame_options_.empty() || o_.content_type_nosniff || !xss_.empty() ||
        !o_.content_security_policy.empty() || !o_.referrer_policy.empty() ||
        !o_.permissions_policy.empty())
      parts.push_back("security headers");
    if (o_.has_cors()) parts.push_back("CORS: no Origin in the request");
    return parts.empty() ? "nothing to do" : join(parts, ", ");
  }

  config::HeadersMiddleware o_;
  std::vector<std::unique_ptr<RE2>> origin_regexes_;
  std::string allow_methods_, allow_headers_, expose_headers_, max_age_, sts_, frame_options_, xss_,
      summary_;
  bool cors_ = false;
};

}  // namespace

std::unique_ptr<Middleware> make_headers(const std::string& name,
                                         const config::HeadersMiddleware& options) {
  return std::make_unique<Headers>(name, options);
}

}  // namespace bridge::middleware::detail
