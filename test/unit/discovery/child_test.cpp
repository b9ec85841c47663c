#include "detail/child.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

namespace bridge::discovery::detail {
namespace {

// The proxy's sockets lack close-on-exec (Asio accepts and opens them without it): a kubectl
// that inherited a client's socket would hold that connection open as long as it runs.
TEST(ChildProcess, InheritsNoDescriptorPastStderr) {
  const int leaked = ::socket(AF_INET, SOCK_STREAM, 0);  // as Asio opens them: no SOCK_CLOEXEC
  ASSERT_GE(leaked, 3);
  boost::asio::io_context io;
  std::optional<Result<CommandOutput>> result;
  boost::asio::co_spawn(
      io, run_command({"ls", "/proc/self/fd"}, {}, std::chrono::seconds(10)),
      [&](std::exception_ptr, Result<CommandOutput> r) { result = std::move(r); });
  io.run();
  ::close(leaked);
  ASSERT_TRUE(result && *result) << (result ? (*result).error().message : "no result");
  EXPECT_EQ((*result)->status, 0) << (*result)->err;
  // ls's own: stdin, stdout, stderr and the directory it is listing.
  std::istringstream listed((*result)->out);
  for (std::string fd; listed >> fd;)
    EXPECT_LE(std::stoi(fd), 3) << "the child inherited fd " << fd;
}

}  // namespace
}  // namespace bridge::discovery::detail
