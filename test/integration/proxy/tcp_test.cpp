// TCP routes as a client and its server see them: Redis through a TCP listener (PING, a 10 MB
// value, a SUBSCRIBE held across a reload), TLS passthrough chosen by SNI between two openssl
// s_server backends (alone and beside HTTPS on one listener), half-close, the idle timeout,
// failover to a second target, a connection no route takes, and the errors of rules that need
// TLS. Real peers on loopback: redis-server and redis-cli, openssl, small socket servers.
#include "proxy_fixture.hpp"

#include <arpa/inet.h>
#include <linux/tcp.h>  // tcp_info's tcpi_segs_in (glibc's netinet/tcp.h stops short of it)
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

namespace bridge::test {
namespace {

// A loopback server whose connections each run `serve(fd)` on a thread of their own.
class SocketServer {
 public:
  explicit SocketServer(std::function<void(int)> serve) : serve_(std::move(serve)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16))
      throw std::runtime_error("cannot listen on " + std::to_string(port_));
    accepting_ = std::thread([this] {
      for (;;) {
        int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        handlers_.emplace_back([this, client] {
          serve_(client);
          ::close(client);
        });
      }
    });
  }
  ~SocketServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    accepting_.join();
    for (auto& t : handlers_) t.join();
  }
  uint16_t port() const { return port_; }

 private:
  std::function<void(int)> serve_;
  uint16_t port_ = free_port();
  int fd_ = -1;
  std::thread accepting_;
  std::vector<std::thread> handlers_;
};

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

class TcpProxy : public Proxy {
 protected:
  // A TCP listener "tcp-in" beside the HTTP one, and `routes`.
  ::testing::AssertionResult start_tcp(const std::string& routes, const std::string& limits = "") {
    return start(tcp_listener() + routes, limits);
  }
  std::string tcp_listener() const {
    return "[[listeners]]\nname = \"tcp-in\"\nbind = \"127.0.0.1:" + std::to_string(tcp_port_) +
           "\"\nprotocol = \"tcp\"\n\n";
  }
  static std::string tcp_route(const std::string& name, const std::string& rule,
                               const std::string& upstream, const std::string& extra = "") {
    return "[[tcp_routes]]\nname = \"" + name + "\"\nrule = \"" + rule + "\"\nupstream = \"" +
           upstream + "\"\n" + extra + "\n";
  }

