#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <gtest/gtest.h>

namespace bridge::trace {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<Record> record(std::string id, std::string route, int status,
                 std::chrono::system_clock::time_point start) {
  auto r = std::make_shared<Record>();
  r->request_id = std::move(id);
  r->route = std::move(route);
  r->status = status;
  r->start = start;
  return r;
}

TEST(Store, KeepsTheNewestRecordsPerShardAndDropsTheOldest) {
  Store store(4, 2);  // two per shard
  auto t0 = std::chrono::system_clock::now();
  for (int i = 0; i < 5; ++i) store.add(0, record("a" + std::to_string(i), "r", 200, t0 + i * 1s));
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.find("a0"), nullptr);
  ASSERT_NE(store.find("a4"), nullptr);
  auto all = store.query({}, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->request_id, "a4");  // newest first
  EXPECT_EQ(all[1]->request_id, "a3");
}

TEST(Store, HandsBackThePushedOutRecordOnlyWhenNobodyHoldsIt) {
  Store store(1, 1);
  auto t0 = std::chrono::system_clock::now();
  EXPECT_EQ(store.add(0, record("a", "r", 200, t0)), nullptr);  // the ring had room
  RecordPtr reader = store.find("a");                            // a reader still holds "a"
  EXPECT_EQ(store.add(0, record("b", "r", 200, t0)), nullptr);
  EXPECT_EQ(reader->request_id, "a");
  auto evicted = store.add(0, record("c", "r", 200, t0));  // nobody holds "b"
  ASSERT_NE(evicted, nullptr);
  EXPECT_EQ(evicted->request_id, "b");
  evicted->reset();
  EXPECT_TRUE(evicted->request_id.empty());
  EXPECT_EQ(evicted->scheme, "http");
  EXPECT_EQ(evicted->at(Phase::Done), -1);
  EXPECT_EQ(Store(0, 1).add(0, record("d", "r", 200, t0)), nullptr);  // recording off
}

TEST(Store, QueriesAcrossShardsNewestFirstWithFilters) {
  Store store(100, 3);
  auto t0 = std::chrono::system_clock::now() - 1h;
  store.add(0, record("x1", "api", 200, t0));
  store.add(1, record("x2", "api", 502, t0 + 1s));
  store.add(2, record("x3", "web", 404, t0 + 2s));
  store.add(1, record("x4", "api", 503, std::chrono::system_clock::now()));
  RecordFilter api;
  api.route = "api";
  auto r = store.query(api, 10);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0]->request_id, "x4");
  RecordFilter errors;
  ASSERT_TRUE(parse_status_filter("5xx", errors));
  EXPECT_EQ(store.query(errors, 10).size(), 2u);
  RecordFilter not_found;
  ASSERT_TRUE(parse_status_filter("404", not_found));
  ASSERT_EQ(store.query(not_found, 10).size(), 1u);
  RecordFilter recent;
  recent.since = std::chrono::system_clock::now() - 5min;
  ASSERT_EQ(store.query(recent, 10).size(), 1u);
  EXPECT_EQ(store.query({}, 2).size(), 2u);  // the limit
}

TEST(Store, StatusFilterRejectsWhatIsNotAStatus) {
  RecordFilter f;
  EXPECT_FALSE(parse_status_filter("6xx", f));
  EXPECT_FALSE(parse_status_filter("abc", f));
  EXPECT_FALSE(parse_status_filter("99", f));
  EXPECT_FALSE(parse_status_filter("", f));
}

TEST(Store, SizeZeroTurnsRecordingOffButStillFeedsSubscribers) {
  Store store(0, 2);
  EXPECT_FALSE(store.enabled());
  int seen = 0;
  uint64_t token = store.subscribe([&](const RecordPtr&) { ++seen; });
  store.add(1, record("a", "r", 200, std::chrono::system_clock::now()));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(store.size(), 0u);
  store.unsubscribe(token);
  store.add(1, record("b", "r", 200, std::chrono::system_clock::now()));
  EXPECT_EQ(seen, 1);
}

