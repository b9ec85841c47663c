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

// The first line of a script that fetch()es from the page: DevTools may evaluate it in the
// blank document that comes before the page (whose origin is "null"); it then never resolves,
// the page's navigation destroys that context, and evaluate() tries again in the page's.
constexpr const char* in_the_page =
    "if (location.pathname !== \"/page\") await new Promise(() => {});\n";

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

// CORS as a browser enforces it: a page on one origin (the "web" listener) fetch()es an API on
// another (the "api" listener, another port). Chromium sends the preflights, bridge answers
// them (the upstream never sees one), and the browser lets through what bridge's fields allow:
// a credentialed GET reading an exposed header (and its gzip-encoded body, decoded), a PUT with
// a custom header after its preflight;
// an API whose policy names another origin is blocked (fetch rejects).
TEST_F(Browser, ChromiumEnforcesTheCorsPolicyBridgeAnswersWith) {
  ASSERT_TRUE(start_backend());
  const uint16_t api_port = free_port();
  const std::string page_origin = "http://" + host();
  const std::string api_origin = "http://127.0.0.1:" + std::to_string(api_port);
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(
      "[[listeners]]\nname = \"api\"\nbind = \"127.0.0.1:" + std::to_string(api_port) + "\"\n\n" +
          "[middlewares.api-cors.headers]\naccessControlAllowOriginList = [\"" + page_origin +
          "\"]\naccessControlAllowMethods = [\"GET\", \"PUT\"]\n"
          "accessControlAllowHeaders = [\"Content-Type\", \"X-Token\"]\n"
          "accessControlExposeHeaders = [\"X-Backend-Connection\", \"Content-Encoding\"]\n"
          "accessControlAllowCredentials = true\naccessControlMaxAge = 600\naddVaryHeader = "
          "true\n\n"
          "[middlewares.api-zip.compress]\nminResponseBodyBytes = 1\n\n"
          "[middlewares.elsewhere-cors.headers]\n"
          "accessControlAllowOriginList = [\"http://elsewhere.test\"]\n"
          "accessControlAllowMethods = [\"GET\", \"PUT\"]\n"
          "accessControlAllowHeaders = [\"Content-Type\", \"X-Token\"]\n\n" +
          route("page", "Path(`/page`)", "builtin://echo", "listeners = [\"web\"]") +
          route("api", "PathPrefix(`/api`)", backend_.url(),
                "listeners = [\"api\"]\nmiddlewares = [\"api-cors\", \"api-zip\"]") +
          route("denied", "PathPrefix(`/denied`)", backend_.url(),
                "listeners = [\"api\"]\nmiddlewares = [\"elsewhere-cors\"]"),
      "", log));
  ASSERT_TRUE(wait_for_port(api_port, 5s));
  std::string error;
  ASSERT_TRUE(chromium_.start(url("/page"), &error, 10s)) << error;
  const std::string script = std::string(R"((async () => {
)") + in_the_page + R"(
  const api = ")" + api_origin +
                             R"(";
  const out = [];
  const header = (echo, name) => {
    const h = echo.headers.find((f) => f[0].toLowerCase() === name);
    return h ? h[1] : "<absent>";
  };
  try {
    const r = await fetch(api + "/api/items", { credentials: "include" });
    const echo = await r.json();
    out.push("get " + r.status + " " + echo.method + " exposed=" +
             (r.headers.get("X-Backend-Connection") !== null) + " origin=" + header(echo, "origin") +
             " encoding=" + r.headers.get("Content-Encoding"));
  } catch (e) { out.push("get failed: " + e); }
  try {
    const r = await fetch(api + "/api/items/7", {
      method: "PUT", credentials: "include", body: "{\"n\":1}",
      headers: { "Content-Type": "application/json", "X-Token": "t0k" } });
    const echo = await r.json();
    out.push("put " + r.status + " " + echo.method + " x-token=" + header(echo, "x-token"));
  } catch (e) { out.push("put failed: " + e); }
  try {
    const r = await fetch(api + "/denied/items");
    out.push("denied get " + r.status);
  } catch (e) { out.push("denied get blocked: " + e.name); }
  try {
    const r = await fetch(api + "/denied/items/7", {
      method: "PUT", body: "{}", headers: { "X-Token": "t0k" } });
    out.push("denied put " + r.status);
  } catch (e) { out.push("denied put blocked: " + e.name); }
  return out.join("\n");
})())";
  std::string result = chromium_.evaluate(script, 20s, &error);
  // The answers came compressed (gzip: Chromium accepts it, and it leads bridge's order) and
  // the page read them decoded.
  EXPECT_EQ(result, "get 200 GET exposed=true origin=" + page_origin +
                        " encoding=gzip\nput 200 PUT x-token=t0k\ndenied get blocked: TypeError\n"
                        "denied put blocked: TypeError")
      << "error: " << error << "\nchromium: " << chromium_.output()
      << "\nbridge: " << bridge_.output() << "\naccess log:\n"
      << read_file(log);

  // Bridge answered both preflights; the upstream got the GETs and the allowed PUT, never the
  // refused PUT.
  // (The log's keys are in alphabetical order: "method" comes right before "path".)
  json put_preflight = access_log_entry(log, "\"method\":\"OPTIONS\",\"path\":\"/api/items/7\"");
  EXPECT_EQ(put_preflight.value("status", 0), 204) << read_file(log);
  EXPECT_EQ(put_preflight.value("upstream", ""), "answered by api-cors") << put_preflight.dump();
  json denied_preflight = access_log_entry(log, "\"path\":\"/denied/items/7\"");
  EXPECT_EQ(denied_preflight.value("method", ""), "OPTIONS") << read_file(log);
  EXPECT_EQ(denied_preflight.value("status", 0), 204) << denied_preflight.dump();
  json put = access_log_entry(log, "\"method\":\"PUT\",\"path\":\"/api/items/7\"");
  EXPECT_EQ(put.value("status", 0), 200) << read_file(log);
  EXPECT_EQ(put.value("upstream", ""), backend_.url()) << put.dump();
  const std::string text = read_file(log);
  EXPECT_EQ(text.find("\"method\":\"PUT\",\"path\":\"/denied/items/7\""), std::string::npos)
      << text;
}