  // redis-server on a free port, no persistence.
  ::testing::AssertionResult start_redis() {
    redis_port_ = free_port();
    redis_ = std::make_unique<Process>(std::vector<std::string>{
        "redis-server", "--port", std::to_string(redis_port_), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--proto-max-bulk-len", "64mb"});
    if (wait_for_port(redis_port_, 5s)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "redis-server did not listen: " << redis_->stderr_text() << redis_->stdout_text();
  }
  RunResult redis_cli(std::vector<std::string> args, Millis timeout = 10s) {
    return redis_cli_at(tcp_port_, std::move(args), timeout);
  }
  static RunResult redis_cli_at(uint16_t port, std::vector<std::string> args,
                                Millis timeout = 10s) {
    args.insert(args.begin(), {"redis-cli", "-p", std::to_string(port)});
    return run(std::move(args), timeout);
  }

  uint16_t tcp_port_ = free_port();
  uint16_t redis_port_ = 0;
  std::unique_ptr<Process> redis_;
};

// ---- Redis ---------------------------------------------------------------------------------

TEST_F(TcpProxy, RedisAnswersThroughATcpRoute) {
  ASSERT_TRUE(start_redis());
  ASSERT_TRUE(start_tcp(
      tcp_route("redis", "HostSNI(`*`)", "tcp://127.0.0.1:" + std::to_string(redis_port_))));
  EXPECT_EQ(redis_cli({"PING"}).out, "PONG\n");
  EXPECT_EQ(redis_cli({"SET", "greeting", "hello"}).out, "OK\n");
  EXPECT_EQ(redis_cli({"GET", "greeting"}).out, "hello\n");

  // 10 MB each way: written with -x from a file, read back and compared byte for byte.
  std::string value(10 * 1024 * 1024, '\0');
  for (size_t i = 0; i < value.size(); ++i)
    value[i] = static_cast<char>('a' + (i * 31 + i / 7) % 26);
  TempDir dir;
  write_file(dir / "value", value);
  auto set = run({"sh", "-c",
                  "redis-cli -p " + std::to_string(tcp_port_) + " -x SET big < " + (dir / "value")},
                 20s);
  EXPECT_EQ(set.out, "OK\n") << set.err;
  auto get = redis_cli({"--raw", "GET", "big"}, 20s);
  ASSERT_EQ(get.out.size(), value.size() + 1) << get.err;  // --raw adds a newline
  EXPECT_TRUE(get.out.compare(0, value.size(), value) == 0) << "the 10 MB value came back changed";
  EXPECT_EQ(redis_cli({"STRLEN", "big"}).out, "10485760\n");
}

// profiles/tcp.toml as shipped, through `bridge up --profile tcp`: only its ports and the
// Redis upstream are moved to this test's (compose is not running here).
TEST_F(TcpProxy, TheShippedTcpProfileBridgesRedis) {
  ASSERT_TRUE(start_redis());
  for (const char* file : {"base.toml", "dev.toml", "tcp.toml"})
    write_file(bridge_.config_dir() + "/" + file, read_file(source_dir() + "/profiles/" + file));
  auto at = [](uint16_t port) { return "127.0.0.1:" + std::to_string(port); };
  ASSERT_TRUE(bridge_.start(tcp_port_, {"--profile", "tcp", "--set", "bridge.admin=off", "--set",
                                        "listeners.web.bind=" + at(port_), "--set",
                                        "listeners.redis.bind=" + at(tcp_port_), "--set",
                                        "listeners.pg.bind=" + at(free_port()), "--set",
                                        "listeners.tls-in.bind=" + at(free_port()), "--set",
                                        "tcp_routes.redis.upstream=tcp://" + at(redis_port_)}))
      << bridge_.output();
  EXPECT_NE(bridge_.stderr_text().find("listening tcp://" + at(tcp_port_) + "  (redis)"),
            std::string::npos)
      << bridge_.stderr_text();
  EXPECT_EQ(redis_cli({"PING"}).out, "PONG\n") << bridge_.output();
}

TEST_F(TcpProxy, ASubscriptionOutlivesAReload) {
  ASSERT_TRUE(start_redis());
  const std::string upstream = "tcp://127.0.0.1:" + std::to_string(redis_port_);
  ASSERT_TRUE(start_tcp(tcp_route("redis", "HostSNI(`*`)", upstream)));
  Process subscriber({"redis-cli", "-p", std::to_string(tcp_port_), "SUBSCRIBE", "news"});
  ASSERT_TRUE(subscriber.wait_for_stdout("news", 5s)) << subscriber.stderr_text();

  // The reload renames the route: established connections keep the config they started with.
  bridge_.write_config(config(tcp_listener() + tcp_route("cache", "HostSNI(`*`)", upstream)), true);
  bridge_.process().signal(SIGHUP);
  ASSERT_TRUE(logged("reloaded"));
  EXPECT_EQ(redis_cli({"PUBLISH", "news", "after-reload"}).out, "1\n");
  EXPECT_TRUE(subscriber.wait_for_stdout("after-reload", 5s))
      << "the subscriber missed the message published after the reload:\n"
      << subscriber.stdout_text() << bridge_.output();
  EXPECT_TRUE(subscriber.running());
}

// ---- TLS passthrough -----------------------------------------------------------------------

// An openssl s_server with its own self-signed certificate for `name`.
struct TlsBackend {
  TempDir dir;
  uint16_t port = free_port();
  std::unique_ptr<Process> server;
  explicit TlsBackend(const std::string& name) {
    auto made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                     "-keyout", dir / "key.pem", "-out", dir / "cert.pem"});
    EXPECT_EQ(made.status, 0) << made.err;
    server = std::make_unique<Process>(std::vector<std::string>{
        "openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
        dir / "cert.pem", "-key", dir / "key.pem", "-www", "-alpn", "h2,postgresql"});
    EXPECT_TRUE(wait_for_port(port, 5s)) << server->stderr_text();
  }
  std::string target() const { return "tcp://127.0.0.1:" + std::to_string(port); }
};

// The subject of the certificate a TLS client sees at `port` when it asks for `sni`.
std::string subject_seen(uint16_t port, const std::string& sni, const std::string& alpn = "") {
  std::vector<std::string> args = {
      "openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", sni};
  if (!alpn.empty()) args.insert(args.end(), {"-alpn", alpn});
  auto r = run(args, 10s);
  auto at = r.out.find("subject=");
  if (at == std::string::npos) return "<no certificate: exit " + std::to_string(r.status) + ">";
  return r.out.substr(at, r.out.find('\n', at) - at);
}

TEST_F(TcpProxy, PassthroughPicksTheBackendBySniAndTheClientSeesItsCertificate) {
  TlsBackend a("a.localhost"), b("b.localhost");
  const std::string tls = "tls = { passthrough = true }\n";
  ASSERT_TRUE(start_tcp(tcp_route("a", "HostSNI(`a.localhost`)", a.target(), tls) +
                        tcp_route("b", "HostSNI(`b.localhost`)", b.target(), tls) +
                        tcp_route("h2", "HostSNI(`*.localhost`) && ALPN(`h2`)", b.target(), tls)));
  EXPECT_EQ(subject_seen(tcp_port_, "a.localhost"), "subject=CN = a.localhost");
  EXPECT_EQ(subject_seen(tcp_port_, "b.localhost"), "subject=CN = b.localhost");
  // A longer rule wins (Traefik's default priority): ALPN h2 on any *.localhost goes to b.
  EXPECT_EQ(subject_seen(tcp_port_, "x.localhost", "h2"), "subject=CN = b.localhost");
  // No route for this name: the connection is closed before any certificate.
  EXPECT_EQ(subject_seen(tcp_port_, "c.localhost"), "<no certificate: exit 1>");
  EXPECT_TRUE(
      logged("no TCP route matches the connection from 127.0.0.1 (SNI \\\"c.localhost\\\")"));
}

// A TLS HTTP listener "websecure" (Traefik's name) with a self-signed certificate for
// localhost, redis.localhost and web.localhost.
struct Websecure {
  TempDir certs;
  uint16_t port = free_port();
  Websecure() {
    auto made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=DNS:redis.localhost,DNS:web.localhost", "-keyout",
                     certs / "key.pem", "-out", certs / "cert.pem"});
    EXPECT_EQ(made.status, 0) << made.err;
  }
  std::string listener() const {
    return "[[listeners]]\nname = \"websecure\"\nbind = \"127.0.0.1:" + std::to_string(port) +
           "\"\ntls = { cert = \"" + (certs / "cert.pem") + "\", key = \"" + (certs / "key.pem") +
           "\" }\n\n";
  }
};

