#pragma once
// A request for tests: owns its strings; view() hands the matcher what the proxy would.

#include "route/route.hpp"

#include <string>
#include <utility>
#include <vector>

namespace bridge::route::test {

struct TestRequest {
  std::string method = "GET";
  std::string host = "localhost";
  std::string path = "/";
  std::string query{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string client_ip{};  // empty: unknown
  mutable std::vector<HeaderField> fields{};

  RequestView view() const {
    fields.clear();
    for (const auto& [name, value] : headers) fields.push_back(HeaderField{name, value});
    std::optional<IpAddress> ip;
    if (!client_ip.empty()) ip = IpAddress::parse(client_ip);
    return RequestView{method, host, path, query, fields, ip};
  }
};

}  // namespace bridge::route::test
