// basicAuth, rateLimit and inFlightReq through a real `bridge up` (two workers), as a client and
// an upstream see them: 401 with WWW-Authenticate for htpasswd files made by the real htpasswd
// (-B bcrypt, -m apr1, -s SHA1) and openssl's crypt hashes, the user name sent upstream and
// Authorization kept back; 429 with Retry-After from a token bucket that both workers share,
// its rate held to 5 % under load; per-source buckets and in-flight counts that end with the
// exchange; gRPC statuses; listener middlewares before the route's; `bridge route test`.
// digestAuth with a file made by the real htdigest, answered by curl --digest.
// Real peers: curl, htpasswd, htdigest, openssl, the Beast test backend (its /slow path), an
// in-process recording upstream, and a load generator of raw keep-alive connections.
#include "middleware_fixture.hpp"
#include "recording_upstream.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

namespace bridge::test {
namespace {

// The first line a command printed ("" when it failed).
std::string first_line(const RunResult& r) {
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

// `openssl passwd ARGS PASSWORD`: a crypt(3) hash ($1$, $5$, $6$).
std::string openssl_passwd(const std::string& mode, const std::string& password) {
  return first_line(run({"openssl", "passwd", mode, password}));
}

// The number after `series` in a Prometheus text page; -1 when the series is absent.
long metric(const std::string& page, const std::string& series) {
  const auto at = page.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::atol(page.c_str() + at + series.size() + 1);
}

std::string middleware_series(const std::string& name, const std::string& type,
                              const std::string& outcome) {
  return "bridge_middleware_requests_total{middleware=\"" + name + "\",type=\"" + type +
         "\",outcome=\"" + outcome + "\"}";
}

class AuthAndLimits : public MiddlewareProxy {
 protected:
  // A refusal by middleware `name` of `type`: bridge's JSON error with `message` and the hint
  // that names the middleware.
  void expect_refusal(const HttpResponse& r, int status, const std::string& name,
                      const std::string& type, const std::string& message) {
    expect_error(r, status, type);
    json body = parse_json(r.body);
    EXPECT_EQ(body.value("message", ""), message) << r.body;
    EXPECT_EQ(body.value("hint", ""), "the middleware \"" + name + "\" (" + type +
                                          ") answered; bridge route test shows why")
        << r.body;
  }
};

// ---- basicAuth ------------------------------------------------------------------------------

// The file htpasswd writes (-c creates it, -B bcrypt, -m apr1 MD5, -s SHA1), named relative to
// the config; the authenticated user goes upstream in headerField.
TEST_F(AuthAndLimits, BasicAuthWithAnHtpasswdFile) {
  RecordingUpstream upstream("admin");
  bridge_.write_config(full_config("", R"toml(
[middlewares.auth.basicAuth]
usersFile = "users.htpasswd"
realm = "staging admin"
headerField = "X-WebAuth-User"
)toml" + route("admin", "PathPrefix(`/admin`)", upstream.url(), "middlewares = [\"auth\"]"),
                                   true));
  const std::string file = bridge_.config_dir() + "/users.htpasswd";
  ASSERT_EQ(run({"htpasswd", "-cbB", file, "alice", "s3cret!"}).status, 0);
  ASSERT_EQ(run({"htpasswd", "-bm", file, "bob", "bob's pw"}).status, 0);
  ASSERT_EQ(run({"htpasswd", "-bs", file, "carol", "carol pw"}).status, 0);
  ASSERT_TRUE(launch(true));

  for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "s3cret!"}, {"bob", "bob's pw"}, {"carol", "carol pw"}}) {
    auto ok = http({"-u", user + ":" + password, url("/admin/users")});
    ASSERT_EQ(ok.exit, 0) << ok.err;
    EXPECT_EQ(ok.response.status, 200) << user << ": " << ok.response.body;
    EXPECT_EQ(ok.response.body, "upstream admin\n");
    EXPECT_FALSE(ok.response.header("WWW-Authenticate").has_value());
    auto seen = upstream.last();
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->headers_named("X-WebAuth-User"), std::vector<std::string>{user});
    // Without removeHeader the upstream sees Authorization as the client sent it.
    EXPECT_TRUE(seen->header("Authorization").value_or("").starts_with("Basic ")) << user;
  }
  ASSERT_EQ(upstream.count(), 3u);

  const std::string challenge = "Basic realm=\"staging admin\"";
  auto none = http({url("/admin/users")});
  expect_refusal(none.response, 401, "auth", "basicAuth", "no Authorization header");
  EXPECT_EQ(none.response.header("WWW-Authenticate").value_or("<absent>"), challenge);
  auto bearer = http({"-H", "Authorization: Bearer abc", url("/admin/users")});
  expect_refusal(bearer.response, 401, "auth", "basicAuth",
                 "Authorization is not Basic user:password");
  EXPECT_EQ(bearer.response.header("WWW-Authenticate").value_or("<absent>"), challenge);
  auto eve = http({"-u", "eve:s3cret!", url("/admin/users")});
  expect_refusal(eve.response, 401, "auth", "basicAuth", "unknown user \"eve\"");
  auto wrong = http({"-u", "alice:S3cret!", url("/admin/users")});
  expect_refusal(wrong.response, 401, "auth", "basicAuth", "wrong password for user \"alice\"");
  EXPECT_EQ(wrong.response.header("WWW-Authenticate").value_or("<absent>"), challenge);
  EXPECT_EQ(wrong.response.header_count("WWW-Authenticate"), 1u);
  EXPECT_EQ(upstream.count(), 3u) << "a refused request reached the upstream";

  // The record says which middleware refused and why.
  json rec = record(wrong.response.header("X-Request-ID").value_or(""));
  EXPECT_EQ(rec.value("status", 0), 401) << rec.dump();
  ASSERT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("name", ""), "auth");
  EXPECT_EQ(rec["middlewares"][0].value("type", ""), "basicAuth");
  EXPECT_EQ(rec["middlewares"][0].value("outcome", ""), "answered");
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""), "wrong password for user \"alice\" → 401");
}

