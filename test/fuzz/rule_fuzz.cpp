// The Traefik rule language (core/route): parse, canonical form, match, explain, and the route
// table whose Host/path prefilters must never change which route wins.
//
// Input: the rule, optionally followed by a part separator (fuzz.hpp) and a request to match:
// a line "METHOD HOST TARGET [CLIENT-IP]" and then "Name: value" lines. Every input is also
// matched against a few fixed requests.
#include "fuzz.hpp"

#include "route/route.hpp"

#include <string>
#include <vector>

namespace {

using namespace bridge::route;

struct Request {
  std::string method, host, path, query;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string client_ip;
  std::vector<HeaderField> views;  // into `fields`

  RequestView view() {
    views.clear();
    for (const auto& [name, value] : fields) views.push_back({name, value});
    return {method, host, path, query, views, IpAddress::parse(client_ip)};
  }
};

std::vector<Request> fixed_requests() {
  std::vector<Request> out;
  out.push_back({"GET",
                 "api.localhost",
                 "/api/v1/users/42",
                 "page=2&debug&q=a+b%20c",
                 {{"X-Env", "staging"}, {"User-Agent", "curl/8.0"}, {"X-Role", "admin"}},
                 "127.0.0.1",
                 {}});
  out.push_back({"POST", "[::1]:8443", "/", "", {{"Content-Type", "application/json"}}, "::1", {}});
  out.push_back({"get",
                 "API.Localhost.:8080",
                 "/apix/..",
                 "a=1;b=2&a=%zz",
                 {{"x-env", ""}, {"X-Env", "prod"}},
                 "::ffff:10.1.2.3",
                 {}});
  out.push_back({"OPTIONS", "", "*", "", {}, "", {}});
  out.push_back({"DELETE", "xn--bcher-kva.test", "/users/{id}", "debug=", {}, "fd00::7", {}});
  return out;
}

// "METHOD HOST TARGET [IP]\nName: value\n..." -> a request; absent parts stay empty.
Request parse_request(std::string_view text) {
  Request r;
  size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  std::string* parts[] = {&r.method, &r.host, &r.path, &r.client_ip};
  for (std::string* part : parts) {
    size_t space = line.find(' ');
    part->assign(line.substr(0, space));
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  if (size_t q = r.path.find('?'); q != std::string::npos) {
    r.query = r.path.substr(q + 1);
    r.path.resize(q);
  }
  while (eol != std::string_view::npos) {
    text.remove_prefix(eol + 1);
    eol = text.find('\n');
    std::string_view field = text.substr(0, eol);
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    r.fields.emplace_back(field.substr(0, colon), value);
  }
  return r;
}

void check_rule(const Rule& rule, const Rule& canonical, RequestView view) {
  bool matched = rule.matches(view);
  BRIDGE_FUZZ_CHECK(canonical.matches(view) == matched);
  Explanation why = explain(rule, view);
  BRIDGE_FUZZ_CHECK(why.matched == matched);
}

// The table's answer is the first route, in priority order, whose rule matches.
void check_table(const Table& table, RequestView view, std::string_view listener) {
  const CompiledRoute* winner = table.match(view, listener);
  const CompiledRoute* expected = nullptr;
  for (const auto& route : table.routes()) {
    if (route.serves(listener) && route.rule.matches(view)) {
      expected = &route;
      break;
    }
  }
  BRIDGE_FUZZ_CHECK(winner == expected);
  auto decisions = table.explain_all(view, listener);
  BRIDGE_FUZZ_CHECK(decisions.size() == table.routes().size());
  const CompiledRoute* first = nullptr;
  for (const auto& d : decisions) {
    if (d.explanation.matched) {
      first = d.route;
      break;
    }
  }
  BRIDGE_FUZZ_CHECK(first == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = bridge::fuzz::split_parts(bridge::fuzz::as_text(data, size));
  std::string text(parts[0]);
  auto rule = Rule::parse(text);
  if (!rule) {
    const bridge::Error& e = rule.error();
    BRIDGE_FUZZ_CHECK(!e.message.empty());
    BRIDGE_FUZZ_CHECK(e.where.line >= 1 && e.where.column >= 1);
    return 0;
  }
  BRIDGE_FUZZ_CHECK(rule->text() == text);
  // The canonical form is a rule with the same meaning and is its own canonical form.
  std::string canonical_text = rule->canonical();
  auto canonical = Rule::parse(canonical_text);
  BRIDGE_FUZZ_CHECK(canonical.has_value());
  BRIDGE_FUZZ_CHECK(canonical->canonical() == canonical_text);

  auto table =
      Table::build({{"fuzzed", text, 0, {}},
                    {"api", "Host(`api.localhost`) && PathPrefix(`/api`)", 0, {"web"}},
                    {"same-priority", "PathPrefix(`/`)", static_cast<int64_t>(text.size()), {}},
                    {"catch-all", "PathPrefix(`/`)", 1, {"web"}}});
  BRIDGE_FUZZ_CHECK(table.has_value());

  std::vector<Request> requests = fixed_requests();
  if (parts.size() > 1) requests.push_back(parse_request(parts[1]));
  for (auto& request : requests) {
    check_rule(*rule, *canonical, request.view());
    check_table(*table, request.view(), "web");
    check_table(*table, request.view(), "admin");
  }
  return 0;
}
