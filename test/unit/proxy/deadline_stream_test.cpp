// DeadlineStream on real loopback sockets: reads and writes past their deadline end with
// beast::error::timeout, nothing else is cut off, and completions keep their handler's
// cancellation slot.
#include "loopback.hpp"
#include "proxy/detail/deadline_stream.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridge::proxy {
namespace {

using namespace std::chrono_literals;
using asio::experimental::awaitable_operators::operator||;

// A connected pair: `ours` is watched, `peer` is a plain socket.
struct Pair {
  asio::io_context context{1};
  DeadlineWatch watch;
  std::optional<DeadlineStream> ours;
  tcp::socket peer{context};

  Pair() {
    watch.start(context);
    auto [client, accepted] = connect_loopback(context);
    peer = std::move(accepted);
    ours.emplace(std::move(client), watch);
  }
  ~Pair() {
    ours.reset();
    watch.stop();
  }
  // Runs `body` as a coroutine on the context until it finishes (the watch's timer may still
  // be armed then: stop rather than wait for it).
  template <class Body>
  void run(Body body) {
    bool finished = false;
    asio::co_spawn(
        context,
        [&]() -> asio::awaitable<void> {
          co_await body();
          finished = true;
          context.stop();
        },
        asio::detached);
    context.run_for(10s);
    context.restart();
    ASSERT_TRUE(finished) << "the coroutine did not finish within 10 s";
  }
};

TEST(DeadlineStream, ReadPastItsDeadlineEndsAsTimeoutAndClosesTheSocket) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    char buf[16];
    const auto start = Clock::now();
    p.ours->expires_after(150ms);
    auto [ec, n] = co_await p.ours->async_read_some(asio::buffer(buf), nothrow);
    const auto took = Clock::now() - start;
    EXPECT_EQ(ec, beast::error::timeout) << ec.message();
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 2s);
    EXPECT_FALSE(p.ours->socket().is_open());
  });
}

TEST(DeadlineStream, ReadThatCompletesInTimeIsNotCutOffLater) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    char buf[16];
    p.ours->expires_after(100ms);
    asio::write(p.peer, asio::buffer(std::string("hello")));
    auto [ec, n] = co_await p.ours->async_read_some(asio::buffer(buf), nothrow);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(std::string(buf, n), "hello");
    // The deadline passes with nothing pending: the connection stays usable.
    asio::steady_timer pause(p.context, 300ms);
    co_await pause.async_wait(nothrow);
    EXPECT_TRUE(p.ours->socket().is_open());
    p.ours->expires_never();
    asio::write(p.peer, asio::buffer(std::string("again")));
    auto [ec2, n2] = co_await p.ours->async_read_some(asio::buffer(buf), nothrow);
    EXPECT_FALSE(ec2) << ec2.message();
    EXPECT_EQ(std::string(buf, n2), "again");
  });
}

TEST(DeadlineStream, OperationStartedAfterItsDeadlineTimesOutAtOnce) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    char buf[16];
    p.ours->expires_after(50ms);
    asio::steady_timer pause(p.context, 200ms);
    co_await pause.async_wait(nothrow);
    const auto start = Clock::now();
    auto [ec, n] = co_await p.ours->async_read_some(asio::buffer(buf), nothrow);
    EXPECT_EQ(ec, beast::error::timeout) << ec.message();
    EXPECT_LT(Clock::now() - start, 500ms);
  });
}

TEST(DeadlineStream, EachStreamKeepsItsOwnDeadline) {
  Pair p;
  auto [raw, other_peer] = connect_loopback(p.context);
  DeadlineStream longer(std::move(raw), p.watch);
  EXPECT_EQ(p.watch.size(), 2u);
  p.run([&]() -> asio::awaitable<void> {
    // The long deadline is armed first; the short one must still fire on time.
    longer.expires_after(1500ms);
    p.ours->expires_after(100ms);
    char a[8], b[8];
    auto short_read = [&]() -> asio::awaitable<error_code> {
      auto [ec, n] = co_await p.ours->async_read_some(asio::buffer(a), nothrow);
      co_return ec;
    };
    auto long_read = [&]() -> asio::awaitable<error_code> {
      auto [ec, n] = co_await longer.async_read_some(asio::buffer(b), nothrow);
      co_return ec;
    };
    auto [long_ec, short_ec] = co_await asio::experimental::awaitable_operators::operator&&
        (long_read(), [&]() -> asio::awaitable<error_code> {
          auto ec = co_await short_read();
          EXPECT_TRUE(longer.socket().is_open()) << "the long stream was closed with the short one";
          asio::write(other_peer, asio::buffer(std::string("late")));
          co_return ec;
        }());
    EXPECT_EQ(long_ec, error_code()) << long_ec.message();
    EXPECT_EQ(short_ec, beast::error::timeout) << short_ec.message();
  });
}

TEST(DeadlineStream, WriteToAPeerThatDoesNotReadTimesOut) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    std::string big(64 << 20, 'x');  // more than both socket buffers hold
    p.ours->expires_after(200ms);
    auto [ec, n] = co_await asio::async_write(*p.ours, asio::buffer(big), nothrow);
    EXPECT_EQ(ec, beast::error::timeout) << ec.message();
    EXPECT_LT(n, big.size());
  });
}

TEST(DeadlineStream, CancellationReachesThePendingRead) {
  Pair p;
  p.run([&]() -> asio::awaitable<void> {
    char buf[16];
    p.ours->expires_after(5s);
    asio::steady_timer quick(p.context, 50ms);
    const auto start = Clock::now();
    // || cancels the read through its handler's cancellation slot when the timer wins.
    auto winner = co_await (p.ours->async_read_some(asio::buffer(buf), asio::use_awaitable) ||
                            quick.async_wait(asio::use_awaitable));
    EXPECT_EQ(winner.index(), 1u);
    EXPECT_LT(Clock::now() - start, 1s);
    EXPECT_TRUE(p.ours->socket().is_open()) << "a cancelled read is not a timeout";
  });
}

TEST(DeadlineStream, MovedStreamStaysWatchedOnce) {
  Pair p;
  EXPECT_EQ(p.watch.size(), 1u);
  DeadlineStream moved(std::move(*p.ours));
  p.ours.reset();
  EXPECT_EQ(p.watch.size(), 1u);
  p.run([&]() -> asio::awaitable<void> {
    char buf[16];
    moved.expires_after(100ms);
    auto [ec, n] = co_await moved.async_read_some(asio::buffer(buf), nothrow);
    EXPECT_EQ(ec, beast::error::timeout) << ec.message();
  });
  {
    DeadlineStream gone(tcp::socket(p.context), p.watch);
    EXPECT_EQ(p.watch.size(), 2u);
  }
  EXPECT_EQ(p.watch.size(), 1u);
}

}  // namespace
}  // namespace bridge::proxy
