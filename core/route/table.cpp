#include "route/detail/match.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace bridge::route {

bool CompiledRoute::serves(std::string_view listener) const {
  return listeners.empty() ||
         std::find(listeners.begin(), listeners.end(), listener) != listeners.end();
}

Result<Table> Table::build(std::vector<RouteSpec> specs, Language language) {
  Table table;
  table.routes_.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    auto& spec = specs[i];
    auto rule = Rule::parse(spec.rule, language);
    if (!rule) {
      Error error = rule.error();
      error.message = "route \"" + spec.name + "\": " + error.message;
      error.subject = spec.name;
      return error;
    }
    // Traefik's default priority is len(rule): bytes of the rule text as written.
    int64_t priority = spec.priority != 0 ? spec.priority : static_cast<int64_t>(spec.rule.size());
    table.routes_.push_back(CompiledRoute{std::move(spec.name), std::move(*rule), priority,
                                          std::move(spec.listeners), i});
  }
  std::stable_sort(
      table.routes_.begin(), table.routes_.end(),
      [](const CompiledRoute& a, const CompiledRoute& b) { return a.priority > b.priority; });
  for (const auto& route : table.routes_) {
    table.host_keys_.push_back(detail::required_host_key(*route.rule.root()));
    table.path_keys_.push_back(detail::required_path_key(*route.rule.root()));
  }
  return table;
}

const CompiledRoute* Table::match(const RequestView& request, std::string_view listener) const {
  detail::MatchContext context(request);
  // Most routes name a host: one integer compare rules them out before the AST is walked.
  // Most routes name a path prefix too: a masked compare of its first 8 bytes does the same.
  uint64_t key = detail::host_key(context.host());
  uint64_t path = detail::path_word(request.path);
  for (size_t i = 0; i < routes_.size(); ++i) {
    if (host_keys_[i] != 0 && host_keys_[i] != key) continue;
    if ((path & path_keys_[i].mask) != path_keys_[i].bits) continue;
    const CompiledRoute& route = routes_[i];
    if (!route.serves(listener)) continue;
    if (detail::evaluate(*route.rule.root(), context)) return &route;
  }
  return nullptr;
}

std::vector<RouteDecision> Table::explain_all(const RequestView& request,
                                              std::string_view listener) const {
  std::vector<RouteDecision> decisions;
  decisions.reserve(routes_.size());
  for (const auto& route : routes_) {
    if (!route.serves(listener)) {
      decisions.push_back(RouteDecision{
          &route, Explanation{false, {}, "not on listener \"" + std::string(listener) + "\"", {}}});
      continue;
    }
    decisions.push_back(RouteDecision{&route, explain(route.rule, request)});
  }
  return decisions;
}

}  // namespace bridge::route
