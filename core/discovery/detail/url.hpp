#pragma once
/// compose:// and k8s:// target URLs.

#include "common/error.hpp"

#include <cstdint>
#include <string>

namespace bridge::discovery::detail {

struct ComposeUrl {
  std::string service;
  uint16_t port = 0;
  std::string project;  // from ?project=, may be empty
};

struct K8sUrl {
  std::string namespace_;
  std::string service;
  std::string port;     // a number, or a named service port ("http")
  std::string context;  // from ?context=, may be empty
  bool direct = false;  // ?mode=direct
};

struct TargetUrl {
  enum class Kind { Compose, K8s } kind = Kind::Compose;
  ComposeUrl compose;
  K8sUrl k8s;
  std::string text;  // as given
};

/// Parses `compose://SERVICE:PORT[?project=P]` and
/// `k8s://NAMESPACE/SERVICE:PORT[?context=C][&mode=direct|forward]`. Errors say what is wrong
/// with an example of the right form.
Result<TargetUrl> parse_target_url(const std::string& url);

/// "compose demo/web:8080", "k8s staging/api:80 (context kind-dev)".
std::string describe(const TargetUrl& url, const std::string& project = {});

}  // namespace bridge::discovery::detail
