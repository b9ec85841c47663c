// errors: a response whose status is in the middleware's ranges is replaced by a page from
// another upstream. The fetching is the proxy's (it knows the status only once the upstream
// answered); this says which statuses, from where, and builds the page's target.
#include "common/text.hpp"
#include "common/url.hpp"
#include "middleware/detail/kinds.hpp"

namespace bridge::middleware {
namespace detail {
namespace {

class Errors final : public Middleware {
 public:
  Errors(const std::string& name, const config::ErrorsMiddleware& o)
      : Middleware(name, "errors"), o_(o) {}

  void handle(const Request&, Effects& fx, Step& step) const override {
    fx.error_pages.push_back({&o_, fx.steps.size() - 1});
    if (!fx.explain) return;
    step.detail = "a " + join(o_.status) + " answer gets the page " + o_.query + " of " +
                  (o_.service.find("://") != std::string::npos ? o_.service
                                                               : "upstream \"" + o_.service + "\"");
  }

 private:
  config::ErrorsMiddleware o_;
};

}  // namespace

std::unique_ptr<Middleware> make_errors(const std::string& name,
                                        const config::ErrorsMiddleware& options) {
  return std::make_unique<Errors>(name, options);
}

}  // namespace detail

const ErrorPages* error_pages_for(const std::vector<ErrorPages>& pages, unsigned status) {
  for (const ErrorPages& p : pages)
    for (const config::StatusRange& range : p.options->ranges)
      if (range.contains(status)) return &p;
  return nullptr;
}

unsigned error_page_status(const config::ErrorsMiddleware& options, unsigned status) {
  for (const auto& [range, to] : options.status_rewrites)
    if (range.contains(status)) return to;
  return status;
}

std::string error_page_target(const config::ErrorsMiddleware& options, unsigned status,
                              std::string_view url) {
  const std::string shown = std::to_string(error_page_status(options, status));
  const std::string original = std::to_string(status);
  const std::string escaped = query_escape(url);
  std::string out;
  std::string_view rest = options.query;
  for (size_t at; (at = rest.find('{')) != std::string_view::npos;) {
    out.append(rest.substr(0, at));
    rest.remove_prefix(at);
    if (rest.starts_with("{status}")) {
      out += shown;
      rest.remove_prefix(8);
    } else if (rest.starts_with("{originalStatus}")) {
      out += original;
      rest.remove_prefix(16);
    } else if (rest.starts_with("{url}")) {
      out += escaped;
      rest.remove_prefix(5);
    } else {
      out += '{';
      rest.remove_prefix(1);
    }
  }
  out.append(rest);
  return out;
}

}  // namespace bridge::middleware
