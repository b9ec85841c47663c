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
  for (int i = 0; i < 5; ++i) {
    store.add(0, *record("a" + std::to_string(i), "r", 200, t0 + i * 1s));
  }
  EXPECT_EQ(store.size(), 2u);
  EXPECT_EQ(store.find("a0"), nullptr);
  ASSERT_NE(store.find("a4"), nullptr);
  auto all = store.query({}, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->request_id, "a4");  // newest first
  EXPECT_EQ(all[1]->request_id, "a3");
}

TEST(Store, GivesBackEveryFieldOfAStoredRecord) {
  Record r;
  r.start = std::chrono::system_clock::now();
  r.request_id = "req-1";
  r.trace = next_span(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  r.client = "127.0.0.1";
  r.listener = "web";
  r.scheme = "https";
  r.method = "POST";
  r.host = "shop.localhost:8443";
  r.path = "/api/orders";
  r.query = "a=1&b=2";
  r.route = "api";
  r.upstream = "orders";
  r.target = "http://127.0.0.1:9000";
  r.error = "upstream failed mid-response";
  r.config_hash = std::make_shared<const std::string>("abc123");
  r.status = 502;
  r.grpc_status = 14;
  r.protocol = "HTTP/2";
  r.stream_id = 7;
  r.bytes_in = 12345;
  r.bytes_out = 678;
  r.mark(Phase::HeadParsed, 10);
  r.mark(Phase::Done, 990);
  r.request_in = Headers{{"Host", "shop.localhost:8443"}, {"Authorization", "<redacted>"}};
  r.request_out = Headers{{"X-Request-ID", "req-1"}, {"X-Empty", ""}};
  r.response_in = Headers{{"Content-Length", "0"}, {"Connection", "close"}, {"Server", "up"}};
  r.response_out = Headers{{"X-Request-ID", "req-1"}};  // as a change to response_in:
  r.response_out_edit = {true, {1}};                    // Connection dropped, the id added
  r.breakpoints.push_back({"bp-1", "request", "continue", 1500});
  Store store(10, 1);
  store.add(0, r);
  RecordPtr back = store.find("req-1");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->start, r.start);
  EXPECT_EQ(back->trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(back->parent_span_id(), "00f067aa0ba902b7");
  EXPECT_EQ(back->span_id(), r.span_id());
  for (auto [got, want] : {std::pair{&back->client, &r.client},
                           {&back->listener, &r.listener},
                           {&back->scheme, &r.scheme},
                           {&back->method, &r.method},
                           {&back->host, &r.host},
                           {&back->path, &r.path},
                           {&back->query, &r.query},
                           {&back->route, &r.route},
                           {&back->upstream, &r.upstream},
                           {&back->target, &r.target},
                           {&back->error, &r.error}}) {
    EXPECT_EQ(*got, *want);
  }
  ASSERT_NE(back->config_hash, nullptr);
  EXPECT_EQ(*back->config_hash, "abc123");
  EXPECT_EQ(back->status, 502);
  EXPECT_EQ(back->grpc_status, 14);
  EXPECT_EQ(back->protocol, "HTTP/2");
  EXPECT_EQ(back->stream_id, 7u);
  EXPECT_EQ(back->bytes_in, 12345u);
  EXPECT_EQ(back->bytes_out, 678u);
  EXPECT_EQ(back->at(Phase::HeadParsed), 10);
  EXPECT_EQ(back->total_us(), 990);
  EXPECT_EQ(back->at(Phase::FirstByte), -1);
  EXPECT_EQ(back->request_in, r.request_in);
  EXPECT_EQ(back->request_out, r.request_out);
  EXPECT_EQ(back->response_in, r.response_in);
  EXPECT_EQ(back->response_out, r.response_out);
  EXPECT_EQ(back->request_out_edit, r.request_out_edit);
  EXPECT_EQ(back->response_out_edit, r.response_out_edit);
  EXPECT_EQ(back->full_request_out(), r.request_out);  // recorded whole
  EXPECT_EQ(back->full_response_out(),
            (Headers{{"Content-Length", "0"}, {"Server", "up"}, {"X-Request-ID", "req-1"}}));
  ASSERT_EQ(back->breakpoints.size(), 1u);
  EXPECT_EQ(back->breakpoints[0].id, "bp-1");
  EXPECT_EQ(back->breakpoints[0].action, "continue");
  EXPECT_EQ(back->breakpoints[0].held_us, 1500);
}

TEST(Store, ReusesSlotsForLargerAndSmallerRecords) {
  Store store(2, 1);
  auto t0 = std::chrono::system_clock::now();
  auto big = record("big", "r", 200, t0);
  big->request_in = Headers{{"Cookie", std::string(5000, 'c')}};
  store.add(0, *big);
  store.add(0, *record("small", "r", 200, t0 + 1s));
  store.add(0, *record("after", "r", 200, t0 + 2s));  // reuses big's slot
  big->start = t0 + 3s;
  store.add(0, *big);  // and the small slot grows for it
  EXPECT_EQ(store.find("small"), nullptr);
  ASSERT_NE(store.find("after"), nullptr);
  auto back = store.find("big");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->request_in, big->request_in);
  EXPECT_EQ(store.size(), 2u);
}

