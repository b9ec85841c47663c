// Route matching cost: one request against a 200-route table of Host && PathPrefix rules.
// Build with --buildtype=release; run: build-rel/test/bench/route_bench

#include "route/route.hpp"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace bridge::route;

constexpr std::array<const char*, 10> resources{"users",  "orders",  "billing", "catalog",
                                                "search", "reports", "auth",    "media",
                                                "events", "status"};

// 20 services x 10 resources, as a compose project or a k8s namespace would declare them.
std::vector<RouteSpec> specs() {
  std::vector<RouteSpec> out;
  for (int service = 0; service < 20; ++service) {
    for (const char* resource : resources) {
      std::string host = "svc-" + std::to_string(service) + ".apps.localhost";
      std::string name = "svc-" + std::to_string(service) + "-" + resource;
      out.push_back(
          RouteSpec{name, "Host(`" + host + "`) && PathPrefix(`/api/v1/" + resource + "`)", 0, {}});
    }
  }
  return out;
}

const Table& table() {
  static const Table built = [] {
    auto t = Table::build(specs());
    if (!t) std::abort();
    return std::move(*t);
  }();
  return built;
}

struct Request {
  std::string host;
  std::string path;
  std::vector<HeaderField> headers{{"Accept", "*/*"}, {"User-Agent", "curl/8.0"}};
  RequestView view() const {
    return RequestView{"GET", host, path, "page=2&size=50", headers, IpAddress::parse("127.0.0.1")};
  }
};

// The request served by the route at `position` in priority order.
Request request_for(size_t position) {
  const auto& route = table().routes().at(position);
  std::string rule = route.rule.text();  // Host(`H`) && PathPrefix(`P`)
  auto arg = [&](size_t from) {
    size_t start = rule.find('`', from) + 1;
    return rule.substr(start, rule.find('`', start) - start);
  };
  std::string host = arg(0);
  std::string prefix = arg(rule.find("PathPrefix"));
  return Request{host + ":8443", prefix + "/42"};
}

void match_at(benchmark::State& state, size_t position) {
  Request request = request_for(position);
  RequestView view = request.view();
  const CompiledRoute* expected = &table().routes().at(position);
  if (table().match(view, "web") != expected) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(table().match(view, "web"));
  }
  state.counters["routes_tried"] = static_cast<double>(position + 1);
}

void BM_MatchNearEnd(benchmark::State& state) { match_at(state, table().routes().size() - 5); }
void BM_MatchLast(benchmark::State& state) { match_at(state, table().routes().size() - 1); }
void BM_MatchFirst(benchmark::State& state) { match_at(state, 0); }

void BM_MatchNone(benchmark::State& state) {
  Request request{"unknown.apps.localhost:8443", "/api/v1/users/42"};
  RequestView view = request.view();
  if (table().match(view, "web") != nullptr) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(table().match(view, "web"));
  }
}

// A known host with an unknown path: every Host() of that service passes, then PathPrefix fails.
void BM_MatchNoneSameHost(benchmark::State& state) {
  Request request{"svc-7.apps.localhost", "/metrics"};
  RequestView view = request.view();
  if (table().match(view, "web") != nullptr) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(table().match(view, "web"));
  }
}

void BM_ExplainAll(benchmark::State& state) {
  Request request = request_for(table().routes().size() - 5);
  RequestView view = request.view();
  for (auto _ : state) {
    benchmark::DoNotOptimize(table().explain_all(view, "web"));
  }
}

void BM_BuildTable(benchmark::State& state) {
  auto input = specs();
  for (auto _ : state) {
    benchmark::DoNotOptimize(Table::build(input));
  }
}

// Without a Host() there is nothing to prefilter on: every route's AST is walked.
void BM_MatchNearEndPathOnly(benchmark::State& state) {
  std::vector<RouteSpec> path_specs;
  for (int service = 0; service < 20; ++service) {
    for (const char* resource : resources) {
      std::string prefix = "/svc-" + std::to_string(service) + "/" + resource;
      path_specs.push_back(
          RouteSpec{prefix, "PathPrefix(`" + prefix + "`) && Method(`GET`)", 0, {}});
    }
  }
  auto paths = Table::build(std::move(path_specs));
  if (!paths) std::abort();
  const CompiledRoute& target = paths->routes().at(paths->routes().size() - 5);
  Request request{"localhost:8080", target.name + "/42"};
  RequestView view = request.view();
  if (paths->match(view, "web") != &target) std::abort();
  for (auto _ : state) {
    benchmark::DoNotOptimize(paths->match(view, "web"));
  }
}

BENCHMARK(BM_MatchFirst);
BENCHMARK(BM_MatchNearEnd);
BENCHMARK(BM_MatchLast);
BENCHMARK(BM_MatchNone);
BENCHMARK(BM_MatchNoneSameHost);
BENCHMARK(BM_MatchNearEndPathOnly);
BENCHMARK(BM_ExplainAll);
BENCHMARK(BM_BuildTable);

}  // namespace

BENCHMARK_MAIN();
