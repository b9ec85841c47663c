#pragma once
/// A Boost.Beast WebSocket client for round trips through bridge.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bridge::test {

struct WebSocketResult {
  std::string error;                                           // empty on success
  std::vector<std::pair<std::string, std::string>> handshake;  // the 101 response's headers
  std::vector<std::string> echoes;                             // one per message sent
};

/// Connects to ws://127.0.0.1:port`target` with Host `host`, sends each message (text, or binary
/// when `binary`), reads one message back after each, then closes normally. Everything must
/// finish within `timeout`.
WebSocketResult websocket_round_trip(uint16_t port, const std::string& target,
                                     const std::string& host,
                                     const std::vector<std::string>& messages, bool binary,
                                     std::chrono::milliseconds timeout);

}  // namespace bridge::test
