// A real browser through an HTTPS listener that offers h2 and http/1.1 (the default
// http_protocols): the page comes over HTTP/2, and the WebSocket its script opens goes over a
// connection of its own with HTTP/1.1 (bridge does not offer RFC 8441's extended CONNECT), to
// the test backend's echo and back into the page. Real peer: Debian's chromium, headless,
// driven over the DevTools protocol.
#include "proxy_fixture.hpp"

namespace bridge::test {
namespace {

// Resolves with the page's DOM once the page's script wrote the outcome of its WebSocket into
// <pre id="out"> (the backend's /ws-page), or after 8 s with the DOM as it is.
constexpr const char* dom_after_websocket = R"(new Promise((resolve) => {
  const deadline = Date.now() + 8000;
  const check = () => {
    const out = document.getElementById("out");
    if ((out && out.textContent !== "waiting") || Date.now() > deadline)
      resolve(document.documentElement.outerHTML);
    else
      setTimeout(check, 20);
  };
  check();
}))";

class Browser : public HttpsProxy {
 protected:
  Chromium chromium_;  // declared last: it goes first, while bridge still serves it
};

TEST_F(Browser, ChromiumOpensAWebSocketOverHttp11FromAPageLoadedOverH2) {
  ASSERT_TRUE(start_backend());
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(tls_listener() + route("all", "PathPrefix(`/`)", backend_.url()), "", log));
  std::string error;
  ASSERT_TRUE(chromium_.start(tls_url("/ws-page"), &error, 10s)) << error;
  std::string dom = chromium_.evaluate(dom_after_websocket, 10s, &error);
  ASSERT_NE(dom.find("<pre id=\"out\">echo: hello from chromium</pre>"), std::string::npos)
      << "DOM: " << dom << "\nerror: " << error << "\nchromium: " << chromium_.output()
      << "\nbridge: " << bridge_.output();

  // The page wrote the echo, then closed the WebSocket: the tunnel's record follows.
  json page = access_log_entry(log, "\"path\":\"/ws-page\"");
  EXPECT_EQ(page.value("listener", ""), "secure") << page.dump();
  EXPECT_EQ(page.value("protocol", ""), "HTTP/2") << page.dump();  // ALPN chose h2
  EXPECT_EQ(page.value("status", 0), 200) << page.dump();
  json ws = access_log_entry(log, "\"path\":\"/ws\"");
  EXPECT_EQ(ws.value("listener", ""), "secure") << ws.dump();
  EXPECT_EQ(ws.value("protocol", ""), "HTTP/1.1") << ws.dump() << "\n" << read_file(log);
  EXPECT_EQ(ws.value("status", 0), 101) << ws.dump();
  EXPECT_EQ(ws.value("error", ""), "") << ws.dump();
}

}  // namespace
}  // namespace bridge::test
