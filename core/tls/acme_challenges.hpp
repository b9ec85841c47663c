#pragma once
/// HTTP-01 tokens published while bridge obtains a listener's certificate over ACME
/// (AcmeListeners writes them), answered by every plain HTTP listener. Written by the ACME
/// thread, read by workers only for requests under /.well-known/acme-challenge/, so the lock
/// is never on the common path.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bridge::tls {

class AcmeChallenges {
 public:
  void publish(const std::string& token, const std::string& key_authorization) {
    std::lock_guard lock(mutex_);
    tokens_[token] = key_authorization;
  }
  void withdraw(const std::string& token) {
    std::lock_guard lock(mutex_);
    tokens_.erase(token);
  }
  std::optional<std::string> find(std::string_view token) const {
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> tokens_;
};

}  // namespace bridge::tls
