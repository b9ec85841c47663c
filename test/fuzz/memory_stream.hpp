#pragma once
/// An in-memory connection end for the harnesses that run bridge's relay coroutines.

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace bridge::fuzz {

// One end of a connection in memory: reads return the next piece of `input` (sizes from a
// small deterministic generator), then end of stream; writes are appended to `output`.
// Completions are posted, as a socket's would be.
class MemoryStream {
 public:
  using executor_type = boost::asio::any_io_executor;

  MemoryStream(executor_type executor, std::string_view input, uint8_t seed)
      : executor_(std::move(executor)), input_(input), state_(seed) {}

  executor_type get_executor() const noexcept { return executor_; }
  void expires_after(std::chrono::steady_clock::duration) {}  // time never passes here
  const std::string& output() const { return output_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          boost::system::error_code ec;
          size_t n = 0;
          if (input_.empty()) {
            ec = boost::asio::error::eof;
          } else {
            n = boost::asio::buffer_copy(
                b, boost::asio::buffer(input_.data(), std::min(input_.size(), next_piece())));
            input_.remove_prefix(n);
          }
          complete(std::move(handler), ec, n);
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          size_t n = 0;
          for (auto it = boost::asio::buffer_sequence_begin(b);
               it != boost::asio::buffer_sequence_end(b); ++it) {
            boost::asio::const_buffer piece = *it;
            output_.append(static_cast<const char*>(piece.data()), piece.size());
            n += piece.size();
          }
          complete(std::move(handler), boost::system::error_code{}, n);
        },
        token, buffers);
  }

 private:
  template <class Handler>
  void complete(Handler handler, boost::system::error_code ec, size_t n) {
    auto executor = boost::asio::get_associated_executor(handler, executor_);
    boost::asio::post(executor, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
  }

  // Seed 0: every read gets all it asks for. Otherwise pieces of 1 to 64 bytes, mostly small.
  size_t next_piece() {
    if (state_ == 0) return input_.size();
    state_ = state_ * 1103515245u + 12345u;
    uint32_t r = state_ >> 16;
    return (r & 3) == 0 ? 1 + (r >> 2) % 64 : 1 + (r >> 2) % 8;
  }

  executor_type executor_;
  std::string_view input_;
  std::string output_;
  uint32_t state_;
};

}  // namespace bridge::fuzz
