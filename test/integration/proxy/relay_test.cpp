// The syscall economy of the body relay: a 4 MiB body crosses bridge in large reads, whichever
// way it goes and however it is framed. The reads are counted with strace on bridge's process
// (real system calls, not timings, so the bound does not depend on the machine's speed).
// Beast's own body reads are sized by the spare room of the parser's buffer, 512 bytes: 8,192
// reads for the same body; 16 KiB reads made about 260; bridge's 64 KiB reads make 68-89.
// Over TLS a read returns at most one record's worth to OpenSSL (16 KiB of body: larger reads
// made OpenSSL move the bytes past each record, costing more than the reads saved), so the
// bound there is about one read per record.
#include "proxy_fixture.hpp"

#include <csignal>
#include <fstream>

namespace bridge::test {
namespace {

constexpr size_t body_size = 4u << 20;
constexpr long max_reads = 200;                               // an average read of 20 KiB or more
constexpr long max_tls_reads = body_size / (16 * 1024) + 64;  // 320: a record per read

class Relay : public HttpsProxy {
 protected:
  // Read-like system calls bridge makes (all threads) while `action` runs.
  long count_reads(const std::function<void()>& action) {
    TempDir dir;
    std::string summary = dir.path() + "/strace.txt";
    Process strace({"strace", "-f", "-c", "-e", "trace=read,readv,recvfrom,recvmsg", "-o", summary,
                    "-p", std::to_string(bridge_.pid())});
    if (!strace.wait_for_stderr("attached", 10s)) {
      ADD_FAILURE() << "strace did not attach to bridge: " << strace.stderr_text();
      return -1;
    }
    action();
    strace.signal(SIGINT);  // detaches and writes the summary
    if (!strace.wait_exit(10s)) {
      ADD_FAILURE() << "strace did not exit";
      return -1;
    }
    std::ifstream in(summary);
    long calls = 0;
    for (std::string line; std::getline(in, line);) {
      // "% time  seconds  usecs/call  calls  errors syscall"; errors is empty when none
      std::istringstream row(line);
      std::vector<std::string> cells;
      for (std::string cell; row >> cell;) cells.push_back(cell);
      if (cells.size() < 5) continue;
      const std::string& name = cells.back();
      if (name != "read" && name != "readv" && name != "recvfrom" && name != "recvmsg") continue;
      calls += std::stol(cells[3]);
    }
    return calls;
  }
};

TEST_F(Relay, ContentLengthDownloadIsReadInLargePieces) {
  ASSERT_TRUE(start_nginx());
  write_file(nginx_.root() + "/4m.bin", std::string(body_size, 'b'));
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", nginx_.url())));
  CurlResponse r;
  long reads = count_reads([&] { r = http({url("/4m.bin")}); });
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(r.response.body.size(), body_size);
  EXPECT_GT(reads, 0);
  EXPECT_LE(reads, max_reads) << "4 MiB relayed in " << reads << " reads";
}

TEST_F(Relay, ChunkedDownloadIsReadInLargePieces) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  CurlResponse r;
  long reads =
      count_reads([&] { r = http({url("/chunked-bytes?n=" + std::to_string(body_size))}); });
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(r.response.header("Transfer-Encoding").value_or(""), "chunked");
  EXPECT_EQ(r.response.body.size(), body_size);
  EXPECT_GT(reads, 0);
  EXPECT_LE(reads, max_reads) << "4 MiB relayed in " << reads << " reads";
}

TEST_F(Relay, UploadIsReadInLargePieces) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  TempDir dir;
  write_file(dir.path() + "/up.bin", std::string(body_size, 'u'));
  for (bool chunked : {false, true}) {
    std::vector<std::string> args = {"--data-binary", "@" + dir.path() + "/up.bin"};
    if (chunked) args.insert(args.end(), {"-H", "Transfer-Encoding: chunked"});
    args.push_back(url("/upload"));
    CurlResponse r;
    long reads = count_reads([&] { r = http(args); });
    ASSERT_EQ(r.response.status, 200) << r.err;
    json echo = parse_json(r.response.body);
    EXPECT_EQ(echo.value("body_length", 0u), body_size) << (chunked ? "chunked" : "length");
    EXPECT_GT(reads, 0);
    EXPECT_LE(reads, max_reads) << (chunked ? "chunked" : "Content-Length")
                                << " upload of 4 MiB in " << reads << " reads";
  }
}

// HTTPS in front, HTTPS behind (nginx, its certificate verified as the upstream's CA).
TEST_F(Relay, TlsDownloadFromAnHttpsUpstreamIsReadInLargePieces) {
  const std::string listener = tls_listener();
  const std::string cert = certs_.path() + "/cert.pem";
  nginx_.serve_tls(cert, certs_.path() + "/key.pem");
  ASSERT_TRUE(start_nginx());
  write_file(nginx_.root() + "/4m.bin", std::string(body_size, 't'));
  ASSERT_TRUE(start(listener + "[[upstreams]]\nname = \"files\"\ntargets = [\"" + nginx_.tls_url() +
                    "\"]\ntls = { ca = \"" + cert + "\" }\n\n" +
                    route("all", "PathPrefix(`/`)", "files")));
  CurlResponse r;
  long reads = count_reads([&] { r = http({"-k", tls_url("/4m.bin")}); });
  ASSERT_EQ(r.response.status, 200) << r.err << bridge_.output();
  EXPECT_EQ(r.response.body, std::string(body_size, 't'));
  EXPECT_GT(reads, 0);
  EXPECT_LE(reads, max_tls_reads) << "4 MiB relayed over TLS in " << reads << " reads";
}

TEST_F(Relay, TlsUploadIsReadInLargePieces) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(tls_listener() + route("all", "PathPrefix(`/`)", backend_.url())));
  TempDir dir;
  write_file(dir.path() + "/up.bin", std::string(body_size, 'u'));
  CurlResponse r;
  long reads = count_reads([&] {
    r = http({"-k", "--data-binary", "@" + dir.path() + "/up.bin", tls_url("/upload")});
  });
  ASSERT_EQ(r.response.status, 200) << r.err;
  EXPECT_EQ(parse_json(r.response.body).value("body_length", 0u), body_size);
  EXPECT_GT(reads, 0);
  EXPECT_LE(reads, max_tls_reads) << "4 MiB upload over TLS in " << reads << " reads";
}

}  // namespace
}  // namespace bridge::test