// ---- digestAuth -----------------------------------------------------------------------------

// curl --digest shows the 401 it answered and then the final response: the final one.
CurlResponse digest(std::vector<std::string> args) {
  args.insert(args.begin(), "--digest");
  CurlResponse r = http(std::move(args));
  for (size_t at;
       r.response.status == 401 && (at = r.response.body.find("HTTP/1.1 ")) != std::string::npos;) {
    const std::string rest = r.response.body.substr(at);
    const size_t end = rest.find("\r\n\r\n");
    if (end == std::string::npos) break;
    r.response = parse_head_block(rest.substr(0, end));
    r.response.body = rest.substr(end + 4);
  }
  return r;
}

// A file the real htdigest wrote (it reads the password from stdin when it has no terminal),
// and curl --digest answering bridge's challenge: the user upstream in headerField, Authorization
// kept back; a wrong password and a user of another realm get 401 with a new challenge.
TEST_F(AuthAndLimits, DigestAuthWithAnHtdigestFileAndCurl) {
  RecordingUpstream upstream("admin");
  bridge_.write_config(full_config("", R"toml(
[middlewares.auth.digestAuth]
usersFile = "users.htdigest"
realm = "staging admin"
headerField = "X-WebAuth-User"
removeHeader = true
)toml" + route("admin", "PathPrefix(`/admin`)", upstream.url(), "middlewares = [\"auth\"]"),
                                   true));
  const std::string file = bridge_.config_dir() + "/users.htdigest";
  auto htdigest = [&file](const std::string& create, const std::string& realm,
                          const std::string& user, const std::string& password) {
    const std::string pw = password + "\n" + password + "\n";
    return run({"sh", "-c",
                "printf '%s' \"$0\" | setsid htdigest " + create + " \"$1\" \"$2\" \"$3\"", pw,
                file, realm, user})
        .status;
  };
  ASSERT_EQ(htdigest("-c", "staging admin", "alice", "s3cret!"), 0);
  ASSERT_EQ(htdigest("", "staging admin", "bob", "bob's pw"), 0);
  ASSERT_EQ(htdigest("", "other realm", "carol", "carol pw"), 0);
  ASSERT_TRUE(launch(true));

  for (const auto& [user, password] : std::vector<std::pair<std::string, std::string>>{
           {"alice", "s3cret!"}, {"bob", "bob's pw"}}) {
    auto ok = digest({"-u", user + ":" + password, url("/admin/users?page=2")});
    ASSERT_EQ(ok.exit, 0) << ok.err;
    EXPECT_EQ(ok.response.status, 200) << user << ": " << ok.response.body;
    EXPECT_EQ(ok.response.body, "upstream admin\n");
    auto seen = upstream.last();
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->headers_named("X-WebAuth-User"), std::vector<std::string>{user});
    EXPECT_FALSE(seen->header("Authorization").has_value()) << "removeHeader";
  }
  ASSERT_EQ(upstream.count(), 2u);

  auto none = http({url("/admin/users")});
  expect_refusal(none.response, 401, "auth", "digestAuth", "no Authorization header");
  const std::string challenge = none.response.header("WWW-Authenticate").value_or("<absent>");
  EXPECT_TRUE(challenge.starts_with("Digest realm=\"staging admin\", nonce=\"")) << challenge;
  EXPECT_TRUE(challenge.ends_with("\", algorithm=MD5, qop=\"auth\"")) << challenge;
  auto wrong = digest({"-u", "alice:S3cret!", url("/admin/users")});
  expect_refusal(wrong.response, 401, "auth", "digestAuth", "wrong password for user \"alice\"");
  auto carol = digest({"-u", "carol:carol pw", url("/admin/users")});
  expect_refusal(carol.response, 401, "auth", "digestAuth", "unknown user \"carol\"");
  EXPECT_EQ(upstream.count(), 2u) << "a refused request reached the upstream";

  json rec = record(wrong.response.header("X-Request-ID").value_or(""));
  ASSERT_EQ(rec["middlewares"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["middlewares"][0].value("type", ""), "digestAuth");
  EXPECT_EQ(rec["middlewares"][0].value("detail", ""), "wrong password for user \"alice\" → 401");
}