TEST_F(TcpProxy, APassthroughRouteSharesATlsListenerWithHttps) {
  TlsBackend a("a.localhost");
  Websecure websecure;
  const uint16_t tls_port = websecure.port;
  ASSERT_TRUE(start(websecure.listener() + route("web", "PathPrefix(`/`)", "builtin://echo") +
                    tcp_route("a", "HostSNI(`a.localhost`)", a.target(),
                              "listeners = [\"websecure\"]\ntls = { passthrough = true }\n")));
  EXPECT_EQ(subject_seen(tls_port, "a.localhost"), "subject=CN = a.localhost");
  EXPECT_EQ(subject_seen(tls_port, "web.localhost"), "subject=CN = localhost");
  auto r = http({"-k", "--resolve", "web.localhost:" + std::to_string(tls_port) + ":127.0.0.1",
                 "https://web.localhost:" + std::to_string(tls_port) + "/hello"});
  EXPECT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(parse_json(r.response.body).value("path", ""), "/hello") << r.response.body;
}

TEST_F(TcpProxy, ATerminatingRouteServesRedisOverTlsBesideHttpsOnOneListener) {
  ASSERT_TRUE(start_redis());
  Websecure websecure;
  const uint16_t tls_port = websecure.port;
  const TempDir& certs = websecure.certs;
  ASSERT_TRUE(start(websecure.listener() + route("web", "PathPrefix(`/`)", "builtin://echo") +
                    tcp_route("redis", "HostSNI(`redis.localhost`)",
                              "tcp://127.0.0.1:" + std::to_string(redis_port_),
                              "listeners = [\"websecure\"]\ntls = {}\n")));
  // redis-cli speaks TLS to bridge, verifying bridge's certificate; Redis itself speaks plain.
  auto tls_cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"redis-cli", "--tls", "--sni", "redis.localhost", "--cacert",
                               certs / "cert.pem", "-p", std::to_string(tls_port)});
    return run(std::move(args), 10s);
  };
  auto pong = tls_cli({"PING"});
  EXPECT_EQ(pong.out, "PONG\n") << pong.err << bridge_.output();
  EXPECT_EQ(tls_cli({"SET", "sealed", "yes"}).out, "OK\n");
  EXPECT_EQ(redis_cli_at(redis_port_, {"GET", "sealed"}).out, "yes\n");  // it reached Redis
  // 4 MB each way through the TLS side: records split and joined, back-pressure both ways.
  std::string value(4 * 1024 * 1024, '\0');
  for (size_t i = 0; i < value.size(); ++i)
    value[i] = static_cast<char>('a' + (i * 31 + i / 7) % 26);
  write_file(certs / "value", value);
  auto set = run({"sh", "-c",
                  "redis-cli --tls --sni redis.localhost --cacert " + (certs / "cert.pem") +
                      " -p " + std::to_string(tls_port) + " -x SET big < " + (certs / "value")},
                 20s);
  EXPECT_EQ(set.out, "OK\n") << set.err;
  auto get = tls_cli({"--raw", "GET", "big"});
  ASSERT_EQ(get.out.size(), value.size() + 1) << get.err;  // --raw adds a newline
  EXPECT_TRUE(get.out.compare(0, value.size(), value) == 0) << "the 4 MB value came back changed";
  // Other names on the same listener are HTTPS as before.
  auto r = http({"-k", "--resolve", "web.localhost:" + std::to_string(tls_port) + ":127.0.0.1",
                 "https://web.localhost:" + std::to_string(tls_port) + "/hello"});
  EXPECT_EQ(r.response.status, 200) << r.err;
  // route test says what happens to such a connection.
  auto explained = run_bridge({"route", "test", "tcp://redis.localhost:" + std::to_string(tls_port),
                               "--sni", "redis.localhost", "--config-dir", bridge_.config_dir()});
  EXPECT_NE(explained.out.find("TLS terminated with listener websecure's certificates; the "
                               "plaintext relayed to the target"),
            std::string::npos)
      << explained.out << explained.err;
}

