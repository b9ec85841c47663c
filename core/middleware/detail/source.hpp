#pragma once
// Who a request comes from, as Traefik's ipStrategy and sourceCriterion pick it.

#include "middleware/middleware.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bridge::middleware::detail {

/// The client address: the peer's, or with `depth` > 0 the depth-th address of
/// X-Forwarded-For from the right, or with `excluded` the first from the right outside them.
/// "" when X-Forwarded-For has too few addresses. `how` says which, in words.
std::string_view client_address(const Request& req, int64_t depth,
                                const std::vector<route::IpNetwork>& excluded, std::string& how);

/// A sourceCriterion, compiled.
class Source {
 public:
  explicit Source(const config::SourceCriterion& criterion);
  /// The key a request counts under ("" for a missing header or address), and what it is.
  std::string key(const Request& req, std::string& how) const;

 private:
  config::SourceCriterion criterion_;
  std::vector<route::IpNetwork> excluded_;
};

}  // namespace bridge::middleware::detail
