// Upgrade: a WebSocket tunnelled after the 101, text and binary frames both ways.
#include "proxy_fixture.hpp"

namespace bridge::test {
namespace {

// ---- websocket ----------------------------------------------------------------------------

TEST_F(Proxy, WebSocketEchoRoundTrip) {
  ASSERT_TRUE(start_backend());
  ASSERT_TRUE(start(route("all", "PathPrefix(`/`)", backend_.url())));
  auto text = websocket_round_trip(port_, "/ws", host(), {"hello", "second message"}, false, 5s);
  ASSERT_EQ(text.error, "") << bridge_.output();
  EXPECT_EQ(text.echoes, (std::vector<std::string>{"hello", "second message"}));
  bool has_id = false;
  for (const auto& [k, v] : text.handshake) has_id |= lower(k) == "x-request-id";
  EXPECT_TRUE(has_id) << "the 101 response has no X-Request-ID";

  std::string big(256 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  auto binary = websocket_round_trip(port_, "/ws", host(), {big}, true, 5s);
  ASSERT_EQ(binary.error, "");
  ASSERT_EQ(binary.echoes.size(), 1u);
  EXPECT_TRUE(binary.echoes[0] == big) << "binary echo differs";
}

}  // namespace
}  // namespace bridge::test
