#include "raw_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bridge::test {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  std::string want = lower(name);
  for (const auto& [k, v] : headers) {
    if (lower(k) == want) return v;
  }
  return std::nullopt;
}

size_t HttpResponse::header_count(std::string_view name) const {
  std::string want = lower(name);
  return static_cast<size_t>(std::count_if(headers.begin(), headers.end(),
                                           [&](const auto& h) { return lower(h.first) == want; }));
}

RawClient::RawClient(uint16_t port, std::chrono::milliseconds connect_timeout) {
  auto deadline = Clock::now() + connect_timeout;
  for (;;) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) break;
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (Clock::now() >= deadline) {
      throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port) + ": " +
                               std::strerror(err));
    }
    ::usleep(5000);
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(std::string_view bytes) {
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (Clock::now() >= deadline) return false;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  return true;
}

void RawClient::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RawClient::fill(Clock::time_point deadline) {
  if (closed_) {
    error_ = "eof";
    return false;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      closed_ = true;
      error_ = "eof";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      closed_ = true;
      error_ = errno == ECONNRESET ? "reset" : std::string("recv: ") + std::strerror(errno);
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      error_ = "timeout";
      return false;
    }
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 100)));
  }
}

bool RawClient::read_line(std::string& line, Clock::time_point deadline) {
  for (;;) {
    auto pos = buf_.find("\r\n");
    if (pos != std::string::npos) {
      line = buf_.substr(0, pos);
      buf_.erase(0, pos + 2);
      return true;
    }
    if (!fill(deadline)) return false;
  }
}

bool RawClient::read_exact(std::string& out, size_t n, Clock::time_point deadline) {
  while (buf_.size() < n) {
    if (!fill(deadline)) return false;
  }
  out.append(buf_, 0, n);
  buf_.erase(0, n);
  return true;
}

std::optional<HttpResponse> RawClient::parse_head(Clock::time_point deadline) {
  HttpResponse r;
  std::string line;
  if (!read_line(line, deadline)) return std::nullopt;
  auto sp1 = line.find(' ');
  if (sp1 == std::string::npos || line.rfind("HTTP/", 0) != 0) {
    error_ = "parse: bad status line: " + line;
    return std::nullopt;
  }
  r.version = line.substr(0, sp1);
  auto sp2 = line.find(' ', sp1 + 1);
  try {
    r.status = std::stoi(line.substr(sp1 + 1, sp2 - sp1 - 1));
  } catch (...) {
    error_ = "parse: bad status line: " + line;
    return std::nullopt;
  }
  if (sp2 != std::string::npos) r.reason = line.substr(sp2 + 1);
  for (;;) {
    if (!read_line(line, deadline)) return std::nullopt;
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      error_ = "parse: bad header line: " + line;
      return std::nullopt;
    }
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    r.headers.emplace_back(line.substr(0, colon), value);
  }
  return r;
}

bool RawClient::read_body(HttpResponse& r, bool head_request, Clock::time_point deadline) {
  if (head_request || (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304) {
    return true;
  }
  auto te = r.header("Transfer-Encoding");
  if (te && lower(*te).find("chunked") != std::string::npos) {
    for (;;) {
      std::string line;
      if (!read_line(line, deadline)) return false;
      size_t size = 0;
      try {
        size = std::stoul(line.substr(0, line.find(';')), nullptr, 16);
      } catch (...) {
        error_ = "parse: bad chunk size: " + line;
        return false;
      }
      if (size == 0) {
        for (;;) {  // trailers
          if (!read_line(line, deadline)) return false;
          if (line.empty()) return true;
        }
      }
      if (!read_exact(r.body, size, deadline)) return false;
      std::string crlf;
      if (!read_exact(crlf, 2, deadline)) return false;
    }
  }
  auto cl = r.header("Content-Length");
  if (cl) return read_exact(r.body, std::stoull(*cl), deadline);
  while (fill(deadline)) {
  }
  r.body += buf_;
  buf_.clear();
  return error_ == "eof";
}

std::optional<HttpResponse> RawClient::read_response(std::chrono::milliseconds timeout,
                                                     bool head_request) {
  auto deadline = Clock::now() + timeout;
  auto r = parse_head(deadline);
  if (!r) return std::nullopt;
  if (!read_body(*r, head_request, deadline)) return std::nullopt;
  return r;
}

std::optional<HttpResponse> RawClient::read_head(std::chrono::milliseconds timeout) {
  return parse_head(Clock::now() + timeout);
}

size_t RawClient::read_some(std::string& out, size_t max, std::chrono::milliseconds timeout) {
  if (buf_.empty() && !fill(Clock::now() + timeout)) return 0;
  size_t n = std::min(max, buf_.size());
  out.append(buf_, 0, n);
  buf_.erase(0, n);
  return n;
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    buf_.clear();
    if (!fill(deadline)) return closed_;
  }
}

}  // namespace bridge::test
