// errors as pure code: which middleware of a chain serves a status (the first whose ranges
// include it), the status the client gets (statusRewrites), and the page's target with
// {status}, {originalStatus} and {url} filled in. Fetching and sending the page is the
// proxy's (test/integration/proxy/middleware_errors_test.cpp).
#include "fixture.hpp"

namespace bridge::middleware {
namespace {

using namespace test_support;

class ErrorsUnit : public Middlewares {
 protected:
  void SetUp() override {
    ASSERT_TRUE(load(R"toml(
[middlewares.pages.errors]
status = ["500-599", "404"]
service = "error-pages"
query = "/{status}.html?was={originalStatus}&from={url}"
statusRewrites = { "502-504" = 503 }

[middlewares.teapot.errors]
status = ["418", "500"]
service = "http://127.0.0.1:9000"

[[upstreams]]
name = "error-pages"
targets = ["http://127.0.0.1:9000"]
)toml"));
  }
  const config::ErrorsMiddleware& options(const std::string& name) {
    return *config_.find_middleware(name)->errors;
  }
};

TEST_F(ErrorsUnit, TheChainNotesEachErrorsMiddlewareAndRouteTestSaysWhatItServes) {
  run_on(std::vector<std::string>{"pages", "teapot"}, request("GET", "/x"));
  EXPECT_FALSE(fx_.answer.has_value()) << "errors never answers a request itself";
  ASSERT_EQ(fx_.error_pages.size(), 2u);
  EXPECT_EQ(fx_.error_pages[0].step, 0u);
  EXPECT_EQ(fx_.error_pages[1].step, 1u);
  EXPECT_EQ(fx_.steps[0].detail,
            "a 500-599, 404 answer gets the page /{status}.html?was={originalStatus}&from={url} "
            "of upstream \"error-pages\"");
  EXPECT_EQ(fx_.steps[1].detail, "a 418, 500 answer gets the page / of http://127.0.0.1:9000");
}

TEST_F(ErrorsUnit, TheFirstMiddlewareWhoseRangesIncludeTheStatusServesIt) {
  run_on(std::vector<std::string>{"pages", "teapot"}, request("GET", "/x"));
  const auto& pages = fx_.error_pages;
  auto served_by = [&](unsigned status) -> std::string {
    const ErrorPages* p = error_pages_for(pages, status);
    return p == nullptr ? "none" : fx_.steps[p->step].name;
  };
  EXPECT_EQ(served_by(500), "pages") << "the outermost of the two that name 500";
  EXPECT_EQ(served_by(599), "pages");
  EXPECT_EQ(served_by(404), "pages");
  EXPECT_EQ(served_by(418), "teapot");
  EXPECT_EQ(served_by(403), "none");
  EXPECT_EQ(served_by(200), "none");
  EXPECT_EQ(served_by(600), "none");
}

TEST_F(ErrorsUnit, StatusRewritesChangeWhatTheClientGets) {
  EXPECT_EQ(error_page_status(options("pages"), 502), 503u);
  EXPECT_EQ(error_page_status(options("pages"), 504), 503u);
  EXPECT_EQ(error_page_status(options("pages"), 500), 500u);
  EXPECT_EQ(error_page_status(options("teapot"), 418), 418u);
}

TEST_F(ErrorsUnit, ThePagesTargetFillsInStatusOriginalStatusAndTheEscapedUrl) {
  EXPECT_EQ(error_page_target(options("pages"), 502, "/a b?x=1&y=é~"),
            "/503.html?was=502&from=%2Fa+b%3Fx%3D1%26y%3D%C3%A9~");
  EXPECT_EQ(error_page_target(options("pages"), 404, "/"), "/404.html?was=404&from=%2F");
  EXPECT_EQ(error_page_target(options("teapot"), 418, "/x"), "/");
}

TEST_F(ErrorsUnit, UnknownPlaceholdersStayAsWritten) {
  config::ErrorsMiddleware o;
  o.query = "/{status}/{nope}/{status";
  EXPECT_EQ(error_page_target(o, 500, "u"), "/500/{nope}/{status");
}

}  // namespace
}  // namespace bridge::middleware