// openssl's crypt hashes inline; removeHeader keeps Authorization from the upstream, and a
// client cannot name itself in headerField.
TEST_F(AuthAndLimits, BasicAuthRemoveHeaderAndCryptHashes) {
  ASSERT_TRUE(start_backend());
  const std::string md5 = openssl_passwd("-1", "md5 pw");
  const std::string sha256 = openssl_passwd("-5", "sha256 pw");
  const std::string sha512 = openssl_passwd("-6", "sha512 pw");
  ASSERT_TRUE(md5.starts_with("$1$") && sha256.starts_with("$5$") && sha512.starts_with("$6$"))
      << md5 << " " << sha256 << " " << sha512;
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.auth.basicAuth]\nusers = [\"md5:" + md5 + "\", \"sha256:" + sha256 +
              "\", \"sha512:" + sha512 +
              "\"]\nheaderField = \"X-WebAuth-User\"\nremoveHeader = true\n\n" +
              route("all", "PathPrefix(`/`)", backend_.url(), "middlewares = [\"auth\"]"))));
  for (const char* user : {"md5", "sha256", "sha512"}) {
    auto r = http({"-u", std::string(user) + ":" + user + " pw", "-H", "X-WebAuth-User: root",
                   url("/private")});
    ASSERT_EQ(r.response.status, 200) << user << ": " << r.err << r.response.body;
    json echo = parse_json(r.response.body);
    EXPECT_TRUE(backend_values(echo, "Authorization").empty())
        << user << ": " << backend_value(echo, "Authorization");
    EXPECT_EQ(backend_values(echo, "X-WebAuth-User"), std::vector<std::string>{user});
    auto wrong = http({"-u", std::string(user) + ":" + user, url("/private")});
    expect_refusal(wrong.response, 401, "auth", "basicAuth",
                   "wrong password for user \"" + std::string(user) + "\"");
    EXPECT_EQ(wrong.response.header("WWW-Authenticate").value_or("<absent>"),
              "Basic realm=\"bridge\"");
  }
}

