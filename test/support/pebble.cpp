#include "pebble.hpp"

#include "net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace bridge::test {

namespace {

void must(const RunResult& r, const std::string& what) {
  if (r.status != 0) throw std::runtime_error(what + " failed: " + r.err);
}

}  // namespace

Pebble::Pebble() {
  acme_port_ = free_port();
  management_port_ = free_port();
  http_port_ = free_port();
  tls_port_ = free_port();
  dns_port_ = free_port();
  const std::string d = dir_.path();
  must(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=pebble test CA", "-keyout", d + "/ca-key.pem",
            "-out", d + "/ca.pem"}),
       "openssl CA");
  must(run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=localhost", "-keyout", d + "/key.pem", "-out", d + "/req.csr"}),
       "openssl CSR");
  write_file(d + "/ext.cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  must(run({"openssl", "x509", "-req", "-in", d + "/req.csr", "-CA", d + "/ca.pem", "-CAkey",
            d + "/ca-key.pem", "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out",
            d + "/cert.pem"}),
       "openssl cert");
  write_file(
      d + "/pebble.json",
      "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + std::to_string(acme_port_) +
          "\", \"managementListenAddress\": \"127.0.0.1:" + std::to_string(management_port_) +
          "\", \"certificate\": \"" + d + "/cert.pem\", \"privateKey\": \"" + d +
          "/key.pem\", \"httpPort\": " + std::to_string(http_port_) +
          ", \"tlsPort\": " + std::to_string(tls_port_) +
          ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}\n");
  std::string dns = "127.0.0.1:" + std::to_string(dns_port_);
  dns_ = std::make_unique<Process>(std::vector<std::string>{
      "pebble-challtestsrv", "-dns01", dns, "-http01", "", "-https01", "", "-tlsalpn01", "",
      "-management", "127.0.0.1:" + std::to_string(free_port()), "-defaultIPv4", "127.0.0.1",
      "-defaultIPv6", ""});
  pebble_ = std::make_unique<Process>(
      std::vector<std::string>{"pebble", "-config", d + "/pebble.json", "-dnsserver", dns},
      std::map<std::string, std::string>{{"PEBBLE_VA_NOSLEEP", "1"}});
  if (!wait_for_port(acme_port_, 10s) || !wait_for_port(management_port_, 10s)) {
    throw std::runtime_error("pebble did not start: " + output());
  }
}

Pebble::~Pebble() = default;

std::string Pebble::directory() const {
  return "https://127.0.0.1:" + std::to_string(acme_port_) + "/dir";
}

std::string Pebble::root_path() {
  std::string path = dir_ / "pebble-root.pem";
  auto r = curl({"--cacert", ca_bundle(), "-o", path,
                 "https://127.0.0.1:" + std::to_string(management_port_) + "/roots/0"});
  return r.status == 0 ? path : "";
}

std::string Pebble::output() const {
  std::string out;
  if (pebble_) out += pebble_->stdout_text() + pebble_->stderr_text();
  if (dns_) out += dns_->stdout_text() + dns_->stderr_text();
  return out;
}

BlackHole::BlackHole(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    ::close(fd_);
    throw std::runtime_error("cannot hold port " + std::to_string(port));
  }
}

bool BlackHole::wait_for_connection(Millis timeout) const {
  // A listening socket polls readable once a connection is queued; nothing accepts it.
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLIN) != 0;
}

BlackHole::~BlackHole() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace bridge::test