// gRPC-Web as a browser sends it: a page on one origin calls a gRPC method on another through
// the grpcWeb middleware. Chromium preflights the call (its content type and x-grpc-web are not
// CORS-safelisted), bridge answers the preflight, sends the call to a real gRPC server (Debian's
// python3-grpcio) over h2c, and the page reads the reply frame and the trailer frame with
// grpc-status from the body; a page on an origin outside allowOrigins is blocked.
TEST_F(Browser, ChromiumCallsAGrpcServiceThroughGrpcWeb) {
  const char* root = std::getenv("BRIDGE_SOURCE_DIR");
  Process server({"/usr/bin/python3",
                  std::string(root != nullptr ? root : ".") + "/test/support/grpc_peer.py",
                  "serve"});
  ASSERT_TRUE(server.wait_for_stdout("listening ", 15s)) << server.stderr_text();
  const std::string listening = server.stdout_text();
  const std::string grpc_port =
      std::to_string(std::atoi(listening.c_str() + listening.find("listening ") + 10));
  const uint16_t api_port = free_port();
  const std::string api_origin = "http://127.0.0.1:" + std::to_string(api_port);
  std::string log = bridge_.scratch("access.log");
  ASSERT_TRUE(start(
      "[[listeners]]\nname = \"api\"\nbind = \"127.0.0.1:" + std::to_string(api_port) + "\"\n\n" +
          "[middlewares.web.grpcWeb]\nallowOrigins = [\"http://" + host() + "\"]\n\n" +
          "[middlewares.elsewhere.grpcWeb]\nallowOrigins = [\"http://elsewhere.test\"]\n\n" +
          route("page", "Path(`/page`)", "builtin://echo", "listeners = [\"web\"]") +
          route("grpc", "PathPrefix(`/test.Echo/`)", "h2c://127.0.0.1:" + grpc_port,
                "listeners = [\"api\"]\nmiddlewares = [\"web\"]") +
          route("denied", "PathPrefix(`/denied/`)", "h2c://127.0.0.1:" + grpc_port,
                "listeners = [\"api\"]\nmiddlewares = [\"elsewhere\"]"),
      "", log));
  ASSERT_TRUE(wait_for_port(api_port, 5s));
  std::string error;
  ASSERT_TRUE(chromium_.start(url("/page"), &error, 10s)) << error;
  // The page's gRPC-Web client, as small as the protocol allows: one length-prefixed message up,
  // frames back (flag 0x80: the trailers as header lines).
  const std::string script = std::string(R"((async () => {
)") + in_the_page + R"(
  const api = ")" + api_origin +
                             R"(";
  const call = async (path, text) => {
    const message = new TextEncoder().encode(text);
    const body = new Uint8Array(5 + message.length);
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, 5);
    const r = await fetch(api + path, { method: "POST", body,
      headers: { "Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1" } });
    const bytes = new Uint8Array(await r.arrayBuffer());
    const parts = [];
    for (let at = 0; at + 5 <= bytes.length;) {
      const size = new DataView(bytes.buffer, at + 1, 4).getUint32(0);
      const payload = new TextDecoder().decode(bytes.slice(at + 5, at + 5 + size));
      parts.push(bytes[at] === 0x80 ? "trailers " + payload.trim().split("\r\n").sort().join("; ")
                                    : "message " + payload);
      at += 5 + size;
    }
    return r.status + " " + r.headers.get("content-type") + ": " + parts.join(" | ");
  };
  const out = [];
  try { out.push(await call("/test.Echo/Unary", "hello from chromium")); }
  catch (e) { out.push("call failed: " + e); }
  try { out.push(await call("/denied/test.Echo/Unary", "x")); }
  catch (e) { out.push("denied call blocked: " + e.name); }
  return out.join("\n");
})())";
  std::string result = chromium_.evaluate(script, 20s, &error);
  EXPECT_EQ(result,
            "200 application/grpc-web: message hello from chromium | trailers grpc-status: 0; "
            "x-bin-bin: AAH/; x-trailer: unary\n"
            "denied call blocked: TypeError")
      << "error: " << error << "\nchromium: " << chromium_.output()
      << "\nbridge: " << bridge_.output() << "\naccess log:\n"
      << read_file(log);
  // bridge answered the preflight; the call went to the gRPC server over HTTP/2.
  json preflight = access_log_entry(log, "\"method\":\"OPTIONS\",\"path\":\"/test.Echo/Unary\"");
  EXPECT_EQ(preflight.value("status", 0), 204) << read_file(log);
  EXPECT_EQ(preflight.value("upstream", ""), "answered by web") << preflight.dump();
  json call = access_log_entry(log, "\"method\":\"POST\",\"path\":\"/test.Echo/Unary\"");
  EXPECT_EQ(call.value("status", 0), 200) << read_file(log);
  EXPECT_EQ(call.value("grpc_status", -1), 0) << call.dump();
}

}  // namespace
}  // namespace bridge::test
