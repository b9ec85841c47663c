#include "trace_break.hpp"

#include <charconv>

namespace bridge::cli {

namespace {

using json = nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Result<int> parse_status(std::string_view text) {
  int status = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), status);
  if (ec != std::errc() || end != text.data() + text.size() || status < 200 || status > 599) {
    return Error::usage("\"" + std::string(text) + "\" is not a status between 200 and 599",
                        "e.g. a 503, or a:418");
  }
  return status;
}

PausedAction abort_with(int status) {
  return {
      {{"action", "abort"}, {"status", status}}, "aborted with " + std::to_string(status), true};
}

Result<std::pair<std::string, std::string>> split_header(std::string_view kv) {
  auto eq = kv.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error::usage("\"" + std::string(kv) + "\" is not NAME=VALUE", "e.g. X-Debug=1");
  }
  return std::pair{std::string(trim(kv.substr(0, eq))), std::string(kv.substr(eq + 1))};
}

}  // namespace

Result<BreakCommand> parse_command(std::string_view line) {
  line = trim(line);
  if (line.empty()) return BreakCommand{};
  auto space = line.find_first_of(" \t");
  std::string_view verb = line.substr(0, space);
  std::string_view arg = space == std::string_view::npos ? "" : trim(line.substr(space));
  auto need_arg = [&](const char* what) -> Result<BreakCommand> {
    return Error::usage("\"" + std::string(verb) + "\" needs " + what, "? lists the commands");
  };
  if (verb == "?" || verb == "h" || verb == "help") return BreakCommand{CommandKind::Help, {}};
  if (verb == "d" || verb == "drop" || verb == "q") return BreakCommand{CommandKind::Drop, {}};
  if (verb == "c" || verb == "continue") {
    return BreakCommand{CommandKind::Answer, {{{"action", "continue"}}, "continued", true}};
  }
  if (verb == "a" || verb == "abort") {
    auto status = arg.empty() ? Result<int>(503) : parse_status(arg);
    if (!status) return status.error();
    return BreakCommand{CommandKind::Answer, abort_with(*status)};
  }
  if (verb == "s" || verb == "set") {
    if (arg.empty()) return need_arg("NAME=VALUE");
    auto kv = split_header(arg);
    if (!kv) return kv.error();
    json body = {{"action", "edit"}, {"set_headers", json::object({{kv->first, kv->second}})}};
    return BreakCommand{CommandKind::Answer,
                        {body, "set " + kv->first + ": " + kv->second + " (still held)", false}};
  }
  if (verb == "r" || verb == "remove") {
    if (arg.empty()) return need_arg("a header NAME");
    json body = {{"action", "edit"}, {"remove_headers", json::array({std::string(arg)})}};
    return BreakCommand{CommandKind::Answer,
                        {body, "removed " + std::string(arg) + " (still held)", false}};
  }
  if (verb == "t" || verb == "target") {
    if (arg.rfind("http://", 0) != 0 && arg.rfind("https://", 0) != 0 &&
        arg.rfind("tcp://", 0) != 0 && arg.rfind("unix:///", 0) != 0) {
      return need_arg("a URL like http://127.0.0.1:9001 (tcp://HOST:PORT for a TCP connection)");
    }
    json body = {{"action", "edit"}, {"target", std::string(arg)}};
    return BreakCommand{CommandKind::Answer,
                        {body, "target " + std::string(arg) + " (still held)", false}};
  }
  return Error::usage("unknown command \"" + std::string(verb) + "\"", "? lists the commands");
}

Result<PausedAction> parse_action_flag(std::string_view flag) {
  std::string_view verb = flag.substr(0, flag.find(':'));
  std::string_view arg = verb.size() < flag.size() ? flag.substr(verb.size() + 1) : "";
  if (verb == "continue" && arg.empty()) {
    return PausedAction{{{"action", "continue"}}, "continued", true};
  }
  if (verb == "abort") {
    auto status = arg.empty() ? Result<int>(503) : parse_status(arg);
    if (!status)
      return Error::usage("--action " + std::string(flag) + ": " + status.error().message);
    return abort_with(*status);
  }
  if (verb == "set-header") {
    auto kv = split_header(arg);
    if (!kv)
      return Error::usage("--action " + std::string(flag) + ": " + kv.error().message,
                          "e.g. set-header:X-Debug=1");
    json body = {{"action", "continue"}, {"set_headers", json::object({{kv->first, kv->second}})}};
    return PausedAction{body, "continued with " + kv->first + ": " + kv->second, true};
  }
  if (verb == "remove-header" && !arg.empty()) {
    json body = {{"action", "continue"}, {"remove_headers", json::array({std::string(arg)})}};
    return PausedAction{body, "continued without " + std::string(arg), true};
  }
  return Error::usage("--action \"" + std::string(flag) + "\" is not an action",
                      "use continue, abort, abort:STATUS, set-header:K=V or remove-header:K");
}

}  // namespace bridge::cli