// A browser retries on the connection that got the challenge.
TEST_F(AuthAndLimits, BasicAuthChallengeKeepsTheConnection) {
  RecordingUpstream upstream("app");
  const std::string hash = first_line(run({"htpasswd", "-nbB", "alice", "pw"}));
  ASSERT_TRUE(hash.starts_with("alice:$2y$")) << hash;
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.auth.basicAuth]\nusers = [\"" + hash + "\"]\n\n" +
              route("all", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"auth\"]"))));
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /page HTTP/1.1\r\nHost: " + host() + "\r\n\r\n"));
  auto challenge = client.read_response(5s);
  ASSERT_TRUE(challenge.has_value()) << client.last_error();
  EXPECT_EQ(challenge->status, 401);
  EXPECT_EQ(challenge->header("WWW-Authenticate").value_or("<absent>"), "Basic realm=\"bridge\"");
  EXPECT_EQ(challenge->header("Content-Length").value_or("<absent>"),
            std::to_string(challenge->body.size()));
  EXPECT_FALSE(challenge->header("Connection").has_value())
      << challenge->header("Connection").value_or("");
  ASSERT_TRUE(client.send("GET /page HTTP/1.1\r\nHost: " + host() +
                          "\r\nAuthorization: Basic YWxpY2U6cHc=\r\n\r\n"));  // alice:pw
  auto page = client.read_response(5s);
  ASSERT_TRUE(page.has_value()) << client.last_error();
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "upstream app\n");
  EXPECT_FALSE(client.peer_closed());
  EXPECT_EQ(upstream.count(), 1u);
}

TEST_F(AuthAndLimits, BasicAuthOverHttp2AndGrpc) {
  const std::string hash = first_line(run({"htpasswd", "-nbm", "alice", "pw"}));
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.auth.basicAuth]\nusers = [\"" + hash + "\"]\nrealm = \"api\"\n\n" +
              route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"auth\"]"))));
  auto plain = h2({url("/x")});
  ASSERT_EQ(plain.exit, 0) << plain.err;
  EXPECT_EQ(plain.response.version, "HTTP/2");
  expect_refusal(plain.response, 401, "auth", "basicAuth", "no Authorization header");
  EXPECT_EQ(plain.response.header("www-authenticate").value_or("<absent>"), "Basic realm=\"api\"");
  auto ok = h2({"-u", "alice:pw", url("/x")});
  EXPECT_EQ(ok.response.status, 200) << ok.response.body;

  // gRPC: trailers-only UNAUTHENTICATED, the challenge still in the head.
  auto call = h2({"-H", "content-type: application/grpc", "-H", "te: trailers", "--data-binary", "",
                  url("/test.Echo/Unary")});
  ASSERT_EQ(call.exit, 0) << call.err;
  EXPECT_EQ(call.response.status, 200);
  EXPECT_EQ(call.response.header("grpc-status").value_or("<absent>"), "16");
  const std::string id = call.response.header("x-request-id").value_or("<absent>");
  EXPECT_EQ(call.response.header("grpc-message").value_or("<absent>"),
            "basicAuth: no Authorization header (request id " + id + ")");
  EXPECT_EQ(call.response.header("www-authenticate").value_or("<absent>"), "Basic realm=\"api\"");
}

