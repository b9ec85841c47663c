// Admin API request bodies (core/admin/body.cpp) through the admin request handling
// bridge runs: POST /v1/breakpoints and POST /v1/paused/{id} on a real breakpoint registry,
// plus the access checks on Host, Origin and Content-Type values.
//
// Input: byte 0 picks the target (0: /v1/breakpoints, 1: /v1/paused/{id}, 2: the access
// check); the rest is the body, or for the access check Host, Origin and Content-Type
// separated by fuzz::part_separator.
#include "fuzz.hpp"

#include "admin/detail/body.hpp"
#include "admin/detail/guard.hpp"
#include "admin/detail/handlers.hpp"
#include "http/http.hpp"
#include "proxy/breakpoints.hpp"
#include "proxy/snapshot.hpp"
#include "trace/metrics.hpp"
#include "trace/store.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace {

using namespace bridge::admin;

// The admin API over the breakpoint registry, store and metrics that bridge up runs.
struct Admin {
  boost::asio::io_context io;
  bridge::trace::Store store{16, 1};
  bridge::trace::Metrics metrics;
  bridge::proxy::Breakpoints breakpoints;
  std::shared_ptr<const bridge::proxy::Snapshot> snapshot;
  Context context;
  Admin() {
    auto built = bridge::proxy::build_snapshot(bridge::config::Config{});
    BRIDGE_FUZZ_CHECK(built.has_value());
    snapshot = *built;
    context.store = &store;
    context.metrics = &metrics;
    context.breakpoints = &breakpoints;
    context.served = [this] { return ServedConfig{snapshot, &snapshot->config, &snapshot->table}; };
    context.executor = io.get_executor();
  }
};

Admin& admin() {
  static Admin instance;
  return instance;
}

// Every answer is JSON with a status the endpoint documents; a refusal names its field.
nlohmann::json check_reply(const Reply& reply, std::initializer_list<int> statuses) {
  BRIDGE_FUZZ_CHECK(std::find(statuses.begin(), statuses.end(), reply.status) != statuses.end());
  auto body = nlohmann::json::parse(reply.body, nullptr, false);
  BRIDGE_FUZZ_CHECK(body.is_object());
  if (reply.status == 400) {
    BRIDGE_FUZZ_CHECK(body.contains("field") && body["field"].is_string());
    BRIDGE_FUZZ_CHECK(body.contains("message") && body["message"].is_string());
  }
  return body;
}

bool framing(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return name == "content-length" || name == "transfer-encoding" || name == "connection" ||
         name == "upgrade" || name == "te" || name == "trailer" || name == "keep-alive" ||
         name == "proxy-connection";
}

void fuzz_breakpoint(std::string_view body) {
  auto& a = admin();
  Reply reply = handle_request(a.context, {"POST", "/v1/breakpoints", std::string(body)});
  nlohmann::json answer = check_reply(reply, {201, 400});
  auto spec = parse_breakpoint_spec(body);
  if (reply.status == 201) {
    BRIDGE_FUZZ_CHECK(spec.has_value());
    BRIDGE_FUZZ_CHECK(spec->phase == "request" || spec->phase == "response" ||
                      spec->phase == "connection");
    // What was created: the phase asked for, or "connection" for a TCP rule.
    const std::string phase = answer.value("phase", "");
    BRIDGE_FUZZ_CHECK(phase == spec->phase || (spec->phase == "request" && phase == "connection"));
    std::string id = answer.value("id", "");
    BRIDGE_FUZZ_CHECK(id.size() == 19 && id.starts_with("bp-"));
    BRIDGE_FUZZ_CHECK(a.breakpoints.remove(id).has_value());
  }
}

void fuzz_paused_edit(std::string_view body) {
  auto& a = admin();
  // Nothing is held: a valid edit is a 404, anything else a 400 that names the field.
  check_reply(
      handle_request(a.context, {"POST", "/v1/paused/p-0123456789abcdef", std::string(body)}),
      {400, 404});
  auto edit = parse_paused_edit(body, 8 * 1024);
  if (!edit) return;
  const PausedEdit& d = *edit;
  for (const auto& [name, value] : d.set_headers) {
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_name(name) && !framing(name));
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_value(value));
    BRIDGE_FUZZ_CHECK(name.size() + value.size() <= 8 * 1024);
  }
  for (const auto& name : d.remove_headers) {
    BRIDGE_FUZZ_CHECK(bridge::http::valid_field_name(name) && !framing(name));
  }
  BRIDGE_FUZZ_CHECK(d.target.empty() || d.target == "builtin://echo" ||
                    d.target.starts_with("http://") || d.target.starts_with("https://") ||
                    d.target.starts_with("tcp://") ||
                    (d.target.starts_with("unix:///") && d.target.size() <= 7 + 107));
  BRIDGE_FUZZ_CHECK(d.target.find_first_of("\r\n ") == std::string::npos);
  BRIDGE_FUZZ_CHECK(d.status >= 200 && d.status <= 599 && d.status != 204 && d.status != 304);
}

void fuzz_access(std::string_view data) {
  auto parts = bridge::fuzz::split_parts(data);
  auto access = Access::tcp("127.0.0.1", 9901);
  Head head;
  head.method = "POST";
  head.path = "/v1/reload";
  head.host = parts[0];
  head.host_count = 1;
  if (parts.size() > 1) head.origin = parts[1];
  if (parts.size() > 2) head.content_type = parts[2];
  auto refused = check_access(access, head);
  if (refused) {
    BRIDGE_FUZZ_CHECK(refused->status == 403 || refused->status == 415);
    BRIDGE_FUZZ_CHECK(nlohmann::json::parse(refused->body, nullptr, false).is_object());
    return;
  }
  // Allowed: the Host is one of the admin's own names and the Origin, if any, its own.
  BRIDGE_FUZZ_CHECK(std::find(access.authorities.begin(), access.authorities.end(), [&] {
                      std::string host(parts[0]);
                      for (char& c : host) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
                      return host;
                    }()) != access.authorities.end());
  BRIDGE_FUZZ_CHECK(!head.origin || head.origin->starts_with("http://"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest = bridge::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    fuzz_breakpoint(rest);
    break;
  case 1:
    fuzz_paused_edit(rest);
    break;
  default:
    fuzz_access(rest);
    break;
  }
  return 0;
}
