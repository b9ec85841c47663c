// The process around the proxy: ready when the port accepts, reload by SIGHUP or a config
// file change (a broken config keeps the old one serving), SIGTERM drains and exits 0.
#include "proxy_fixture.hpp"

#include <memory>
#include <signal.h>

namespace bridge::test {
namespace {

// ---- startup ------------------------------------------------------------------------------

// What a script does: wait until the port accepts, then use it or stop bridge. Nothing may
// accept a connection before bridge can serve it, or before SIGTERM is handled.
TEST_F(Proxy, FirstConnectionAfterThePortOpensIsServed) {
  bridge_.write_config(config(route("all", "PathPrefix(`/`)", "builtin://echo")));
  bridge_.spawn();
  std::unique_ptr<RawClient> client;
  auto deadline = Clock::now() + 5s;
  while (!client && Clock::now() < deadline && bridge_.process().running()) {
    try {
      client = std::make_unique<RawClient>(port_, 0ms);
    } catch (const std::exception&) {
    }
  }
  ASSERT_TRUE(client) << bridge_.output();
  client->send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client->read_response(3s);
  ASSERT_TRUE(r.has_value()) << "the first connection was accepted and then dropped: "
                             << client->last_error();
  EXPECT_EQ(r->status, 200);
}

TEST_F(Proxy, SigtermAsSoonAsThePortOpensExitsZero) {
  bridge_.write_config(config(route("all", "PathPrefix(`/`)", "builtin://echo")));
  bridge_.spawn();
  ASSERT_TRUE(wait_for_port(port_, 5s)) << bridge_.output();
  bridge_.process().signal(SIGTERM);
  auto status = bridge_.process().wait_exit(3s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << "143 = killed by SIGTERM before its handler was installed\n"
                        << bridge_.output();
}

// ---- reload -------------------------------------------------------------------------------

TEST_F(Proxy, SighupWithABrokenConfigKeepsServingThenAFixedOneApplies) {
  ASSERT_TRUE(start(route("old", "PathPrefix(`/old`)", "builtin://echo")));
  ASSERT_EQ(http({url("/old")}).response.status, 200);

  std::string broken = config("[[routes]]\nname = \"new\"\nrule = \"PathPrefix(`/new`)\"\n"
                              "upstrem = \"builtin://echo\"\n");
  bridge_.write_config(broken);
  std::string where =
      bridge_.config_dir() + "/dev.toml:" + std::to_string(line_number(broken, "upstrem")) + ":1";
  bridge_.process().signal(SIGHUP);
  EXPECT_TRUE(bridge_.process().wait_for_stdout(where, 3s)) << bridge_.output();  // JSON log
  EXPECT_TRUE(bridge_.process().running());
  EXPECT_EQ(http({url("/old")}).response.status, 200) << "old routes stopped serving";
  EXPECT_EQ(http({url("/new")}).response.status, 404);

  bridge_.write_config(config(route("new", "PathPrefix(`/new`)", "builtin://echo")));
  bridge_.process().signal(SIGHUP);
  EXPECT_TRUE(wait_for_status("/new", 200, 3s)) << bridge_.output();
  EXPECT_EQ(http({url("/old")}).response.status, 404);
}

TEST_F(Proxy, EditingTheConfigFileReloadsWithoutASignal) {
  ASSERT_TRUE(start(route("old", "PathPrefix(`/old`)", "builtin://echo")));
  ASSERT_EQ(http({url("/new")}).response.status, 404);
  bridge_.write_config(config(route("new", "PathPrefix(`/new`)", "builtin://echo")));
  auto t0 = Clock::now();
  EXPECT_TRUE(wait_for_status("/new", 200, 3s)) << bridge_.output();
  EXPECT_LT(seconds_since(t0), 2.5);
}

TEST_F(Proxy, ReplacingTheConfigFileByRenameReloads) {
  ASSERT_TRUE(start(route("old", "PathPrefix(`/old`)", "builtin://echo")));
  bridge_.write_config(config(route("new", "PathPrefix(`/new`)", "builtin://echo")), true);
  EXPECT_TRUE(wait_for_status("/new", 200, 3s)) << bridge_.output();
}

TEST_F(Proxy, ReloadKeepsOpenConnectionsWorking) {
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(route("old", "PathPrefix(`/`)", "builtin://echo"), "", log));
  RawClient client(port_);
  client.send("GET /before HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(client.read_response(3s).has_value());
  bridge_.write_config(config(route("renamed", "PathPrefix(`/`)", "builtin://echo"), "", log));
  bridge_.process().signal(SIGHUP);
  // The SIGHUP or the file watch, whichever comes first, applies it (the other finds no change).
  ASSERT_TRUE(logged("reloaded ("));
  client.send("GET /after HTTP/1.1\r\nHost: a\r\nX-Request-ID: after-reload\r\n\r\n");
  auto r = client.read_response(3s);
  ASSERT_TRUE(r.has_value()) << "connection dropped by reload: " << client.last_error();
  EXPECT_EQ(r->status, 200);
  // The connection opened under the old config is served by the new one.
  json line = access_log_entry(log, "after-reload");
  EXPECT_EQ(line.value("route", ""), "renamed") << line.dump() << "\n" << read_file(log);
}

// ---- shutdown -----------------------------------------------------------------------------

TEST_F(Proxy, SigtermDrainsAnInFlightRequestAndExitsZero) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  Process client({"/usr/bin/curl", "-sS", "-w", "%{http_code}", url("/slow?ms=1000")});
  ASSERT_TRUE(backend_.wait_for_output("slow /slow?ms=1000", 5s)) << bridge_.output();
  bridge_.process().signal(SIGTERM);
  // Draining closes the listeners at once, while the 1 s request is still in flight.
  EXPECT_TRUE(wait_for_port_closed(port_, 2s)) << "bridge still accepts connections";
  EXPECT_TRUE(client.running()) << "the port closed only after the in-flight request ended";
  auto client_status = client.wait_exit(5s);
  ASSERT_TRUE(client_status.has_value());
  EXPECT_EQ(*client_status, 0) << client.stderr_text();
  EXPECT_EQ(client.stdout_text(), "slow done\n200");
  auto status = bridge_.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "bridge did not exit after draining";
  EXPECT_EQ(*status, 0) << bridge_.output();
}

// A request still running when the drain timeout ends is cut off; bridge still exits 0 (the
// exchange's coroutine is destroyed with its worker, after the access log has been written).
TEST_F(Proxy, DrainTimeoutClosesTheRequestStillRunningAndExitsZero) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url()), "drain_timeout = \"300ms\"",
                    "stderr"));
  Process client({"/usr/bin/curl", "-sS", "-w", "%{http_code}", url("/slow?ms=3000")});
  ASSERT_TRUE(backend_.wait_for_output("slow /slow?ms=3000", 5s)) << bridge_.output();
  auto t0 = Clock::now();
  bridge_.process().signal(SIGTERM);
  auto status = bridge_.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value()) << "bridge did not exit after the drain timeout";
  EXPECT_EQ(*status, 0) << bridge_.output();
  EXPECT_LT(Clock::now() - t0, 2s) << "the 3 s request was waited for";
  EXPECT_NE(bridge_.output().find("drain timeout: closing 1 connection(s)"), std::string::npos)
      << bridge_.output();
  auto client_status = client.wait_exit(5s);
  ASSERT_TRUE(client_status.has_value());
  EXPECT_NE(*client_status, 0) << "the cut-off request must not look complete";
  EXPECT_EQ(client.stdout_text().find("slow done"), std::string::npos);
}

TEST_F(Proxy, SigtermWhenIdleExitsZeroQuickly) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto t0 = Clock::now();
  bridge_.process().signal(SIGTERM);
  auto status = bridge_.process().wait_exit(3s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << bridge_.output();
  EXPECT_LT(seconds_since(t0), 1.0);
}

}  // namespace
}  // namespace bridge::test