TEST(Record, RedactionIsCaseInsensitive) {
  std::vector<std::string> redacted = {"Authorization", "cookie"};
  EXPECT_TRUE(is_redacted("authorization", redacted));
  EXPECT_TRUE(is_redacted("COOKIE", redacted));
  EXPECT_FALSE(is_redacted("X-Auth", redacted));
}

TEST(Record, HeadersKeepOrderDuplicatesAndEmptyValues) {
  Headers headers;
  EXPECT_TRUE(headers.empty());
  EXPECT_EQ(headers.begin(), headers.end());
  headers.add("Host", "example.test");
  headers.add("X-Empty", "");
  headers.add("Accept", "a");
  headers.add("Accept", std::string(70000, 'v'));  // longer than 64 KiB still round-trips
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : headers) seen.emplace_back(name, value);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(headers.size(), 4u);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::string>{"Host", "example.test"}));
  EXPECT_EQ(seen[1], (std::pair<std::string, std::string>{"X-Empty", ""}));
  EXPECT_EQ(seen[2].second, "a");
  EXPECT_EQ(seen[3].second.size(), 70000u);
  EXPECT_EQ(headers, (Headers{{"Host", "example.test"}, {"X-Empty", ""}, {"Accept", "a"},
                              {"Accept", std::string(70000, 'v')}}));
  headers.clear();
  EXPECT_TRUE(headers.empty());

  auto writer = headers.fill(3 + 1 + 2, 2);  // exactly sized for the fields written
  writer.add("Via", "x");
  writer.add("Ab", "");
  EXPECT_EQ(headers, (Headers{{"Via", "x"}, {"Ab", ""}}));
}

TEST(Record, RedactionMatchesNamesOfAnyLengthCaseInsensitively) {
  Redaction redaction({"Authorization", "cookie", std::string(80, 'x')});
  EXPECT_TRUE(redaction.covers("AUTHORIZATION"));
  EXPECT_TRUE(redaction.covers("Cookie"));
  EXPECT_TRUE(redaction.covers(std::string(80, 'X')));
  EXPECT_FALSE(redaction.covers("Server"));  // same length as cookie, other name
  EXPECT_FALSE(redaction.covers("Host"));
  EXPECT_FALSE(redaction.covers(std::string(81, 'x')));
  EXPECT_FALSE(Redaction().covers("Authorization"));
}

TEST(Metrics, RendersCountersAndCumulativeHistogramBuckets) {
  Metrics metrics;
  RouteSeries* api = metrics.route("api");
  EXPECT_EQ(api, metrics.route("api"));  // created once
  api->observe(200, 700);      // 0.7 ms
  api->observe(503, 30'000);   // 30 ms
  metrics.upstream("orders")->connect_errors += 2;
  metrics.reloads_ok = 1;
  std::string text = metrics.render("0.1.0", "dev", {});
  EXPECT_NE(text.find("bridge_info{version=\"0.1.0\",profile=\"dev\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("bridge_requests_total{route=\"api\",code=\"2xx\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("bridge_requests_total{route=\"api\",code=\"5xx\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("bridge_request_duration_seconds_bucket{route=\"api\",le=\"0.0005\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_request_duration_seconds_bucket{route=\"api\",le=\"0.001\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_request_duration_seconds_bucket{route=\"api\",le=\"0.05\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_request_duration_seconds_bucket{route=\"api\",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_request_duration_seconds_count{route=\"api\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_upstream_connect_errors_total{upstream=\"orders\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("bridge_reloads_total{result=\"ok\"} 1\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.route("we\"ird\\name")->observe(200, 1);
  std::string text = metrics.render("v", "p", {});
  EXPECT_NE(text.find("route=\"we\\\"ird\\\\name\""), std::string::npos);
}

}  // namespace
}  // namespace bridge::trace