TEST_F(AuthAndLimits, RouteTestShowsTheChallengeAndWhatGoesUpstream) {
  const std::string hash = first_line(run({"htpasswd", "-nbs", "alice", "pw"}));
  bridge_.write_config(full_config(
      "", "[middlewares.auth.basicAuth]\nusers = [\"" + hash +
              "\"]\nheaderField = \"X-WebAuth-User\"\nremoveHeader = true\n\n" +
              route("all", "PathPrefix(`/`)", "http://127.0.0.1:9", "middlewares = [\"auth\"]")));
  auto refused =
      run_bridge({"route", "test", url("/admin"), "--json", "--config-dir", bridge_.config_dir()});
  ASSERT_EQ(refused.status, 0) << refused.out << refused.err;
  json plan = parse_json(refused.out);
  ASSERT_TRUE(plan.contains("answered")) << refused.out;
  EXPECT_EQ(plan["answered"].value("by", ""), "auth");
  EXPECT_EQ(plan["answered"].value("status", 0), 401);
  EXPECT_EQ(plan["answered"].value("message", ""), "no Authorization header");
  EXPECT_EQ(plan["answered"]["headers"],
            json::array({json::array({"WWW-Authenticate", "Basic realm=\"bridge\""})}))
      << refused.out;

  auto passed = run_bridge({"route", "test", url("/admin"), "-H",
                            "Authorization: Basic YWxpY2U6cHc=", "--json", "--config-dir",
                            bridge_.config_dir()});
  ASSERT_EQ(passed.status, 0) << passed.out << passed.err;
  plan = parse_json(passed.out);
  EXPECT_FALSE(plan.contains("answered")) << passed.out;
  EXPECT_EQ(plan["middlewares"][0].value("detail", ""), "user \"alice\" authenticated");
  bool named = false;
  for (const auto& pair : plan["upstream_request"]["headers_added"])
    named = named || pair == json::array({"X-WebAuth-User", "alice"});
  EXPECT_TRUE(named) << passed.out;
  bool removed = false;
  for (const auto& name : plan["upstream_request"]["headers_removed"])
    removed = removed || lower(name.get<std::string>()) == "authorization";
  EXPECT_TRUE(removed) << passed.out;
}

// ---- rateLimit ------------------------------------------------------------------------------

TEST_F(AuthAndLimits, RateLimitBurstThenRetryAfter) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.rl.rateLimit]\naverage = 1\nperiod = \"1m\"\nburst = 3\n\n" +
              route("api", "PathPrefix(`/`)", upstream.url(), "middlewares = [\"rl\"]"))));
  // Fresh connections, so both workers take some: the bucket is the same.
  for (int i = 1; i <= 3; ++i) {
    auto r = http({url("/items")});
    ASSERT_EQ(r.exit, 0) << r.err;
    EXPECT_EQ(r.response.status, 200) << "request " << i << ": " << r.response.body;
    EXPECT_FALSE(r.response.header("Retry-After").has_value());
  }
  for (int i = 4; i <= 6; ++i) {
    auto r = http({url("/items")});
    expect_refusal(r.response, 429, "rl", "rateLimit",
                   "rate limit of \"rl\" reached (1/60s burst 3 per client IP)");
    // A token every 60 s: the wait is at most that, and more than 59 s this early.
    EXPECT_EQ(r.response.header("Retry-After").value_or("<absent>"), "60") << "request " << i;
  }
  EXPECT_EQ(upstream.count(), 3u);

  // A gRPC client reads RESOURCE_EXHAUSTED, with Retry-After kept.
  auto call = h2({"-H", "content-type: application/grpc", "-H", "te: trailers", "--data-binary", "",
                  url("/svc.Items/List")});
  ASSERT_EQ(call.exit, 0) << call.err;
  EXPECT_EQ(call.response.header("grpc-status").value_or("<absent>"), "8");
  EXPECT_EQ(call.response.header("retry-after").value_or("<absent>"), "60");
  EXPECT_EQ(upstream.count(), 3u);
}

