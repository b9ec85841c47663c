// Limits and timeouts: route timeout, header block and body sizes, slowloris and idle
// keep-alive, and a large download streamed with bounded memory.
#include "proxy_fixture.hpp"

namespace bridge::test {
namespace {

// ---- timeouts -----------------------------------------------------------------------------

TEST_F(Proxy, SlowUpstreamIs504AfterTheRouteTimeout) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("slow", "PathPrefix(`/`)", backend_.url(), "timeout = \"500ms\"\n")));
  auto t0 = Clock::now();
  auto r = http({url("/slow?ms=3000")});
  double took = seconds_since(t0);
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 504, "upstream_timeout");
  EXPECT_GE(took, 0.4);
  EXPECT_LT(took, 2.0);
}

TEST_F(Proxy, SlowlorisIsClosedAfterTheHeaderTimeout) {
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "builtin://echo"), "header_timeout = \"500ms\""));
  RawClient client(port_);
  auto t0 = Clock::now();
  client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ");
  // Trickle a byte every 100 ms: the timeout is for the whole header block, not per read.
  bool closed = false;
  while (!closed && seconds_since(t0) < 3.0) {
    client.send("a");
    closed = client.wait_closed(100ms);
  }
  double took = seconds_since(t0);
  EXPECT_TRUE(closed) << "still open after " << took << " s";
  EXPECT_GE(took, 0.4);
  EXPECT_LT(took, 1.5);
}

TEST_F(Proxy, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo"), "idle_timeout = \"500ms\""));
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = client.read_response(3s);
  ASSERT_TRUE(r.has_value());
  auto t0 = Clock::now();
  EXPECT_TRUE(client.wait_closed(3s));
  double took = seconds_since(t0);
  EXPECT_GE(took, 0.4);
  EXPECT_LT(took, 1.5);
}

// ---- sizes --------------------------------------------------------------------------------

TEST_F(Proxy, HeaderBlockOver64KiBIs431) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  RawClient client(port_);
  client.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << "no response: " << client.last_error();
  expect_error(*r, 431, "headers_too_large");
}

TEST_F(Proxy, HeaderBlockJustUnder64KiBIsServed) {
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", "builtin://echo")));
  auto r = raw_request("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(60 * 1024, 'a') +
                       "\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
}

TEST_F(Proxy, BodyOverTheRouteLimitIs413) {
  ASSERT_TRUE(
      start(route("small", "PathPrefix(`/`)", "builtin://echo", "max_body_bytes = 1024\n")));
  auto ok = http({"--data-binary", std::string(1024, 'a'), url("/")});
  EXPECT_EQ(ok.response.status, 200) << ok.response.body;
  auto r = http({"--data-binary", std::string(2048, 'a'), url("/")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 413, "body_too_large");
}

TEST_F(Proxy, BodyOverTheGlobalLimitIs413) {
  ASSERT_TRUE(
      start(route("all", "PathPrefix(`/`)", "builtin://echo"), "max_body_bytes = \"1KiB\"\n"));
  auto r = http({"--data-binary", std::string(2048, 'a'), url("/")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 413, "body_too_large");
}

TEST_F(Proxy, ChunkedBodyOverTheLimitIs413) {
  ASSERT_TRUE(
      start(route("small", "PathPrefix(`/`)", "builtin://echo", "max_body_bytes = 1024\n")));
  RawClient client(port_);
  client.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
              "800\r\n" +
              std::string(2048, 'a') + "\r\n0\r\n\r\n");
  auto r = client.read_response(5s);
  ASSERT_TRUE(r.has_value()) << client.last_error();
  expect_error(*r, 413, "body_too_large");
}

// ---- backpressure -------------------------------------------------------------------------

TEST_F(Proxy, LargeDownloadStreamsWithBoundedMemory) {
  ASSERT_TRUE(start_nginx());
  constexpr size_t size = 200u * 1024 * 1024;
  std::string file = nginx_.root() + "/big.bin";
  write_random_file(file, size, 9);
  std::string expected = sha256_file(file);
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", nginx_.url())));
  long before = proc_status_kib(bridge_.pid());

  auto t0 = Clock::now();
  RawClient client(port_);
  client.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
  auto head = client.read_head(5s);
  ASSERT_TRUE(head.has_value()) << client.last_error();
  ASSERT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length").value_or(""), std::to_string(size));
  Sha256 hash;
  size_t got = 0;
  std::string chunk;
  // Read a little, then stall: a proxy without backpressure would now buffer the whole file.
  while (got < (1u << 20) && client.read_some(chunk, 1u << 20, 5s) > 0) {
    got += chunk.size();
    hash.update(chunk);
    chunk.clear();
  }
  // The stall is the behaviour under test, not a wait for an event: the client reads nothing
  // for this long while nginx keeps sending, and RSS must not grow with what piles up.
  std::this_thread::sleep_for(500ms);
  long stalled = proc_status_kib(bridge_.pid());
  // Give up after 60 s (a busy CI machine is slow) so a stuck relay fails this test instead
  // of the suite's timeout.
  while (got < size && seconds_since(t0) < 60.0 && client.read_some(chunk, 1u << 20, 5s) > 0) {
    got += chunk.size();
    hash.update(chunk);
    chunk.clear();
  }
  double took = seconds_since(t0) - 0.5;  // minus the deliberate stall
  EXPECT_EQ(got, size) << "after " << took << " s";
  if (got == size) {
    EXPECT_EQ(hash.hex(), expected);
  }
  long peak = proc_status_kib(bridge_.pid(), "VmHWM");
  RecordProperty("rss_before_kib", std::to_string(before));
  RecordProperty("rss_stalled_kib", std::to_string(stalled));
  RecordProperty("rss_peak_kib", std::to_string(peak));
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "RSS bounds are not meaningful under AddressSanitizer (peak " << peak << " KiB)";
#endif
  // Speed is measured by scripts/bench, not asserted here; only record it.
  RecordProperty("download_seconds", std::to_string(took));
  EXPECT_LT(stalled, 100 * 1024) << "bridge buffered the download while the client stalled";
  EXPECT_LT(peak, 100 * 1024) << "before " << before << " KiB, stalled " << stalled << " KiB";
}

}  // namespace
}  // namespace bridge::test
