// errors through a real `bridge up`, as a client, the upstream and the page server see them: an
// upstream's 500 or 404 replaced by the page server's page at /{status}.html with the status
// kept, bridge's own 502 for an upstream that is down served as a 503 page (statusRewrites),
// statuses outside the ranges relayed as they came, a page server that is down leaving the
// upstream's answer to go on, HTTP/2 clients, and the record's words for each. Real peers: curl
// and two in-process recording upstreams (one the app, one the page server).
#include "middleware_fixture.hpp"
#include "recording_upstream.hpp"

namespace bridge::test {
namespace {

class Errors : public MiddlewareProxy {
 protected:
  // The app's route through an errors middleware whose pages come from `service`.
  ::testing::AssertionResult start_pages(const std::string& service, const std::string& app_url) {
    return start_with_admin(R"toml(
[middlewares.pages.errors]
status = ["500-599", "404"]
service = ")toml" + service +
                            R"toml("
query = "/{status}.html?from={url}"
statusRewrites = { "502-504" = 503 }

[[upstreams]]
name = "error-pages"
targets = [")toml" + pages_.url() +
                            R"toml("]

)toml" + route("app", "PathPrefix(`/`)", app_url, "middlewares = [\"pages\"]"));
  }
  // The one middleware step of request `id`'s record.
  json step_of(const HttpResponse& r) {
    json rec = record(r.header("X-Request-ID").value_or(""));
    EXPECT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
    return rec["middlewares"].empty() ? json::object() : rec["middlewares"][0];
  }

