// tls.auto = "acme" in `bridge up`: reuse, obtain and renew listener certificates off the
// workers, on one background thread.
#include "tls/acme_listeners.hpp"

#include "cert/acme.hpp"
#include "cert/cert.hpp"
#include "tls/detail/acme_files.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

namespace bridge::tls {

using namespace detail;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto first_retry = std::chrono::milliseconds(60s);
constexpr auto last_retry = std::chrono::milliseconds(1h);

std::string seconds_text(std::chrono::milliseconds d) {
  return std::to_string(std::max<long>(1, static_cast<long>(d.count() / 1000))) + "s";
}

}  // namespace

AcmeListeners::AcmeListeners(AcmeChallenges& challenges,
                             std::function<void(const std::string&)> installed)
    : challenges_(challenges), installed_(std::move(installed)) {}

AcmeListeners::~AcmeListeners() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::shared_ptr<ssl::context>> AcmeListeners::context(const config::Listener& listener,
                                                             const config::AcmeSection& acme) {
  std::string key = acme_entry_key(listener, acme);
  {
    std::lock_guard lock(mutex_);
    keep_.insert(listener.name);
    auto it = entries_.find(listener.name);
    if (it != entries_.end() && it->second.key == key) {
      pending_.erase(listener.name);
      return it->second.context;
    }
  }
  auto url = cert::acme::directory_url(acme.directory);
  if (!url) return url.error();
  auto files = acme_files_for(listener, acme);
  if (!files) return files.error();
  Entry entry{key, listener, acme, nullptr, 0, Clock::now(), 0, 0};
  std::string why;
  auto found = stored_certificate(listener, *files, *url, why);
  if (found && days_until(found->not_after) > acme.renew_days) {
    spdlog::info("acme: {}: reusing the certificate for {} from {} (expires {}, {} days left)",
                 listener.name, hosts_text(listener.hosts), files->pair.cert,
                 day_of(found->not_after), days_until(found->not_after));
    entry.due = Clock::now() + entry.acme.check_interval;
  } else if (found) {  // served until the renewed one arrives
    spdlog::info("acme: {}: {} expires {} (renew_days = {}): renewing it", listener.name,
                 files->pair.cert, day_of(found->not_after), acme.renew_days);
  } else if (!why.empty()) {
    spdlog::info("acme: {}: {}; obtaining a new certificate", listener.name, why);
  }
  if (found) {
    entry.context = found->context;
    entry.not_after = found->not_after;
  } else {
    auto temporary = temporary_context(listener);
    if (!temporary) return temporary.error();
    entry.context = *temporary;
  }
  std::lock_guard lock(mutex_);
  entry.generation = ++generations_;
  auto context = entry.context;
  pending_[listener.name] = std::move(entry);
  return context;
}

void AcmeListeners::discard() {
  std::lock_guard lock(mutex_);
  pending_.clear();
  keep_.clear();
}

void AcmeListeners::commit() {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const auto& e) { return !keep_.contains(e.first); });
    for (auto& [name, entry] : pending_) entries_[name] = std::move(entry);
    pending_.clear();
    keep_.clear();
    if (!thread_.joinable() && !entries_.empty()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_all();
}

std::shared_ptr<ssl::context> AcmeListeners::current(const std::string& listener) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(listener);
  return it == entries_.end() ? nullptr : it->second.context;
}

void AcmeListeners::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    Clock::time_point wake_at;
    auto job = next_job(Clock::now(), wake_at);
    if (!job) {
      wake_.wait_until(lock, wake_at);
      continue;
    }
    lock.unlock();
    auto result = obtain(*job);
    lock.lock();
    if (stop_) break;
    finish(*job, std::move(result));
  }
}

// The first entry that needs a certificate now; otherwise when to look again. Under mutex_.
std::optional<AcmeListeners::Entry> AcmeListeners::next_job(Clock::time_point now,
                                                            Clock::time_point& wake_at) {
  wake_at = now + std::chrono::hours(1);
  for (auto& [name, entry] : entries_) {
    if (entry.due <= now && entry.not_after != 0 &&
        days_until(entry.not_after) > entry.acme.renew_days) {
      entry.due = now + entry.acme.check_interval;  // checked: not due for renewal yet
    }
    if (entry.due <= now) return entry;
    wake_at = std::min(wake_at, entry.due);
  }
  return std::nullopt;
}