// ---- the relay -----------------------------------------------------------------------------

TEST_F(TcpProxy, AHalfCloseReachesTheUpstreamAndItsAnswerStillComesBack) {
  // The upstream reads until the client's FIN, then answers with what it read, reversed.
  SocketServer upstream([](int fd) {
    std::string got = read_all(fd);
    std::string answer(got.rbegin(), got.rend());
    ::write(fd, answer.data(), answer.size());
  });
  ASSERT_TRUE(start_tcp(
      tcp_route("rev", "HostSNI(`*`)", "tcp://127.0.0.1:" + std::to_string(upstream.port()))));
  RawClient client(tcp_port_);
  ASSERT_TRUE(client.send("hello, half-closed world"));
  client.shutdown_write();
  std::string answer;
  while (client.read_some(answer, 1024, 5s) > 0) {
  }
  EXPECT_EQ(answer, "dlrow desolc-flah ,olleh");
}

TEST_F(TcpProxy, AnAnswerAndTheUpstreamsCloseReachTheClientInOnePacket) {
  // An HTTP/1.0 server: reads the request, answers and closes. Its answer and FIN leave in one
  // packet (MSG_MORE, then shutdown), so bridge finds the FIN behind the answer's bytes.
  const std::string answer = "HTTP/1.0 200 OK\r\n\r\nthe whole answer\n";
  SocketServer upstream([&answer](int fd) {
    char request[256];
    if (::read(fd, request, sizeof request) <= 0) return;
    ::send(fd, answer.data(), answer.size(), MSG_MORE | MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    read_all(fd);
  });
  ASSERT_TRUE(start_tcp(
      tcp_route("once", "HostSNI(`*`)", "tcp://127.0.0.1:" + std::to_string(upstream.port()))));
  for (int i = 0; i < 3; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(tcp_port_);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
    const std::string request = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_EQ(::write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
    EXPECT_EQ(read_all(fd), answer) << "connection " << i;  // to the FIN
    tcp_info info{};
    socklen_t size = sizeof info;
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size), 0);
    // The SYN-ACK, the ACK of the request, then the answer with bridge's FIN: three packets.
    // Four when the FIN follows on its own, as it did before bridge looked behind the answer.
    EXPECT_LE(info.tcpi_segs_in, 3u) << "connection " << i << ": the answer and the FIN came "
                                     << "in separate packets";
    ::close(fd);
  }
}

TEST_F(TcpProxy, AnIdleConnectionIsClosedButOneWayTrafficKeepsItOpen) {
  // The upstream sends a byte every 100 ms for a second to a client that sends nothing.
  SocketServer upstream([](int fd) {
    char first = 0;
    if (::read(fd, &first, 1) != 1) return;
    if (first == 's') {
      for (int i = 0; i < 10; ++i) {
        if (::write(fd, ".", 1) != 1) return;
        std::this_thread::sleep_for(100ms);
      }
    }
    read_all(fd);
  });
  ASSERT_TRUE(start_tcp(tcp_route("slow", "HostSNI(`*`)",
                                  "tcp://127.0.0.1:" + std::to_string(upstream.port()),
                                  "idle_timeout = \"400ms\"\n")));
  RawClient quiet(tcp_port_);
  ASSERT_TRUE(quiet.send("q"));
  const auto start = Clock::now();
  EXPECT_TRUE(quiet.wait_closed(3s));
  EXPECT_GE(seconds_since(start), 0.35);

  RawClient listening(tcp_port_);
  ASSERT_TRUE(listening.send("s"));
  std::string dots;
  while (dots.size() < 10 && listening.read_some(dots, 16, 2s) > 0) {
  }
  EXPECT_EQ(dots, "..........") << "the connection closed while the upstream was still sending";
}