TEST_F(AuthAndLimits, RateLimitBucketsPerSource) {
  RecordingUpstream upstream("api");
  ASSERT_TRUE(start_full(full_config(
      "", R"toml(
[middlewares.by-key.rateLimit]
average = 1
period = "1h"
sourceCriterion = { requestHeaderName = "X-Api-Key" }

[middlewares.by-client.rateLimit]
average = 1
period = "1h"
sourceCriterion = { ipStrategy = { depth = 1 } }
)toml" + route("keyed", "PathPrefix(`/keyed`)", upstream.url(), "middlewares = [\"by-key\"]") +
              route("lb", "PathPrefix(`/lb`)", upstream.url(), "middlewares = [\"by-client\"]"))));
  auto key = [&](const std::string& value) {
    return http({"-H", "X-Api-Key: " + value, url("/keyed")}).response;
  };
  EXPECT_EQ(key("team-a").status, 200);
  auto again = key("team-a");
  expect_refusal(again, 429, "by-key", "rateLimit",
                 "rate limit of \"by-key\" reached (1/3600s burst 1 per X-Api-Key)");
  EXPECT_EQ(again.header("Retry-After").value_or("<absent>"), "3600");
  EXPECT_EQ(key("team-b").status, 200);
  EXPECT_EQ(key("team-b").status, 429);

  // Behind a load balancer: the address it added, the rightmost of X-Forwarded-For.
  auto forwarded = [&](const std::string& chain) {
    return http({"-H", "X-Forwarded-For: " + chain, url("/lb")}).response.status;
  };
  EXPECT_EQ(forwarded("198.51.100.1, 203.0.113.9"), 200);
  EXPECT_EQ(forwarded("198.51.100.2, 203.0.113.9"), 429);
  EXPECT_EQ(forwarded("203.0.113.9, 198.51.100.7"), 200);
  EXPECT_EQ(upstream.count(), 4u);
}

// Keep-alive connections that send `request` as fast as bridge answers, until `duration` has
// passed: the statuses they got and how long it took.
struct Load {
  int ok = 0;
  int limited = 0;
  int other = 0;
  double seconds = 0;
};

Load hammer(uint16_t port, const std::string& request, int connections, Millis duration) {
  std::atomic<int> ok{0}, limited{0}, other{0};
  const auto start = Clock::now();
  const auto deadline = start + duration;
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      std::unique_ptr<RawClient> client;
      while (Clock::now() < deadline) {
        try {
          if (!client) client = std::make_unique<RawClient>(port);
        } catch (const std::exception&) {
          ++other;
          std::this_thread::sleep_for(10ms);
          continue;
        }
        auto r = client->send(request) ? client->read_response(5s) : std::nullopt;
        if (!r) {
          ++other;
          client.reset();
          continue;
        }
        if (r->status == 200)
          ++ok;
        else if (r->status == 429)
          ++limited;
        else
          ++other;
        if (r->header("Connection").value_or("") == "close") client.reset();
      }
    });
  }
  for (auto& t : threads) t.join();
  return Load{ok.load(), limited.load(), other.load(), seconds_since(start)};
}

