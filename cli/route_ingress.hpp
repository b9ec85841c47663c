#pragma once
// route test --ingress DIR (route_ingress.cpp): a profile made of the manifests alone.

#include "commands.hpp"

#include <memory>
#include <string>

namespace bridge::cli {

/// A throwaway config dir whose profile reads the manifests in `manifests` as the cluster's
/// Traefik would (a kubernetes source, entry points web :80 and websecure :443, others as
/// listeners of their own); removed when destroyed.
class IngressProfile {
 public:
  /// Null, with the error printed, when the manifests are missing or no temporary directory
  /// can be made. `ns` is the namespace of objects that name none ("" = "default").
  static std::unique_ptr<IngressProfile> make(const GlobalOptions& global,
                                              const std::string& manifests, const std::string& ns);
  ~IngressProfile();
  IngressProfile(const IngressProfile&) = delete;
  IngressProfile& operator=(const IngressProfile&) = delete;
  /// `global` pointed at the profile.
  const GlobalOptions& options() const { return options_; }

 private:
  IngressProfile() = default;
  std::string dir_;
  GlobalOptions options_;
};

}  // namespace bridge::cli
