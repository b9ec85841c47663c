// PostgreSQL through a TCP route, as `psql` and the server see it: queries, a 50 MB COPY in and
// back out byte for byte, and a server restart that a new connection survives. The server is
// Debian's postgresql, started by the test with its own data directory; it refuses to run as
// root, so as root (CI) it runs as the `postgres` user the package creates.
#include "proxy_fixture.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

namespace bridge::test {
namespace {

// Debian installs the server under /usr/lib/postgresql/<major>/bin.
std::string postgres_bin_dir() {
  glob_t found{};
  std::string dir;
  if (::glob("/usr/lib/postgresql/*/bin/postgres", 0, nullptr, &found) == 0 && found.gl_pathc > 0) {
    dir = found.gl_pathv[found.gl_pathc - 1];
    dir.erase(dir.rfind('/'));
  }
  ::globfree(&found);
  return dir;
}

class Postgres {
 public:
  Postgres() : bin_(postgres_bin_dir()) {}
  ~Postgres() { stop(); }

  ::testing::AssertionResult init() {
    if (bin_.empty()) return ::testing::AssertionFailure() << "no /usr/lib/postgresql/*/bin";
    ::chmod(dir_.path().c_str(), 0755);  // the server's user must reach its data directory
    auto r = as_server_user({"sh", "-c",
                             "mkdir -p " + data() + " && " + bin_ + "/initdb -D " + data() +
                                 " --auth=trust -U postgres --no-sync -E UTF8"},
                            60s);
    if (r.status == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "initdb failed: " << r.out << r.err;
  }
  ::testing::AssertionResult start() {
    server_ = std::make_unique<Process>(
        command({bin_ + "/postgres", "-D", data(), "-p", std::to_string(port_), "-k", data(), "-c",
                 "listen_addresses=127.0.0.1", "-c", "fsync=off"}));
    if (wait_for_port(port_, 15s)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "postgres did not listen: " << server_->stderr_text();
  }
  // Fast shutdown (SIGINT), as pg_ctl stop -m fast.
  void stop() {
    if (!server_) return;
    server_->signal(SIGINT);
    server_->wait_exit(15s);
    server_.reset();
  }
  uint16_t port() const { return port_; }

 private:
  std::vector<std::string> command(std::vector<std::string> argv) const {
    // setpriv execs the command itself (runuser forks and keeps signals): SIGINT reaches it.
    if (::geteuid() == 0)
      argv.insert(argv.begin(),
                  {"setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"});
    return argv;
  }
  RunResult as_server_user(std::vector<std::string> argv, Millis timeout) const {
    if (::geteuid() == 0) {
      auto owned = run({"chown", "postgres:postgres", dir_.path()});
      if (owned.status != 0) return owned;
    }
    return run(command(std::move(argv)), timeout);
  }
  std::string data() const { return dir_ / "data"; }

  std::string bin_;
  TempDir dir_;
  uint16_t port_ = free_port();
  std::unique_ptr<Process> server_;
};

class TcpPostgres : public Proxy {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.init());
    ASSERT_TRUE(postgres_.start());
    ASSERT_TRUE(
        start("[[listeners]]\nname = \"pg\"\nbind = \"127.0.0.1:" + std::to_string(pg_port_) +
              "\"\nprotocol = \"tcp\"\n\n[[tcp_routes]]\nname = \"pg\"\nrule = "
              "\"HostSNI(`*`)\"\nupstream = \"tcp://127.0.0.1:" +
              std::to_string(postgres_.port()) + "\"\n"));
  }
  // psql through bridge, one command, unaligned tuples only.
  RunResult psql(const std::string& command, Millis timeout = 30s) {
    return run({"psql", "-h", "127.0.0.1", "-p", std::to_string(pg_port_), "-U", "postgres", "-d",
                "postgres", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", command},
               timeout);
  }

  Postgres postgres_;
  uint16_t pg_port_ = free_port();
};

TEST_F(TcpPostgres, QueriesRunThroughTheRoute) {
  auto r = psql("select 6 * 7");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "42\n");
  // The server sees bridge's connection: its client address is the relay's, on loopback.
  auto who = psql("select client_addr from pg_stat_activity where pid = pg_backend_pid()");
  EXPECT_EQ(who.out, "127.0.0.1\n") << who.err;
}

TEST_F(TcpPostgres, FiftyMegabytesCopyInAndBackOutUnchanged) {
  TempDir dir;
  {
    std::ofstream out(dir / "in.tsv", std::ios::binary);
    std::string line(99, 'x');
    for (int i = 0; i < 500'000; ++i) {
      for (size_t j = 0; j < line.size(); ++j) line[j] = static_cast<char>('a' + (i + j * 7) % 26);
      out << line << '\n';  // 100 bytes a row, 50 MB in all
    }
  }
  ASSERT_EQ(psql("create table rows (line text)").status, 0);
  auto in = psql("\\copy rows from '" + (dir / "in.tsv") + "'", 120s);
  ASSERT_EQ(in.status, 0) << in.err;
  auto sums = psql("select count(*), sum(length(line)) from rows");
  EXPECT_EQ(sums.out, "500000|49500000\n") << sums.err;
  auto out = psql("\\copy rows to '" + (dir / "out.tsv") + "'", 120s);
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_TRUE(read_file(dir / "out.tsv") == read_file(dir / "in.tsv"))
      << "the 50 MB copied back out differs from what went in";
}

TEST_F(TcpPostgres, ANewConnectionAfterAServerRestartWorks) {
  ASSERT_EQ(psql("select 1").out, "1\n");
  postgres_.stop();
  auto down = psql("select 1", 10s);
  EXPECT_NE(down.status, 0) << "psql succeeded with the server stopped";
  ASSERT_TRUE(postgres_.start());
  // The target was marked down after the refused connect; it comes back once up again.
  auto deadline = Clock::now() + 20s;
  RunResult again;
  while (Clock::now() < deadline) {
    again = psql("select 2", 10s);
    if (again.status == 0) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(again.out, "2\n") << again.err << bridge_.output();
}

}  // namespace
}  // namespace bridge::test