// The issue's requirement: at 100 a second with bursts of 10, for 5 s under more load than
// that, across two workers, accepted = 10 + 100 × elapsed within 5 %.
TEST_F(AuthAndLimits, RateLimitHoldsItsRateAcrossWorkers) {
  ASSERT_TRUE(start_full(
      full_config("",
                  "[middlewares.rl.rateLimit]\naverage = 100\nburst = 10\n\n" +
                      route("all", "PathPrefix(`/`)", "builtin://echo", "middlewares = [\"rl\"]"),
                  true),
      true));
  const Load load = hammer(port_, "GET /load HTTP/1.1\r\nHost: " + host() + "\r\n\r\n", 8, 5000ms);
  const double expected = 10 + 100 * load.seconds;
  RecordProperty("accepted", std::to_string(load.ok));
  RecordProperty("refused", std::to_string(load.limited));
  RecordProperty("seconds", std::to_string(load.seconds));
  EXPECT_EQ(load.other, 0) << "statuses other than 200 and 429, or failed exchanges";
  // The load must have been more than the limit, or the test shows nothing.
  EXPECT_GT(load.limited, load.ok) << load.ok << " accepted, " << load.limited << " refused";

  // bridge counts what the clients saw.
  const std::string passed = middleware_series("rl", "rateLimit", "passed");
  const std::string answered = middleware_series("rl", "rateLimit", "answered");
  std::string page;
  for (auto deadline = Clock::now() + 3s; Clock::now() < deadline;) {
    page = curl({"-s", admin() + "/metrics"}).out;
    if (metric(page, passed) == load.ok && metric(page, answered) == load.limited) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(metric(page, passed), load.ok) << page;
  EXPECT_EQ(metric(page, answered), load.limited) << page;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Sanitized builds are too slow for the rate to mean anything: only that it limits.
  EXPECT_GE(load.ok, 10) << "the burst alone is 10";
  EXPECT_GT(load.limited, 0);
  EXPECT_LE(load.ok, expected * 1.05 + 1);
#else
  EXPECT_NEAR(load.ok, expected, expected * 0.05)
      << load.ok << " accepted in " << load.seconds << " s (" << load.limited << " refused)";
#endif
}

// Listener middlewares run before the route's: the listener's limit counts the requests the
// route's basicAuth refuses too.
TEST_F(AuthAndLimits, ListenerLimitsRunBeforeTheRoutesAuth) {
  RecordingUpstream upstream("admin");
  const std::string hash = first_line(run({"htpasswd", "-nbB", "dev", "staging"}));
  ASSERT_TRUE(start_full(full_config(
      "middlewares = [\"limits\"]",
      "[middlewares.rate.rateLimit]\naverage = 1\nperiod = "
      "\"1m\"\nburst = 2\n\n"
      "[middlewares.flight.inFlightReq]\namount = 20\n\n"
      "[middlewares.limits.chain]\nmiddlewares = [\"rate\", "
      "\"flight\"]\n\n"
      "[middlewares.auth.basicAuth]\nusers = [\"" +
          hash + "\"]\n\n" +
          route("admin", "PathPrefix(`/admin`)", upstream.url(), "middlewares = [\"auth\"]"))));
  auto anonymous = http({url("/admin")});
  EXPECT_EQ(anonymous.response.status, 401) << anonymous.response.body;
  auto dev = http({"-u", "dev:staging", url("/admin")});
  EXPECT_EQ(dev.response.status, 200) << dev.response.body;
  auto third = http({"-u", "dev:staging", url("/admin")});
  expect_refusal(third.response, 429, "rate", "rateLimit",
                 "rate limit of \"rate\" reached (1/60s burst 2 per client IP)");
  EXPECT_FALSE(third.response.header("WWW-Authenticate").has_value());
  EXPECT_EQ(upstream.count(), 1u);
}

// ---- inFlightReq ----------------------------------------------------------------------------

TEST_F(AuthAndLimits, InFlightReqOnePerUserUntilItsExchangeEnds) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.one-each.inFlightReq]\namount = 1\n"
          "sourceCriterion = { requestHeaderName = \"X-User\" }\n\n" +
              route("all", "PathPrefix(`/`)", backend_.url(), "middlewares = [\"one-each\"]"))));
  CurlResponse slow;
  std::thread first([&] { slow = http({"-H", "X-User: alice", url("/slow?ms=1500")}, 10s); });
  ASSERT_TRUE(backend_.wait_for_output("slow /slow?ms=1500", 5s)) << bridge_.output();

  auto second = http({"-H", "X-User: alice", url("/slow?ms=1")});
  expect_refusal(second.response, 429, "one-each", "inFlightReq",
                 "X-User alice has 1 requests under way, the most \"one-each\" allows");
  EXPECT_FALSE(second.response.header("Retry-After").has_value());
  auto bob = http({"-H", "X-User: bob", url("/slow?ms=2")});
  EXPECT_EQ(bob.response.status, 200) << bob.response.body;
  EXPECT_EQ(bob.response.body, "slow done\n");
  // bob's has ended: bob again.
  EXPECT_EQ(http({"-H", "X-User: bob", url("/slow?ms=3")}).response.status, 200);

  first.join();
  EXPECT_EQ(slow.response.status, 200) << slow.err << slow.response.body;
  EXPECT_EQ(slow.response.body, "slow done\n");
  auto after = http({"-H", "X-User: alice", url("/slow?ms=4")});
  EXPECT_EQ(after.response.status, 200) << after.response.body;
}

