#pragma once
// The admin API's handlers over real state: a request store, metrics, and the breakpoint
// registry bridge runs (proxy::Breakpoints); the server's own answers (status, reload,
// readiness, routes) are values the test sets.

#include "admin/detail/handlers.hpp"
#include "proxy/breakpoints.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace bridge::admin {

class AdminTest : public ::testing::Test {
 protected:
  AdminTest() {
    config.hash = "hash-1";
    config.routes.resize(2);
    config.routes[0].name = "api";
    config.routes[1].name = "web";
    auto built = route::Table::build({{"api", "Host(`api.localhost`) && PathPrefix(`/v1`)", 0, {}},
                                      {"web", "PathPrefix(`/`)", 0, {}}});
    EXPECT_TRUE(built) << built.error().message;
    table = std::move(*built);
    context.store = &store;
    context.metrics = &metrics;
    context.breakpoints = &breakpoints;
    context.requests = [] { return uint64_t{7}; };
    context.served = [this] { return ServedConfig{nullptr, &config, &table}; };
    context.routes = [] { return std::vector<RouteState>{}; };
    context.status = [] { return nlohmann::json{{"workers", 2}}; };
    context.reload = []() -> Result<std::string> { return std::string("hash-2"); };
    context.not_ready_reason = [] { return std::string(); };
    context.open_connections = [] { return uint64_t{3}; };
    context.idle_upstream_connections = [] { return uint64_t{1}; };
    context.version = "1.2.3";
    context.profile = "dev";
    context.executor = io.get_executor();
  }

  Reply call(const std::string& method, const std::string& target, const std::string& body = "") {
    return handle_request(context, {method, target, body});
  }
  static nlohmann::json json_of(const Reply& reply) { return nlohmann::json::parse(reply.body); }

  /// A finished request as the proxy stores it, routed by config "hash-1".
  trace::Record record(const std::string& id, int status, const std::string& route = "api") {
    trace::Record r;
    r.start = std::chrono::system_clock::now();
    r.request_id = id;
    r.client = "127.0.0.1";
    r.listener = "web";
    r.method = "GET";
    r.host = "api.localhost";
    r.path = "/v1/users";
    r.route = route;
    r.status = status;
    r.config_hash = std::make_shared<const std::string>("hash-1");
    return r;
  }

  boost::asio::io_context io;
  trace::Store store{16, 1};
  trace::Metrics metrics;
  proxy::Breakpoints breakpoints;
  config::Config config;
  route::Table table;
  Context context;
};

}  // namespace bridge::admin
