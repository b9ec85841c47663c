#pragma once
/// An HTTP peer on a real listening socket (127.0.0.1:0 or a Unix socket) that reads each
/// request head and then writes a fixed script of bytes, piece by piece, for the HTTP client's
/// tests. It runs on its own thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bridge::net::test {

struct Script {
  std::vector<std::string> pieces;  // written in order after the request head is in
  bool paced = false;               // piece i > 0 waits until release() was called i times
  bool hold_open = false;           // after the last piece, keep the connection open
};

class ScriptedPeer {
 public:
  /// Listens on 127.0.0.1, port chosen by the kernel.
  explicit ScriptedPeer(Script script);
  /// Listens on 127.0.0.1 and speaks TLS with `tls` (which must outlive the peer).
  ScriptedPeer(Script script, boost::asio::ssl::context& tls);
  /// Listens on the Unix socket `path`.
  ScriptedPeer(Script script, const std::string& path);
  ~ScriptedPeer();
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  uint16_t port() const { return port_; }
  /// Lets the next paced piece go out.
  void release() { released_.fetch_add(1); }
  /// The request heads read so far, concatenated.
  std::string requests() const;

 private:
  template <class Acceptor>
  void start(Acceptor acceptor, boost::asio::ssl::context* tls = nullptr);

  Script script_;
  uint16_t port_ = 0;
  std::atomic<int> released_{0};
  mutable std::mutex mutex_;
  std::string requests_;
  boost::asio::io_context io_;
  std::thread thread_;
};

}  // namespace bridge::net::test