// Streams of one HTTP/2 connection count one by one, and each gives its count back.
TEST_F(AuthAndLimits, InFlightReqCountsHttp2Streams) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start_full(full_config(
      "", tls_listener() +
              "[middlewares.one-each.inFlightReq]\namount = 1\n"
              "sourceCriterion = { requestHeaderName = \"X-User\" }\n\n" +
              route("all", "PathPrefix(`/`)", backend_.url(), "middlewares = [\"one-each\"]"))));
  // Two requests at once, multiplexed on one connection (HTTP/2 by ALPN: curl 7.88 cannot
  // reuse a prior-knowledge connection, curl/curl#10634).
  auto both = curl({"-k", "--http2", "--parallel", "-H", "X-User: alice", "-w",
                    "%{http_version} %{http_code} %{num_connects}\n", "-o", "/dev/null",
                    tls_url("/slow?ms=800"), "-o", "/dev/null", tls_url("/slow?ms=801")},
                   10s);
  ASSERT_EQ(both.status, 0) << both.err;
  std::istringstream lines(both.out);
  std::vector<int> statuses;
  int connects = 0;
  for (std::string version; lines >> version;) {
    int status = 0, n = 0;
    lines >> status >> n;
    EXPECT_EQ(version, "2") << both.out;
    statuses.push_back(status);
    connects += n;
  }
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<int>{200, 429})) << both.out;
  EXPECT_EQ(connects, 1) << "not multiplexed: " << both.out;
  // Both streams have ended: alice again.
  auto after = http({"-k", "-H", "X-User: alice", tls_url("/slow?ms=5")});
  EXPECT_EQ(after.response.status, 200) << after.err << after.response.body;
}

// The count is given back however the exchange ends: an upstream that refuses, a client that
// gives up.
TEST_F(AuthAndLimits, InFlightReqIsReleasedWhenAnExchangeFails) {
  ASSERT_TRUE(start_backend());
  const uint16_t dead = free_port();
  ASSERT_TRUE(start_full(full_config(
      "", "[middlewares.one-each.inFlightReq]\namount = 1\n"
          "sourceCriterion = { requestHeaderName = \"X-User\" }\n\n" +
              route("dead", "PathPrefix(`/dead`)", "http://127.0.0.1:" + std::to_string(dead),
                    "middlewares = [\"one-each\"]") +
              route("all", "PathPrefix(`/`)", backend_.url(), "middlewares = [\"one-each\"]"))));
  for (int i = 0; i < 3; ++i) {
    auto r = http({"-H", "X-User: alice", url("/dead")});
    EXPECT_EQ(r.response.status, 502) << "attempt " << i << ": " << r.response.body;
  }
  // The client stops waiting after 0.3 s; the upstream answers after 1.5 s.
  auto gave_up = http({"-H", "X-User: carol", "--max-time", "0.3", url("/slow?ms=1500")});
  EXPECT_NE(gave_up.exit, 0);
  const auto start = Clock::now();
  int status = 0;
  while (Clock::now() - start < 5s) {
    status = http({"-H", "X-User: carol", url("/slow?ms=1")}).response.status;
    if (status == 200) break;
    EXPECT_EQ(status, 429);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 200) << "carol's count was never given back";
  RecordProperty("released_after_s", std::to_string(seconds_since(start)));
}

}  // namespace
}  // namespace bridge::test
