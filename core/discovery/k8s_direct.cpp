// k8s://NS/SVC:PORT?mode=direct: the service's ClusterIP from `kubectl get svc -o json`, for
// laptops on the cluster network. Also the kubectl command lines and output parsing.
#include "common/spawn.hpp"
#include "detail/child.hpp"
#include "detail/k8s.hpp"
#include "detail/source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>

namespace bridge::discovery::detail {

namespace asio = boost::asio;
using nlohmann::json;

std::string kubectl_program(const EnvMap& env) {
  auto path = getenv_with(env, "BRIDGE_KUBECTL");
  return path && !path->empty() ? *path : std::string("kubectl");
}

std::vector<std::string> port_forward_argv(const K8sUrl& url, const std::string& kubectl) {
  std::vector<std::string> argv{kubectl,        "port-forward", "svc/" + url.service,
                                ":" + url.port, "-n",           url.namespace_};
  if (!url.context.empty()) {
    argv.insert(argv.end(), {"--context", url.context});
  }
  return argv;
}

std::vector<std::string> get_service_argv(const K8sUrl& url, const std::string& kubectl) {
  std::vector<std::string> argv{kubectl, "get",          "svc", url.service,
                                "-n",    url.namespace_, "-o",  "json"};
  if (!url.context.empty()) {
    argv.insert(argv.end(), {"--context", url.context});
  }
  return argv;
}

// "Forwarding from 127.0.0.1:PORT -> TARGET". Read by hand, not with std::regex: the line
// comes from a child process, and std::regex recurses per character and is 100x slower.
std::optional<uint16_t> parse_forwarding_line(std::string_view line) {
  constexpr std::string_view prefix = "Forwarding from 127.0.0.1:";
  if (!line.starts_with(prefix)) return std::nullopt;
  line.remove_prefix(prefix.size());
  size_t digits = 0;
  while (digits < line.size() && digits <= 5 && line[digits] >= '0' && line[digits] <= '9') {
    ++digits;
  }
  if (digits == 0 || digits > 5) return std::nullopt;
  unsigned port = 0;
  std::from_chars(line.data(), line.data() + digits, port);
  std::string_view rest = line.substr(digits);
  constexpr std::string_view arrow = " -> ";
  if (!rest.starts_with(arrow) || rest.size() == arrow.size() ||
      std::string_view(" \t\r\n\f\v").find(rest[arrow.size()]) != std::string_view::npos) {
    return std::nullopt;  // the regex this replaced asked for "\S+" after the arrow
  }
  if (port == 0 || port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

bool is_tunnel_error_line(std::string_view line) {
  for (std::string_view marker : {"an error occurred forwarding", "lost connection to pod",
                                  "error forwarding port", "error copying from"}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

namespace {

// A member of kubectl's JSON, read without trusting its type (json::value throws on a
// mismatch): `fallback` when absent or not a string.
std::string text_at(const json& object, const char* key, const char* fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

}  // namespace

Result<Endpoint> decode_service_json(std::string_view text, const K8sUrl& url) {
  std::string what = "service " + url.namespace_ + "/" + url.service;
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("spec") || !doc["spec"].is_object()) {
    return Error::runtime("kubectl get svc: unexpected output for " + what);
  }
  const json& spec = doc["spec"];
  std::string type = text_at(spec, "type", "ClusterIP");
  if (type == "ExternalName") {
    return Error::runtime(what + " is an ExternalName service (" +
                              text_at(spec, "externalName", "") + "); it has no ClusterIP",
                          "use the external name as an http:// target instead");
  }
  std::string ip = text_at(spec, "clusterIP", "");
  if (ip.empty() || ip == "None") {
    return Error::runtime(what + " is headless (clusterIP: None)",
                          "drop mode=direct so bridge uses kubectl port-forward");
  }
  std::string known;
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (const auto& p : spec["ports"]) {
      if (!p.is_object()) continue;
      std::string protocol = text_at(p, "protocol", "TCP");
      auto port = p.find("port");
      if (port == p.end() || !port->is_number_unsigned()) continue;
      uint64_t number = port->get<uint64_t>();
      if (number == 0 || number > 65535) continue;
      std::string name = text_at(p, "name", "");
      known += (known.empty() ? "" : ", ") + std::to_string(number) +
               (name.empty() ? "" : " (" + name + ")");
      if (protocol != "TCP") continue;
      if (std::to_string(number) == url.port || (!name.empty() && name == url.port)) {
        return Endpoint{ip, static_cast<uint16_t>(number), what + " ClusterIP"};
      }
    }
  }
  return Error::runtime(what + " has no TCP port " + url.port,
                        known.empty() ? "it defines no ports" : "its ports: " + known);
}

asio::awaitable<Resolution> resolve_k8s_direct(K8sUrl url, Options options) {
  Resolution r;
  r.via = "kubectl get svc";
  auto output = co_await run_command(get_service_argv(url, kubectl_program(options.env)),
                                     options.env, std::chrono::seconds(20));
  if (!output) {
    r.state = State::Failed;
    r.error = output.error().message + std::string(kubectl_missing_hint);
    co_return r;
  }
  if (output->status != 0) {
    std::string err = output->err;
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
    r.state = State::Failed;
    r.error = "kubectl get svc " + url.service + " -n " + url.namespace_ + " failed (" +
              describe_status(output->status) + "): " + err;
    r.last_stderr = err.substr(err.rfind('\n') == std::string::npos ? 0 : err.rfind('\n') + 1);
    co_return r;
  }
  auto endpoint = decode_service_json(output->out, url);
  if (!endpoint) {
    r.state = State::Failed;
    r.error = error_text(endpoint.error());
    co_return r;
  }
  r.state = State::Resolved;
  r.endpoints.push_back(*endpoint);
  co_return r;
}

namespace {

class K8sDirectSource final : public SourceBase {
 public:
  using SourceBase::SourceBase;

  void start(asio::any_io_executor executor) override {
    executor_ = executor;
    asio::co_spawn(executor, run(std::static_pointer_cast<K8sDirectSource>(shared_from_this())),
                   bridge::log_failure("k8s direct discovery"));
  }

 private:
  void wake() override {
    if (timer_) timer_->cancel();
  }

  static asio::awaitable<void> run(std::shared_ptr<K8sDirectSource> self) {
    while (!self->stopping_) {
      auto r = co_await resolve_k8s_direct(self->url_.k8s, self->options_);
      if (r.state == State::Failed) spdlog::warn("discovery: {}: {}", self->url_.text, r.error);
      auto wait =
          r.state == State::Resolved ? self->options_.resync_interval : self->options_.max_backoff;
      self->publish(std::move(r));
      asio::steady_timer timer(self->executor_, wait);
      self->timer_ = &timer;
      if (!self->stopping_) co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      self->timer_ = nullptr;
    }
    self->mark_finished();
  }

  asio::steady_timer* timer_ = nullptr;
};

}  // namespace

std::shared_ptr<SourceBase> make_k8s_direct_source(TargetUrl url, Options options) {
  return std::make_shared<K8sDirectSource>(std::move(url), std::move(options));
}

}  // namespace bridge::discovery::detail
