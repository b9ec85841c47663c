#include "chromium.hpp"

#include "websocket.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

namespace bridge::test {

using json = nlohmann::json;

Chromium::~Chromium() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait_exit(2s)) process_->kill();
}

bool Chromium::start(const std::string& url, std::string* error, Millis timeout) {
  url_ = url;
  // Running as root needs --no-sandbox. The rest keeps a fresh profile quiet and off the
  // network: no first-run UI, component updates, sync or background fetches.
  std::vector<std::string> argv{"chromium",
                                "--headless",
                                "--no-sandbox",
                                "--ignore-certificate-errors",
                                "--user-data-dir=" + profile_.path(),
                                "--remote-debugging-address=127.0.0.1",
                                "--remote-debugging-port=0",
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-default-apps",
                                "--disable-extensions",
                                "--disable-sync",
                                url};
  // Caches and config under the profile, not under $HOME.
  process_ = std::make_unique<Process>(
      std::move(argv), std::map<std::string, std::string>{{"XDG_CONFIG_HOME", profile_ / "config"},
                                                          {"XDG_CACHE_HOME", profile_ / "cache"}});
  // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
  if (!process_->wait_for_stderr("/devtools/browser/", timeout)) {
    if (error != nullptr) *error = "chromium did not open its DevTools port:\n" + output();
    return false;
  }
  static const std::regex listening(R"(DevTools listening on ws://127\.0\.0\.1:([0-9]+)/)");
  std::smatch m;
  std::string err = process_->stderr_text();
  if (!std::regex_search(err, m, listening)) {
    if (error != nullptr) *error = "no DevTools address in chromium's output:\n" + output();
    return false;
  }
  devtools_port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
  return true;
}

std::string Chromium::output() const {
  if (!process_) return "";
  std::istringstream in(process_->stderr_text());
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find(":ERROR:dbus/") == std::string::npos) out += line + "\n";
  }
  return out;
}

std::string Chromium::page_target() const {
  auto list = curl({"http://127.0.0.1:" + std::to_string(devtools_port_) + "/json/list"}, 5s);
  json targets = json::parse(list.out, nullptr, false);
  if (list.status != 0 || !targets.is_array()) return "";
  for (const auto& t : targets) {
    if (t.value("type", "") != "page" || t.value("url", "") != url_) continue;
    std::string ws = t.value("webSocketDebuggerUrl", "");
    auto path = ws.find("/devtools/");
    return path == std::string::npos ? "" : ws.substr(path);
  }
  return "";
}

std::string Chromium::evaluate(const std::string& expression, Millis timeout, std::string* error) {
  json request = {
      {"id", 1},
      {"method", "Runtime.evaluate"},
      {"params", {{"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}}}};
  std::string last = "the page never showed " + url_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string target = page_target();
    auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    if (!target.empty() && left > 0ms) {
      // No domain is enabled, so the one message back is the answer.
      auto r = websocket_round_trip(devtools_port_, target,
                                    "127.0.0.1:" + std::to_string(devtools_port_), {request.dump()},
                                    false, left);
      json answer = r.echoes.empty() ? json() : json::parse(r.echoes[0], nullptr, false);
      json result = answer.is_object() ? answer.value("result", json()) : json();
      if (result.contains("exceptionDetails")) {
        if (error != nullptr) *error = "the expression threw: " + result.dump();
        return "";
      }
      json value = result.is_object() ? result.value("result", json()) : json();
      if (value.contains("value") && value["value"].is_string())
        return value["value"].get<std::string>();
      // A context destroyed by the navigation still under way: evaluate in the next one.
      last = !r.error.empty() ? r.error : r.echoes.empty() ? "no answer" : r.echoes[0];
    }
    std::this_thread::sleep_for(50ms);
  }
  if (error != nullptr) *error = "DevTools evaluate failed: " + last;
  return "";
}

}  // namespace bridge::test
