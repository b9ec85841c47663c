// redirectScheme and redirectRegex: answer with a redirect instead of forwarding.
#include "middleware/detail/kinds.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

namespace bridge::middleware::detail {

unsigned redirect_status(std::string_view method, bool permanent) {
  const bool get = method == "GET";
  if (permanent) return get ? 301 : 308;
  return get ? 302 : 307;
}

std::string re2_rewrite(std::string_view go_template, const RE2& regex) {
  const auto& named = regex.NamedCapturingGroups();
  std::string out;
  for (size_t i = 0; i < go_template.size(); ++i) {
    const char c = go_template[i];
    if (c == '\\') {
      out += "\\\\";
      continue;
    }
    if (c != '$' || i + 1 == go_template.size()) {
      out += c;
      continue;
    }
    if (go_template[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    // $name or ${name}: the longest run of letters, digits and _ (Go's Expand).
    const bool braced = go_template[i + 1] == '{';
    size_t start = i + (braced ? 2 : 1), end = start;
    while (end < go_template.size() &&
           (std::isalnum(static_cast<unsigned char>(go_template[end])) != 0 ||
            go_template[end] == '_'))
      ++end;
    if (end == start || (braced && (end == go_template.size() || go_template[end] != '}'))) {
      out += c;  // not a reference: kept as written
      continue;
    }
    std::string_view ref = go_template.substr(start, end - start);
    int group = -1;
    if (std::all_of(ref.begin(), ref.end(), [](char d) { return d >= '0' && d <= '9'; }))
      group = ref.size() > 2 ? 1000 : std::stoi(std::string(ref));
    else if (auto it = named.find(std::string(ref)); it != named.end())
      group = it->second;
    // A group that does not exist expands to nothing, as in Go; RE2 allows \0 to \9.
    if (group >= 0 && group <= std::min(9, regex.NumberOfCapturingGroups()))
      out += "\\" + std::to_string(group);
    i = braced ? end : end - 1;
  }
  return out;
}

namespace {

class RedirectScheme final : public Middleware {
 public:
  RedirectScheme(const std::string& name, const config::RedirectSchemeMiddleware& o)
      : Middleware(name, "redirectScheme"), o_(o) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    std::string_view host = req.host;
    std::string_view port;
    if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.back() != ']') {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    const std::string_view default_port = o_.scheme == "https"  ? "443"
                                          : o_.scheme == "http" ? "80"
                                                                : "";
    std::string_view new_port = o_.port.empty() ? std::string_view() : std::string_view(o_.port);
    if (new_port == default_port) new_port = {};
    const std::string_view old_default = req.scheme == "https" ? "443" : "80";
    if (port == old_default) port = {};
    if (req.scheme == o_.scheme && (o_.port.empty() || port == new_port)) {
      if (fx.explain)
        step.detail =
            "already " + o_.scheme + (port.empty() ? "" : " on port " + std::string(port));
      return;
    }
    std::string location = o_.scheme + "://" + std::string(host);
    if (!new_port.empty()) location += ":" + std::string(new_port);
    location += fx.current_target(req);
    const unsigned status = redirect_status(req.method, o_.permanent);
    step.detail = "redirect " + std::to_string(status) + " to " + location;
    fx.answer = Answer{status, {{"Location", std::move(location)}}, {}};
  }

 private:
  config::RedirectSchemeMiddleware o_;
};

class RedirectRegex final : public Middleware {
 public:
  RedirectRegex(const std::string& name, const config::RedirectRegexMiddleware& o)
      : Middleware(name, "redirectRegex"), o_(o), regex_(o.regex),
        rewrite_(re2_rewrite(o.replacement, regex_)) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    const std::string url = std::string(req.scheme) + "://" + std::string(req.host) +
                            std::string(fx.current_target(req));
    std::string location = url;
    if (RE2::GlobalReplace(&location, regex_, rewrite_) == 0) {
      if (fx.explain) step.detail = url + " does not match " + o_.regex;
      return;
    }
    if (location == url) {
      step.detail = url + " is already where the regex leads";
      return;
    }
    const unsigned status = redirect_status(req.method, o_.permanent);
    step.detail = "redirect " + std::to_string(status) + " to " + location;
    fx.answer = Answer{status, {{"Location", std::move(location)}}, {}};
  }

 private:
  config::RedirectRegexMiddleware o_;
  RE2 regex_;
  std::string rewrite_;
};

}  // namespace

std::unique_ptr<Middleware> make_redirect_scheme(const std::string& name,
                                                 const config::RedirectSchemeMiddleware& options) {
  return std::make_unique<RedirectScheme>(name, options);
}

std::unique_ptr<Middleware> make_redirect_regex(const std::string& name,
                                                const config::RedirectRegexMiddleware& options) {
  return std::make_unique<RedirectRegex>(name, options);
}

}  // namespace bridge::middleware::detail
