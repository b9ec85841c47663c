// /metrics: valid Prometheus text exposition (promtool), scraped by a real Prometheus server.
#include "trace_fixture.hpp"

#include <filesystem>

namespace bridge::test {
namespace {

class Metrics : public TraceFixture {
 protected:
  // Prometheus' HTTP API: the first result of an instant query, or null.
  json query(uint16_t port, const std::string& promql) {
    auto r = curl({"-s", "-G", "--data-urlencode", "query=" + promql,
                   "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query"});
    if (r.status != 0) return nullptr;
    json j = json::parse(r.out, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
    const json& result = j["data"]["result"];
    return result.empty() ? json(nullptr) : result[0];
  }

  // Polls `promql` until its value is at least `min`; the last answer.
  json wait_value(uint16_t port, const std::string& promql, double min) {
    json last;
    for (auto deadline = Clock::now() + 60s; Clock::now() < deadline;) {
      last = query(port, promql);
      if (last.is_object() && std::stod(last["value"][1].get<std::string>()) >= min) return last;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << "no " << promql << " >= " << min << " in time; last: " << last.dump();
    return last;
  }
};

TEST_F(Metrics, ExpositionPassesPromtool) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "no promtool (prometheus)";
  ASSERT_TRUE(start());
  get("/api/m1");
  get("/other/m2");
  get("/api/m3", {"-X", "POST"});
  auto text = curl({"-s", admin() + "/metrics"});
  for (const char* name : {"bridge_requests_total", "bridge_request_duration_seconds_bucket",
                           "bridge_open_connections", "bridge_info", "bridge_reloads_total",
                           "bridge_records_dropped_total"}) {
    EXPECT_NE(text.out.find(name), std::string::npos) << name << " missing:\n" << text.out;
  }
  EXPECT_NE(text.out.find("route=\"api\""), std::string::npos) << text.out;
  auto check =
      run({"/bin/sh", "-c", "curl -sS '" + admin() + "/metrics' | promtool check metrics"});
  EXPECT_EQ(check.status, 0) << check.out << check.err << "\n" << text.out;
}

TEST_F(Metrics, PrometheusScrapesIt) {
  if (!std::filesystem::exists("/usr/bin/prometheus")) GTEST_SKIP() << "no prometheus";
  ASSERT_TRUE(start());
  for (int i = 0; i < 3; ++i) get("/api/scraped");
  uint16_t prom_port = free_port();
  std::string dir = bridge_.scratch("prometheus");
  std::filesystem::create_directories(dir + "/data");
  write_file(dir + "/prometheus.yml",
             "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
             "scrape_configs:\n  - job_name: bridge\n    scrape_interval: 1s\n"
             "    scrape_timeout: 1s\n    static_configs:\n      - targets: ['127.0.0.1:" +
                 std::to_string(admin_port_) + "']\n");
  Process prometheus({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                      "--storage.tsdb.path=" + dir + "/data",
                      "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                      "--log.level=warn"},
                     {}, dir);
  ASSERT_TRUE(wait_for_port(prom_port, 30s)) << prometheus.stderr_text();
  json up = wait_value(prom_port, "up{job=\"bridge\"}", 1);
  EXPECT_EQ(up["value"][1], "1") << up.dump() << prometheus.stderr_text();
  json requests = wait_value(prom_port, "sum(bridge_requests_total{route=\"api\"})", 3);
  EXPECT_TRUE(requests.is_object()) << prometheus.stderr_text();
  prometheus.signal(SIGTERM);
  prometheus.wait_exit(10s);
}

}  // namespace
}  // namespace bridge::test
