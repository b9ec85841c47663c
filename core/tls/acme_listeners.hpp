#pragma once
// Certificates of the listeners with tls.auto = "acme" in `bridge up`: the one kept in
// [acme] cert_dir while it has more than renew_days left, otherwise a temporary self-signed one
// while a background thread obtains the real one over ACME HTTP-01 (the tokens are answered by
// every plain HTTP listener through AcmeChallenges). The same thread renews, checking every
// [acme] check_interval. It sits beside tls.auto = "local-ca" (auto_cert.cpp): tls/ owns how a
// listener gets its certificate; proxy/ only serves the contexts.

#include "cert/acme.hpp"
#include "config/config.hpp"
#include "tls/acme_challenges.hpp"
#include "tls/detail/acme_files.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace bridge::tls {

namespace ssl = boost::asio::ssl;

class AcmeListeners {
 public:
  /// `installed(listener)` runs on the ACME thread once a new certificate for `listener` is
  /// ready; current() returns it from then on. It must only hand the work to another thread.
  AcmeListeners(AcmeChallenges& challenges, std::function<void(const std::string&)> installed);
  /// Stops the thread (an issuance in flight gives up within ~100 ms) and joins it.
  ~AcmeListeners();
  AcmeListeners(const AcmeListeners&) = delete;
  AcmeListeners& operator=(const AcmeListeners&) = delete;

  /// The context `listener` serves now: the one it already has when neither its hosts, its tls
  /// settings nor [acme] changed; else the certificate in cert_dir when it was issued by this
  /// directory for these hosts and has more than renew_days left; else a temporary self-signed
  /// one, and an issuance is queued. Held back until commit(). Control thread; blocking.
  Result<std::shared_ptr<ssl::context>> context(const config::Listener& listener,
                                                const config::AcmeSection& acme);
  /// Drops what context() prepared since the last commit() (a reload that failed).
  void discard();
  /// Adopts what context() prepared, forgets listeners that are gone, and wakes (or first
  /// starts) the thread. Control thread.
  void commit();
  /// The context `listener` serves; null when it is not an ACME listener. Any thread.
  std::shared_ptr<ssl::context> current(const std::string& listener) const;

 private:
  using Clock = std::chrono::steady_clock;
  using AcmeFiles = detail::AcmeFiles;
  struct Entry {
    std::string key;  // hosts, tls settings and [acme] the context was built for
    config::Listener listener;
    config::AcmeSection acme;
    std::shared_ptr<ssl::context> context;
    std::time_t not_after = 0;  // the ACME certificate's; 0 while the temporary one serves
    Clock::time_point due;      // next issuance attempt or renewal check
    int failures = 0;
    uint64_t generation = 0;
  };
  struct Installed {
    std::shared_ptr<ssl::context> context;
    std::time_t not_after = 0;
  };

  void run();
  std::optional<Entry> next_job(Clock::time_point now, Clock::time_point& wake_at);
  Result<Installed> obtain(const Entry& job);
  cert::acme::Options order_options(const Entry& job, const AcmeFiles& files,
                                    const std::string& url);
  void finish(const Entry& job, Result<Installed> result);

  AcmeChallenges& challenges_;
  std::function<void(const std::string&)> installed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Entry> entries_;  // committed, by listener name
  std::map<std::string, Entry> pending_;  // prepared by context() since the last commit()
  std::set<std::string> keep_;            // listeners named since the last commit()
  uint64_t generations_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace bridge::tls