TEST(Record, ResetClearsEveryFieldButKeepsTheDefaults) {
  Record r;
  r.request_id = "x";
  r.scheme = "https";
  r.status = 200;
  r.grpc_status = 0;
  r.mark(Phase::Done, 5);
  r.request_in = Headers{{"A", "b"}};
  r.breakpoints.push_back({"bp", "request", "continue", 1});
  r.config_hash = std::make_shared<const std::string>("h");
  r.reset();
  EXPECT_TRUE(r.request_id.empty());
  EXPECT_EQ(r.scheme, "http");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.grpc_status, -1);
  EXPECT_EQ(r.total_us(), -1);
  EXPECT_TRUE(r.request_in.empty());
  EXPECT_TRUE(r.breakpoints.empty());
  EXPECT_EQ(r.config_hash, nullptr);
}

TEST(Store, QueriesAcrossShardsNewestFirstWithFilters) {
  Store store(100, 3);
  auto t0 = std::chrono::system_clock::now() - 1h;
  store.add(0, *record("x1", "api", 200, t0));
  store.add(1, *record("x2", "api", 502, t0 + 1s));
  store.add(2, *record("x3", "web", 404, t0 + 2s));
  store.add(1, *record("x4", "api", 503, std::chrono::system_clock::now()));
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
  store.add(1, *record("a", "r", 200, std::chrono::system_clock::now()));
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(store.size(), 0u);
  store.unsubscribe(token);
  store.add(1, *record("b", "r", 200, std::chrono::system_clock::now()));
  EXPECT_EQ(seen, 1);
}

TEST(Record, NamesGrpcStatusesAndIndexesProtocols) {
  EXPECT_EQ(grpc_status_name(0), "OK");
  EXPECT_EQ(grpc_status_name(12), "UNIMPLEMENTED");
  EXPECT_EQ(grpc_status_name(16), "UNAUTHENTICATED");
  EXPECT_EQ(grpc_status_name(17), "");
  EXPECT_EQ(grpc_status_name(-1), "");
  EXPECT_EQ(protocol_names[protocol_index("HTTP/2")], "HTTP/2");
  EXPECT_EQ(protocol_names[protocol_index("HTTP/1.0")], "HTTP/1.0");
  EXPECT_EQ(protocol_names[protocol_index("HTTP/1.1")], "HTTP/1.1");
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
  EXPECT_EQ(headers, (Headers{{"Host", "example.test"},
                              {"X-Empty", ""},
                              {"Accept", "a"},
                              {"Accept", std::string(70000, 'v')}}));
  headers.clear();
  EXPECT_TRUE(headers.empty());

  auto writer = headers.fill(3 + 1 + 2, 2);  // exactly sized for the fields written
  writer.add("Via", "x");
  writer.add("Ab", "");
  headers.finish(writer);
  EXPECT_EQ(headers, (Headers{{"Via", "x"}, {"Ab", ""}}));

  // Filled again with room to spare and fewer fields: the block ends where the writer did,
  // and none of the longer list before it shows through.
  headers.add("X-Long", std::string(100, 'l'));
  writer = headers.fill(200, 4);
  writer.add("A", "1");
  headers.finish(writer);
  EXPECT_EQ(headers, (Headers{{"A", "1"}}));
  EXPECT_EQ(headers.raw().size(), 4u + 1 + 4 + 1);
  Headers copy = headers;
  EXPECT_EQ(copy, headers);
  copy.assign_raw(Headers{{"B", "22"}}.raw());
  EXPECT_EQ(copy, (Headers{{"B", "22"}}));
}

