#pragma once
/// What a relay wrote, read back by a fresh parser with no limits: the harnesses of
/// http1_request and http1_response check that it is one whole message and nothing after it.

#include "fuzz.hpp"

#include <boost/beast/http.hpp>

#include <cstdio>
#include <limits>
#include <string>

namespace bridge::fuzz {

/// Parses `wire` into `reread` (a fresh parser; set skip() first for a HEAD answer) and
/// aborts, printing `what` and the bytes, unless they are exactly one whole message.
template <bool isRequest>
void read_back_whole(boost::beast::http::parser<isRequest, boost::beast::http::string_body>& reread,
                     const std::string& wire, const char* what) {
  namespace bhttp = boost::beast::http;
  reread.header_limit(std::numeric_limits<uint32_t>::max());
  reread.body_limit(boost::none);
  reread.eager(true);
  size_t offset = 0;
  boost::system::error_code ec;
  while (!reread.is_done() && !ec) {
    size_t used = reread.put(boost::asio::buffer(wire.data() + offset, wire.size() - offset), ec);
    offset += used;
    if (used == 0 && !ec) ec = bhttp::error::partial_message;
  }
  if (ec)
    std::fprintf(stderr, "%s does not parse (%s):\n%s\n", what, ec.message().c_str(), wire.c_str());
  BRIDGE_FUZZ_CHECK(!ec);
  BRIDGE_FUZZ_CHECK(offset == wire.size());
}

}  // namespace bridge::fuzz