TEST_F(TcpProxy, ARefusedTargetIsSkippedForTheNextOne) {
  SocketServer upstream([](int fd) { ::write(fd, "up\n", 3); });
  const uint16_t refused = free_port();  // nothing listens here: connect is refused
  ASSERT_TRUE(start_tcp("[[upstreams]]\nname = \"pair\"\nbalance = \"first\"\ntargets = "
                        "[\"tcp://127.0.0.1:" +
                        std::to_string(refused) +
                        "\", \"tcp://127.0.0.1:" + std::to_string(upstream.port()) + "\"]\n\n" +
                        tcp_route("pair", "HostSNI(`*`)", "pair")));
  for (int i = 0; i < 3; ++i) {
    RawClient client(tcp_port_);
    std::string got;
    client.read_some(got, 16, 3s);
    EXPECT_EQ(got, "up\n") << "connection " << i << "\n" << bridge_.output();
  }
}

TEST_F(TcpProxy, AConnectionNoRouteTakesIsClosed) {
  ASSERT_TRUE(start_tcp(tcp_route("elsewhere", "ClientIP(`10.0.0.0/8`)", "tcp://127.0.0.1:1")));
  RawClient client(tcp_port_);
  EXPECT_TRUE(client.wait_closed(3s));
  EXPECT_TRUE(
      logged("listener tcp-in: no TCP route matches the connection from 127.0.0.1; closed"));
}

// ---- what bridge says about TCP connections ------------------------------------------------

TEST_F(TcpProxy, EachConnectionIsRecordedLoggedAndCounted) {
  ASSERT_TRUE(start_redis());
  const uint16_t admin_port = free_port();
  const std::string access_log = bridge_.scratch("access.log");
  std::string text =
      config(tcp_listener() + tcp_route("redis", "HostSNI(`*`)",
                                        "tcp://127.0.0.1:" + std::to_string(redis_port_)),
             "", access_log);
  text.replace(text.find("admin = \"off\""), 13,
               "admin = \"127.0.0.1:" + std::to_string(admin_port) + "\"");
  bridge_.write_config(text);
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  ASSERT_EQ(redis_cli({"SET", "k", "0123456789"}).out, "OK\n");

  json entry = access_log_entry(access_log, "\"protocol\":\"TCP\"");
  ASSERT_FALSE(entry.is_null()) << read_file(access_log);
  EXPECT_EQ(entry.value("route", ""), "redis");
  EXPECT_EQ(entry.value("listener", ""), "tcp-in");
  EXPECT_EQ(entry.value("upstream", ""), "tcp://127.0.0.1:" + std::to_string(redis_port_));
  EXPECT_EQ(entry.value("end", ""), "client_closed");  // redis-cli closes after its answer
  EXPECT_GT(entry.value("bytes_in", 0), 20);           // the SET command
  EXPECT_EQ(entry.value("bytes_out", 0), 5);           // "+OK\r\n"

  auto list = curl({"http://127.0.0.1:" + std::to_string(admin_port) + "/v1/requests"});
  json requests = parse_json(list.out).value("requests", json::array());
  ASSERT_FALSE(requests.empty()) << list.out;
  const json& record = requests.front();
  EXPECT_EQ(record.value("protocol", ""), "TCP");
  EXPECT_EQ(record.value("end", ""), "client_closed");
  EXPECT_EQ(record.value("id", ""), entry.value("request_id", "")) << record.dump();
  auto show = run_bridge({"trace", "show", record.value("id", ""), "--admin",
                          "127.0.0.1:" + std::to_string(admin_port), "--json"});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_EQ(parse_json(show.out).value("bytes_out", 0), 5) << show.out;

  auto metrics = curl({"http://127.0.0.1:" + std::to_string(admin_port) + "/metrics"});
  EXPECT_NE(
      metrics.out.find("bridge_tcp_connections_total{route=\"redis\",end=\"client_closed\"} 1"),
      std::string::npos)
      << metrics.out;
  EXPECT_NE(metrics.out.find("bridge_tcp_bytes_total{route=\"redis\",direction=\"down\"} 5"),
            std::string::npos);
  EXPECT_NE(metrics.out.find("bridge_tcp_connections_open{route=\"redis\"} 0"), std::string::npos);
}