  RecordingUpstream app_{"app"};
  RecordingUpstream pages_{"pages"};
};

TEST_F(Errors, AnUpstreamsErrorIsReplacedByThePageWithItsStatusKept) {
  ASSERT_TRUE(start_pages("error-pages", app_.url()));
  auto r = http({"-H", "Accept: text/html", url("/status/500/orders?id=7")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(r.response.body, "upstream pages\n");
  EXPECT_EQ(r.response.header("Content-Type").value_or(""), "text/plain");
  EXPECT_EQ(r.response.header("Content-Length").value_or(""), "15");
  const std::string id = r.response.header("X-Request-ID").value_or("");
  EXPECT_EQ(id.size(), 32u);
  // The page server was asked for the status's page, with the request's Host, Accept and id.
  auto asked = pages_.last();
  ASSERT_TRUE(asked.has_value());
  EXPECT_EQ(asked->method, "GET");
  EXPECT_EQ(asked->target, "/500.html?from=%2Fstatus%2F500%2Forders%3Fid%3D7");
  EXPECT_EQ(asked->header("Host").value_or(""), host());
  EXPECT_EQ(asked->header("Accept").value_or(""), "text/html");
  EXPECT_EQ(asked->header("X-Request-ID").value_or(""), id);
  EXPECT_EQ(app_.count(), 1u);

  json step = step_of(r.response);
  EXPECT_EQ(step.value("type", ""), "errors");
  EXPECT_EQ(step.value("outcome", ""), "answered");
  const std::string detail = step.value("detail", "");
  EXPECT_TRUE(detail.starts_with("500 → page /500.html?from=%2Fstatus%2F500%2Forders%3Fid%3D7 of "
                                 "upstream \"error-pages\" at " +
                                 pages_.url() + " (200, 15 bytes, "))
      << detail;

  auto missing = http({url("/status/404")});
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(missing.response.body, "upstream pages\n");
  EXPECT_EQ(pages_.last()->target, "/404.html?from=%2Fstatus%2F404");
}

TEST_F(Errors, StatusesOutsideTheRangesAndSuccessesGoOnAsTheyCame) {
  ASSERT_TRUE(start_pages("error-pages", app_.url()));
  auto forbidden = http({url("/status/403")});
  EXPECT_EQ(forbidden.response.status, 403);
  EXPECT_EQ(forbidden.response.body, "upstream app 403\n");
  auto ok = http({url("/fine")});
  EXPECT_EQ(ok.response.status, 200);
  EXPECT_EQ(ok.response.body, "upstream app\n");
  EXPECT_EQ(pages_.count(), 0u) << "the page server was asked for a status nobody named";
  // The keep-alive connection goes on after a page (its upstream's body was never read).
  auto both = http({url("/status/503"), url("/fine")});
  ASSERT_EQ(both.exit, 0) << both.err;
  EXPECT_EQ(both.response.status, 503);
  EXPECT_NE(both.response.body.find("upstream pages\nHTTP/1.1 200 OK"), std::string::npos)
      << both.response.body;
}

TEST_F(Errors, AnUpstreamThatIsDownGetsThePageWithTheRewrittenStatus) {
  const uint16_t closed = free_port();
  ASSERT_TRUE(start_pages("error-pages", "http://127.0.0.1:" + std::to_string(closed)));
  auto r = http({url("/orders")});
  EXPECT_EQ(r.response.status, 503) << "statusRewrites: 502-504 → 503";
  EXPECT_EQ(r.response.body, "upstream pages\n");
  EXPECT_EQ(pages_.last()->target, "/503.html?from=%2Forders");
  json rec = record(r.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec.value("status", 0), 503);
  EXPECT_TRUE(rec.value("error", "").starts_with("upstream_unreachable: cannot reach upstream"))
      << rec.dump();
}

TEST_F(Errors, APageServerThatIsDownLeavesTheUpstreamsAnswer) {
  const std::string down = "http://127.0.0.1:" + std::to_string(free_port());
  ASSERT_TRUE(start_pages(down, app_.url()));
  auto r = http({url("/status/500")});
  EXPECT_EQ(r.response.status, 500);
  EXPECT_EQ(r.response.body, "upstream app 500\n");
  json step = step_of(r.response);
  EXPECT_EQ(step.value("outcome", ""), "passed");
  EXPECT_EQ(step.value("detail", ""), "500 → page /500.html?from=%2Fstatus%2F500 of " + down +
                                          " not fetched (connect: Connection refused); the "
                                          "upstream's answer went on");
}

// A page upstream whose compose:// target has no address (no compose file here): the answer goes
// on as it came, and the record says why.
TEST_F(Errors, APageUpstreamWithoutAnAddressLeavesTheAnswer) {
  const std::string closed = "http://127.0.0.1:" + std::to_string(free_port());
  ASSERT_TRUE(start_with_admin(R"toml(
[middlewares.pages.errors]
status = ["500-599"]
service = "pages"

[[upstreams]]
name = "pages"
targets = ["compose://pages:80"]

)toml" + route("app", "PathPrefix(`/`)", closed, "middlewares = [\"pages\"]")));
  auto r = http({url("/orders")});
  EXPECT_EQ(r.response.status, 502);
  EXPECT_EQ(r.response.header("Content-Type").value_or(""), "application/json");
  json step = step_of(r.response);
  EXPECT_EQ(step.value("detail", ""),
            "502 → page / of upstream \"pages\": no address to ask; the upstream's answer went on");
}

TEST_F(Errors, HttpTwoClientsGetThePageToo) {
  ASSERT_TRUE(start_pages("error-pages", app_.url()));
  auto r = h2({url("/status/502")});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.response.status, 503);
  EXPECT_EQ(r.response.body, "upstream pages\n");
  EXPECT_EQ(pages_.last()->target, "/503.html?from=%2Fstatus%2F502");
}

// route test says what the middleware would do; it fetches nothing.
TEST_F(Errors, RouteTestExplainsTheMiddleware) {
  ASSERT_TRUE(start_pages("error-pages", app_.url()));
  auto plan =
      run_bridge({"route", "test", "--config-dir", bridge_.config_dir(), "--json", url("/orders")});
  ASSERT_EQ(plan.status, 0) << plan.out << plan.err;
  json j = parse_json(plan.out);
  ASSERT_EQ(j["middlewares"].size(), 1u) << plan.out;
  EXPECT_EQ(j["middlewares"][0].value("detail", ""),
            "a 500-599, 404 answer gets the page /{status}.html?from={url} of upstream "
            "\"error-pages\"");
  EXPECT_EQ(pages_.count(), 0u);
}

}  // namespace
}  // namespace bridge::test
