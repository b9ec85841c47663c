#include "proxy/rewrite.hpp"

#include <array>

namespace bridge::proxy {

bool strip_prefix(std::string_view target, std::string_view prefix, std::string& out) {
  out.clear();
  std::string_view path, query;
  split_target(target, path, query);
  // The prefix is compared with the decoded path (as rules see it), but what remains is cut
  // from the path as received: an escape like %2F is never turned into a separator here.
  size_t at = 0;
  for (char wanted : prefix) {
    if (at >= path.size()) return false;
    char got = path[at];
    size_t width = 1;
    if (got == '%' && at + 2 < path.size() && hex_digit(path[at + 1]) >= 0 &&
        hex_digit(path[at + 2]) >= 0) {
      got = static_cast<char>(hex_digit(path[at + 1]) << 4 | hex_digit(path[at + 2]));
      width = 3;
    }
    if (got != wanted) return false;
    at += width;
  }
  std::string_view rest = path.substr(at);
  if (rest.empty() || rest.front() != '/') out.push_back('/');
  out.append(rest);
  if (target.find('?') != std::string_view::npos) {
    out.push_back('?');
    out.append(query);
  }
  return true;
}

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 9> names = {"connection",
                                                            "keep-alive",
                                                            "proxy-connection",
                                                            "proxy-authenticate",
                                                            "proxy-authorization",
                                                            "te",
                                                            "trailer",
                                                            "transfer-encoding",
                                                            "upgrade"};
  for (auto n : names) {
    if (iequals(n, name)) return true;
  }
  return false;
}

}  // namespace bridge::proxy