// An out-list recorded as a change reads as the in-list without the dropped fields (by index,
// duplicates included), then the added ones; reset() forgets the change.
TEST(Record, OutListsRecordedAsAChangeReadInFull) {
  Record r;
  r.request_in = Headers{{"Host", "a"},
                         {"Connection", "x-hop"},
                         {"X-Hop", "1"},
                         {"Accept", "*/*"},
                         {"Accept", "text/html"}};
  r.request_out = Headers{{"X-Forwarded-For", "127.0.0.1"}, {"Accept", "json"}};
  r.request_out_edit = {true, {1, 2, 4}};
  EXPECT_EQ(
      r.full_request_out(),
      (Headers{
          {"Host", "a"}, {"Accept", "*/*"}, {"X-Forwarded-For", "127.0.0.1"}, {"Accept", "json"}}));
  r.request_out_edit.dropped.clear();  // nothing dropped: all of the in-list, then the added
  EXPECT_EQ(r.full_request_out().size(), 7u);
  r.response_out = Headers{{"Server", "bridge"}};  // an answer bridge made: whole
  EXPECT_EQ(r.full_response_out(), r.response_out);
  r.reset();
  EXPECT_FALSE(r.request_out_edit.derived);
  EXPECT_TRUE(r.request_out_edit.dropped.empty());
  EXPECT_TRUE(r.full_request_out().empty());
}

TEST(Record, RedactionMatchesNamesOfAnyLengthCaseInsensitively) {
  Redaction redaction({"Authorization", "cookie", std::string(80, 'x')});
  EXPECT_TRUE(redaction.covers("AUTHORIZATION"));
  EXPECT_TRUE(redaction.covers("Cookie"));
  EXPECT_TRUE(redaction.covers(std::string(80, 'X')));
  EXPECT_FALSE(redaction.covers("Server"));  // same length as cookie, other name
  EXPECT_FALSE(redaction.covers("Host"));
  EXPECT_FALSE(redaction.covers(std::string(81, 'x')));
  EXPECT_FALSE(Redaction({}, false).covers("Authorization"));
}

TEST(Metrics, RendersCountersAndCumulativeHistogramBuckets) {
  Metrics metrics;
  RouteSeries* api = metrics.route("api");
  EXPECT_EQ(api, metrics.route("api"));                 // created once
  api->observe(protocol_index("HTTP/1.1"), 200, 700);   // 0.7 ms
  api->observe(protocol_index("HTTP/2"), 503, 30'000);  // 30 ms
  metrics.upstream("orders")->connect_errors += 2;
  metrics.reloads_ok = 1;
  std::string text = metrics.render("0.1.0", "dev", {});
  EXPECT_NE(text.find("bridge_info{version=\"0.1.0\",profile=\"dev\"} 1\n"), std::string::npos);
  EXPECT_NE(
      text.find("bridge_requests_total{route=\"api\",code=\"2xx\",protocol=\"HTTP/1.1\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("bridge_requests_total{route=\"api\",code=\"5xx\",protocol=\"HTTP/2\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("code=\"2xx\",protocol=\"HTTP/2\""), std::string::npos) << "no empty series";
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
  metrics.route("we\"ird\\name")->observe(1, 200, 1);
  std::string text = metrics.render("v", "p", {});
  EXPECT_NE(text.find("route=\"we\\\"ird\\\\name\""), std::string::npos);
}

}  // namespace
}  // namespace bridge::trace