TEST_F(TcpProxy, DrainLetsAConnectionRunThenClosesItAtTheTimeout) {
  SocketServer upstream([](int fd) {
    char buf[256];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      ::write(fd, buf, static_cast<size_t>(n));
  });
  const std::string access_log = bridge_.scratch("access.log");
  ASSERT_TRUE(
      start(tcp_listener() + tcp_route("echo", "HostSNI(`*`)",
                                       "tcp://127.0.0.1:" + std::to_string(upstream.port())),
            "drain_timeout = \"1500ms\"", access_log));
  RawClient client(tcp_port_);
  std::string got;
  ASSERT_TRUE(client.send("before"));
  client.read_some(got, 16, 3s);
  ASSERT_EQ(got, "before");

  const auto start = Clock::now();
  bridge_.process().signal(SIGTERM);
  ASSERT_TRUE(wait_for_port_closed(tcp_port_, 3s)) << "the TCP listener stayed open while draining";
  ASSERT_TRUE(client.send("during"));  // the established connection still relays
  got.clear();
  client.read_some(got, 16, 3s);
  EXPECT_EQ(got, "during");
  EXPECT_TRUE(client.wait_closed(5s));
  EXPECT_GE(seconds_since(start), 1.3) << "closed before the drain timeout";
  auto status = bridge_.process().wait_exit(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << bridge_.output();
  EXPECT_EQ(access_log_entry(access_log, "\"protocol\":\"TCP\"").value("end", ""), "drained")
      << read_file(access_log);
}

// ---- PROXY protocol --------------------------------------------------------------------------

// nginx listening with `proxy_protocol`, answering with the addresses the header gave it.
struct ProxyProtocolNginx {
  TempDir dir;
  uint16_t port = free_port();
  std::unique_ptr<Process> server;
  ProxyProtocolNginx() {
    ::chmod(dir.path().c_str(), 0755);
    write_file(dir / "nginx.conf",
               "worker_processes 1; daemon off; master_process off; pid " + (dir / "pid") +
                   "; error_log stderr error;\nevents { worker_connections 64; }\n"
                   "http { access_log off; server { listen 127.0.0.1:" +
                   std::to_string(port) +
                   " proxy_protocol; location / { return 200 \"$proxy_protocol_addr:"
                   "$proxy_protocol_port -> $proxy_protocol_server_addr:"
                   "$proxy_protocol_server_port\"; } } }\n");
    server = std::make_unique<Process>(
        std::vector<std::string>{"nginx", "-p", dir.path(), "-c", dir / "nginx.conf"});
    EXPECT_TRUE(wait_for_port(port, 5s)) << server->stderr_text();
  }
};

TEST_F(TcpProxy, AnUpstreamLearnsTheClientFromAProxyHeaderV1AndV2) {
  ProxyProtocolNginx nginx;
  const std::string target = "tcp://127.0.0.1:" + std::to_string(nginx.port);
  for (int version : {1, 2}) {
    const std::string upstreams = "[[upstreams]]\nname = \"nginx\"\ntargets = [\"" + target +
                                  "\"]\nproxy_protocol = " + std::to_string(version) + "\n\n";
    bridge_.write_config(
        config(tcp_listener() + upstreams + tcp_route("web", "HostSNI(`*`)", "nginx")));
    if (version == 1) {
      ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
    } else {
      bridge_.process().signal(SIGHUP);
      ASSERT_TRUE(logged("reloaded"));
    }
    RawClient client(tcp_port_);
    ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto r = client.read_response(5s);
    ASSERT_TRUE(r.has_value()) << "version " << version << "\n" << bridge_.output();
    EXPECT_EQ(r->status, 200);
    // The client's own address and port, and the listener's: what bridge saw, passed on.
    EXPECT_TRUE(std::regex_match(r->body, std::regex("127\\.0\\.0\\.1:[1-9][0-9]* -> "
                                                     "127\\.0\\.0\\.1:" +
                                                     std::to_string(tcp_port_))))
        << "version " << version << ": " << r->body;
  }
}

// haproxy in front of bridge, as a load balancer before a sidecar would be: it sends a PROXY
// header (v1 to one port, v2 to the other); the client connects from 127.0.0.2.
struct HaproxyInFront {
  TempDir dir;
  uint16_t v1_port = free_port(), v2_port = free_port();
  std::unique_ptr<Process> server;
  explicit HaproxyInFront(uint16_t bridge_port) {
    write_file(
        dir / "haproxy.cfg",
        "global\n  nbthread 1\ndefaults\n  mode tcp\n  timeout connect 5s\n"
        "  timeout client 30s\n  timeout server 30s\n"
        "frontend v1\n  bind 127.0.0.1:" +
            std::to_string(v1_port) + "\n  default_backend v1\nbackend v1\n  server b 127.0.0.1:" +
            std::to_string(bridge_port) +
            " send-proxy\n"
            "frontend v2\n  bind 127.0.0.1:" +
            std::to_string(v2_port) + "\n  default_backend v2\nbackend v2\n  server b 127.0.0.1:" +
            std::to_string(bridge_port) + " send-proxy-v2\n");
    server = std::make_unique<Process>(
        std::vector<std::string>{"haproxy", "-f", dir / "haproxy.cfg", "-q"});
    EXPECT_TRUE(wait_for_port(v1_port, 5s) && wait_for_port(v2_port, 5s)) << server->stderr_text();
  }
};

TEST_F(TcpProxy, AnHttpListenerTakesTheClientFromATrustedBalancersProxyHeader) {
  ASSERT_TRUE(start(route("echo", "PathPrefix(`/`)", "builtin://echo")));
  std::string text = config(route("echo", "PathPrefix(`/`)", "builtin://echo"));
  text.replace(text.find("\n\n", text.find("[[listeners]]")), 2,
               "\nproxy_protocol = { trusted_ips = [\"127.0.0.1\"] }\n\n");
  bridge_.write_config(text, true);
  bridge_.process().signal(SIGHUP);
  ASSERT_TRUE(logged("reloaded"));
  HaproxyInFront haproxy(port_);
  for (uint16_t port : {haproxy.v1_port, haproxy.v2_port}) {
    auto r = http({"--interface", "127.0.0.2", "http://127.0.0.1:" + std::to_string(port) + "/"});
    ASSERT_EQ(r.response.status, 200) << r.err << bridge_.output();
    EXPECT_EQ(echo_header(parse_json(r.response.body), "X-Forwarded-For"), "127.0.0.2")
        << r.response.body;
  }
  // A client that connects itself (trusted, no header) is served as it is.
  auto direct = http({url("/")});
  EXPECT_EQ(echo_header(parse_json(direct.response.body), "X-Forwarded-For"), "127.0.0.1");
  // A trusted peer with a broken header is closed before anything is served.
  RawClient broken(port_);
  ASSERT_TRUE(broken.send("PROXY TCP4 127.0.0.2 nonsense\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(broken.read_response(3s).has_value());
}

TEST_F(TcpProxy, AnUntrustedPeersProxyHeaderIsJustBytes) {
  std::string text = config(route("echo", "PathPrefix(`/`)", "builtin://echo"));
  text.replace(text.find("\n\n", text.find("[[listeners]]")), 2,
               "\nproxy_protocol = { trusted_ips = [\"127.0.0.9\"] }\n\n");
  bridge_.write_config(text);
  ASSERT_TRUE(bridge_.start(port_)) << bridge_.output();
  auto r =
      raw_request("PROXY TCP4 127.0.0.2 127.0.0.1 5555 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);  // "PROXY TCP4 ..." is no request line
}

TEST_F(TcpProxy, ATcpListenerRecordsTheClientAProxyHeaderNamed) {
  ASSERT_TRUE(start_backend());
  const std::string access_log = bridge_.scratch("access.log");
  std::string listener = tcp_listener();
  listener.insert(listener.size() - 1, "proxy_protocol = { trusted_ips = [\"127.0.0.1/32\"] }\n");
  const std::string backend = "tcp://" + backend_.url().substr(std::string("http://").size());
  ASSERT_TRUE(start(listener + tcp_route("backend", "HostSNI(`*`)", backend), "", access_log));
  HaproxyInFront haproxy(tcp_port_);
  auto r = http({"--interface", "127.0.0.2",
                 "http://127.0.0.1:" + std::to_string(haproxy.v2_port) + "/hello"});
  EXPECT_EQ(r.response.status, 200) << r.err << bridge_.output();
  // haproxy's readiness probes pass through too (header from 127.0.0.1, no bytes): the entry
  // wanted is the connection that carried the request.
  json entry = access_log_entry(access_log, "\"protocol\":\"TCP\"",
                                [](const json& e) { return e.value("bytes_in", 0) > 0; });
  EXPECT_EQ(entry.value("client", ""), "127.0.0.2") << read_file(access_log);
  EXPECT_EQ(entry.value("route", ""), "backend");
}

TEST_F(TcpProxy, IpAllowListAndInFlightConnGuardATcpRoute) {
  SocketServer upstream([](int fd) {
    char buf[256];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
      ::write(fd, buf, static_cast<size_t>(n));
  });
  ASSERT_TRUE(start_tcp("[tcp_middlewares.local.ipAllowList]\nsourceRange = [\"127.0.0.1/32\"]\n\n"
                        "[tcp_middlewares.two.inFlightConn]\namount = 2\n\n" +
                        tcp_route("echo", "HostSNI(`*`)",
                                  "tcp://127.0.0.1:" + std::to_string(upstream.port()),
                                  "middlewares = [\"local\", \"two\"]\n")));
  auto echoes = [](RawClient& client, const std::string& text) {
    if (!client.send(text)) return false;
    std::string got;
    client.read_some(got, 64, 3s);
    return got == text;
  };
  auto first = std::make_unique<RawClient>(tcp_port_);
  ASSERT_TRUE(echoes(*first, "one"));
  RawClient second(tcp_port_);
  ASSERT_TRUE(echoes(second, "two"));
  RawClient third(tcp_port_);  // a third at once from the same address: closed
  EXPECT_TRUE(third.wait_closed(3s));
  EXPECT_TRUE(logged("inFlightConn two: 127.0.0.1 has 2 connections open (amount 2)"));
  first.reset();  // one ends: a new one may come
  bool admitted = false;
  for (auto deadline = Clock::now() + 3s; !admitted && Clock::now() < deadline;) {
    RawClient again(tcp_port_);
    admitted = echoes(again, "again");
    if (!admitted) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(admitted) << bridge_.output();

  // From 127.0.0.2, which sourceRange leaves out, a connection is closed at once.
  // (bytes it sent unread, so the close may come as a reset)
  auto outsider = run({"/usr/bin/python3", "-c",
                       "import socket\ns = socket.socket()\ns.bind(('127.0.0.2', 0))\n"
                       "s.connect(('127.0.0.1', " +
                           std::to_string(tcp_port_) +
                           "))\n"
                           "s.sendall(b'hi')\ns.settimeout(3)\ntry:\n"
                           "    print('closed' if s.recv(16) == b'' else 'answered')\n"
                           "except ConnectionResetError:\n    print('closed')\n"});
  EXPECT_EQ(outsider.out, "closed\n") << outsider.err;
  EXPECT_TRUE(logged("ipAllowList local: 127.0.0.2 is not in sourceRange"));
}

// ---- route list and route test --------------------------------------------------------------

TEST_F(TcpProxy, RouteTestExplainsWhichTcpRouteAConnectionTakes) {
  const std::string tls = "tls = { passthrough = true }\n";
  bridge_.write_config(
      config(tcp_listener() + tcp_route("pg", "HostSNI(`*`)", "tcp://127.0.0.1:5432") +
             tcp_route("billing", "HostSNI(`billing.localhost`)", "tcp://127.0.0.1:9443", tls)));
  auto bridge = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--config-dir", bridge_.config_dir()});
    return run_bridge(std::move(args));
  };
  const std::string at = "localhost:" + std::to_string(tcp_port_);
  auto tls_test = bridge(
      {"route", "test", "tcp://billing." + at, "--sni", "billing.localhost", "--alpn", "h2"});
  EXPECT_EQ(tls_test.status, 0) << tls_test.err;
  EXPECT_NE(tls_test.out.find("TLS SNI billing.localhost, ALPN h2"), std::string::npos)
      << tls_test.out;
  EXPECT_NE(
      tls_test.out.find("HostSNI(`billing.localhost`) matched: SNI was \"billing.localhost\""),
      std::string::npos)
      << tls_test.out;
  EXPECT_NE(tls_test.out.find("winner: billing -> upstream tcp://127.0.0.1:9443"),
            std::string::npos)
      << tls_test.out;

  // Without TLS the passthrough route cannot match: the catch-all takes the connection.
  auto plain = bridge({"route", "test", "tcp://" + at, "--json"});
  EXPECT_EQ(plain.status, 0) << plain.err;
  json decision = parse_json(plain.out);
  EXPECT_EQ(decision.value("winner", ""), "pg") << plain.out;
  EXPECT_EQ(decision.value("listener", ""), "tcp-in");
  ASSERT_EQ(decision["routes"].size(), 2u);
  EXPECT_EQ(decision["routes"][0].value("observed", ""),
            "a TLS route takes TLS connections only (give --sni)");

  auto list = bridge({"route", "list"});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_NE(list.out.find("TCP ROUTE"), std::string::npos) << list.out;
  auto listed = parse_json(bridge({"route", "list", "--json"}).out);
  size_t tcp_entries = 0;
  for (const auto& entry : listed)
    if (entry.value("kind", "") == "tcp") ++tcp_entries;
  EXPECT_EQ(tcp_entries, 2u) << listed.dump();

  auto misuse = bridge({"route", "test", "GET", "tcp://" + at});
  EXPECT_EQ(misuse.status, 2);
  EXPECT_NE(misuse.err.find("a tcp:// test takes no method, --live or --http2"), std::string::npos)
      << misuse.err;
}

TEST_F(TcpProxy, ARuleThatNeedsTlsOnAPlainRouteIsAConfigError) {
  bridge_.write_config(
      config(tcp_listener() + tcp_route("pg", "HostSNI(`db.localhost`)", "tcp://127.0.0.1:5432")));
  auto r = run_bridge({"config", "check", "--config-dir", bridge_.config_dir()});
  EXPECT_EQ(r.status, 2);
  const std::string file = bridge_.config_dir() + "/dev.toml";
  const int line = line_number(
      config(tcp_listener() + tcp_route("pg", "HostSNI(`db.localhost`)", "x")), "rule = \"HostSNI");
  EXPECT_NE(r.err.find(file + ":" + std::to_string(line) + ":9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tcp route \"pg\": HostSNI(`db.localhost`) needs TLS, and this route "
                       "relays plain TCP"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("tls = { passthrough = true }"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace bridge::test