// One issuance (or renewal) for `job`, blocking: the ACME thread only.
Result<AcmeListeners::Installed> AcmeListeners::obtain(const Entry& job) {
  const auto& listener = job.listener;
  auto url = cert::acme::directory_url(job.acme.directory);
  if (!url) return url.error();
  auto files = acme_files_for(listener, job.acme);
  if (!files) return files.error();
  // Another listener (or another bridge) with the same hosts may have obtained it meanwhile.
  std::string why;
  auto found = stored_certificate(listener, *files, *url, why);
  if (found && found->not_after != job.not_after &&
      days_until(found->not_after) > job.acme.renew_days) {
    return Installed{found->context, found->not_after};
  }
  if (job.not_after != 0) {
    spdlog::info("acme: {}: renewing {} ({} days left) from {}", listener.name,
                 hosts_text(listener.hosts), days_until(job.not_after), *url);
  } else {
    spdlog::info("acme: {}: obtaining {} from {}", listener.name, hosts_text(listener.hosts), *url);
  }
  if (auto made = cert::make_private_dir(files->dir); !made) return made.error();
  std::string name = listener.name;
  auto got = cert::acme::obtain(order_options(job, *files, *url), [&name](const std::string& step) {
    spdlog::debug("acme: {}: {}", name, step);
  });
  if (!got) return got.error();
  if (auto r = write_acme_meta(*files, *url, listener.hosts); !r) return r.error();
  auto context = context_with(listener, files->pair);
  if (!context) return context.error();
  return Installed{*context, got->not_after};
}

// HTTP-01 through the plain listeners: the tokens go to the map every worker reads.
cert::acme::Options AcmeListeners::order_options(const Entry& job, const AcmeFiles& files,
                                                 const std::string& url) {
  cert::acme::Options o;
  o.names = job.listener.hosts;
  o.email = job.acme.email;
  o.directory = url;
  o.challenge = cert::acme::Challenge::Http01;
  o.http_port = 80;  // what the ACME server dials (for messages); no port is opened
  o.out_dir = files.dir;
  o.stem = fs::path(files.pair.cert).stem().string();
  o.account_dir = job.acme.account_dir;
  o.ca_bundle = job.acme.ca_bundle;
  o.record = false;  // renewed here, not by `bridge cert renew`
  o.http01_publish = [this](const std::string& token, const std::string& key_authorization) {
    challenges_.publish(token, key_authorization);
  };
  o.http01_withdraw = [this](const std::string& token) { challenges_.withdraw(token); };
  o.cancel = &stop_;
  return o;
}

// Installs what obtain() got, or schedules the next attempt. Under mutex_.
void AcmeListeners::finish(const Entry& job, Result<Installed> result) {
  auto it = entries_.find(job.listener.name);
  if (it == entries_.end() || it->second.generation != job.generation) return;  // reloaded
  Entry& entry = it->second;
  const std::string& name = job.listener.name;
  if (result) {
    entry.context = result->context;
    entry.not_after = result->not_after;
    entry.failures = 0;
    entry.due = Clock::now() + entry.acme.check_interval;
    spdlog::info("acme: {}: certificate for {} installed, expires {}", name,
                 hosts_text(job.listener.hosts), day_of(result->not_after));
    installed_(name);
    return;
  }
  const Error& e = result.error();
  std::chrono::milliseconds delay = std::min<std::chrono::milliseconds>(
      last_retry, first_retry * (1 << std::min(entry.failures, 6)));
  ++entry.failures;
  entry.due = Clock::now() + delay;
  std::string serving =
      entry.not_after != 0
          ? "still serving the current certificate (expires " + day_of(entry.not_after) + ")"
          : "serving a temporary self-signed certificate meanwhile";
  std::string hint = !e.hint.empty()
                         ? e.hint
                         : "check [acme] directory, email and ca_bundle, and that the ACME "
                           "server reaches a plain HTTP listener of bridge on port 80";
  spdlog::error("acme: {}: could not obtain a certificate for {}: {} (hint: {}); {}; retrying "
                "in {}",
                name, hosts_text(job.listener.hosts), e.message, hint, serving,
                seconds_text(delay));
}

}  // namespace bridge::tls
