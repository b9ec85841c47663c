// unix:// targets as a client and the server behind the socket see them: nginx listening on
// Unix sockets (HTTP/1.1 with pooled connections, and h2c) behind an HTTP route, redis-server
// on a Unix socket behind a TCP route, and the 502 a missing socket gives. Real peers only.
#include "proxy_fixture.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace bridge::test {
namespace {

// True once something accepts connections on the Unix socket at `path`.
bool wait_for_unix_socket(const std::string& path, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// nginx answering on two Unix sockets: app.sock speaks HTTP/1.1, h2.sock HTTP/2 with prior
// knowledge. Each answers "URI HOST CONNECTION PROTOCOL", so a test sees what arrived and on
// which of nginx's connections.
struct UnixNginx {
  TempDir dir;
  std::unique_ptr<Process> server;
  std::string app_socket() const { return dir / "app.sock"; }
  std::string h2_socket() const { return dir / "h2.sock"; }
  UnixNginx() {
    ::chmod(dir.path().c_str(), 0755);
    const std::string answer =
        "location / { return 200 \"$request_uri $host $connection $server_protocol\\n\"; }";
    write_file(dir / "nginx.conf",
               "worker_processes 1; daemon off; master_process off; pid " + (dir / "pid") +
                   "; error_log stderr error;\nevents { worker_connections 64; }\n"
                   "http { access_log off;\n"
                   "server { listen unix:" +
                   app_socket() + "; " + answer +
                   " }\n"
                   "server { listen unix:" +
                   h2_socket() + " http2; " + answer + " } }\n");
    server = std::make_unique<Process>(
        std::vector<std::string>{"nginx", "-p", dir.path(), "-c", dir / "nginx.conf"});
    EXPECT_TRUE(wait_for_unix_socket(app_socket(), 5s)) << server->stderr_text();
    EXPECT_TRUE(wait_for_unix_socket(h2_socket(), 5s)) << server->stderr_text();
  }
};

class UnixSocketProxy : public Proxy {};

TEST_F(UnixSocketProxy, AnHttpRouteReachesNginxOnAUnixSocketAndReusesTheConnection) {
  UnixNginx nginx;
  ASSERT_TRUE(start(route("app", "PathPrefix(`/`)", "unix://" + nginx.app_socket())));
  // One curl, two requests on its one connection to bridge: bridge takes the second to nginx
  // on the pooled Unix connection the first opened (nginx's $connection is the same).
  auto r = curl({"-sS", url("/first?x=1"), url("/second")});
  ASSERT_EQ(r.status, 0) << r.err << bridge_.output();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      r.out, m,
      std::regex("/first\\?x=1 127\\.0\\.0\\.1 ([0-9]+) HTTP/1\\.1\n/second 127\\.0\\.0\\.1 "
                 "([0-9]+) HTTP/1\\.1\n")))
      << r.out;
  EXPECT_EQ(m[1], m[2]) << "the second request opened a new connection: " << r.out;
}

TEST_F(UnixSocketProxy, AnH2cUpstreamOnAUnixSocketGetsHttp2) {
  UnixNginx nginx;
  ASSERT_TRUE(start("[[upstreams]]\nname = \"h2\"\ntargets = [\"unix://" + nginx.h2_socket() +
                    "\"]\nprotocol = \"h2c\"\n\n" + route("h2", "PathPrefix(`/`)", "h2")));
  auto r = http({url("/grpc-like")});
  ASSERT_EQ(r.exit, 0) << r.err << bridge_.output();
  EXPECT_EQ(r.response.status, 200);
  EXPECT_TRUE(std::regex_match(r.response.body,
                               std::regex("/grpc-like 127\\.0\\.0\\.1 [0-9]+ HTTP/2\\.0\n")))
      << r.response.body;
}

TEST_F(UnixSocketProxy, AMissingSocketIs502NamingThePath) {
  TempDir dir;
  const std::string missing = dir / "gone.sock";
  ASSERT_TRUE(start(route("app", "PathPrefix(`/`)", "unix://" + missing)));
  auto r = http({url("/")});
  ASSERT_EQ(r.exit, 0) << r.err;
  expect_error(r.response, 502, "upstream_unreachable");
  EXPECT_NE(parse_json(r.response.body)
                .value("message", "")
                .find("connect " + missing + ": No such file or directory"),
            std::string::npos)
      << r.response.body;
}

TEST_F(UnixSocketProxy, ATcpRouteRelaysRedisOnAUnixSocket) {
  TempDir dir;
  const std::string socket = dir / "redis.sock";
  Process redis({"redis-server", "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700",
                 "--save", "", "--appendonly", "no"});
  ASSERT_TRUE(wait_for_unix_socket(socket, 5s)) << redis.stderr_text() << redis.stdout_text();
  const uint16_t tcp_port = free_port();
  ASSERT_TRUE(
      start("[[listeners]]\nname = \"redis\"\nbind = \"127.0.0.1:" + std::to_string(tcp_port) +
            "\"\nprotocol = \"tcp\"\n\n[[tcp_routes]]\nname = \"redis\"\nrule = "
            "\"HostSNI(`*`)\"\nupstream = \"unix://" +
            socket + "\"\n"));
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"redis-cli", "-p", std::to_string(tcp_port)});
    return run(std::move(args), 10s).out;
  };
  EXPECT_EQ(cli({"PING"}), "PONG\n") << bridge_.output();
  EXPECT_EQ(cli({"SET", "where", "unix"}), "OK\n");
  EXPECT_EQ(cli({"GET", "where"}), "unix\n");
}

}  // namespace
}  // namespace bridge::test
