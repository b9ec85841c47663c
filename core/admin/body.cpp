// Admin API request bodies, read type-checked and validated (detail/admin_body.hpp).
#include "admin/detail/body.hpp"

#include "common/text.hpp"
#include "config/config.hpp"
#include "http/http.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace bridge::admin {

namespace {

using json = nlohmann::json;

constexpr size_t max_depth = 32;

// nlohmann parses iteratively but builds (and frees) a value per level: a megabyte of "["
// is refused before it is parsed.
bool nesting_within(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

const char* type_name(const json& value) {
  switch (value.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::object:
    return "an object";
  case json::value_t::array:
    return "an array";
  case json::value_t::string:
    return "a string";
  case json::value_t::boolean:
    return "a boolean";
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
  case json::value_t::number_float:
    return "a number";
  default:
    return "something else";
  }
}

BodyError wrong_type(const std::string& field, const char* expected, const json& got) {
  return {field, field + " must be " + expected + ", not " + type_name(got)};
}

// The body as an object whose keys are all in `known`.
BodyResult<json> parse_object(std::string_view body, std::span<const std::string_view> known,
                              const std::string& example) {
  if (body.empty()) return BodyError{"", "the body is empty; send " + example};
  if (!nesting_within(body, max_depth)) {
    return BodyError{"", "the body nests deeper than " + std::to_string(max_depth) + " levels"};
  }
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return BodyError{"", "the body is not JSON; send " + example};
  if (!parsed.is_object()) return BodyError{"", "the body must be a JSON object like " + example};
  for (const auto& [key, value] : parsed.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return BodyError{key, "unknown field \"" + key + "\"; the fields are " + join(known)};
    }
  }
  return parsed;
}

// An optional string member; "" when absent.
BodyResult<std::string> optional_string(const json& object, const std::string& field) {
  auto it = object.find(field);
  if (it == object.end()) return std::string();
  if (!it->is_string()) return wrong_type(field, "a string", *it);
  return it->get<std::string>();
}

// Fields whose edit would change how the message is framed or the connection handled:
// bridge derives them from the body it relays, so an edit could only desynchronize a pooled
// upstream connection (request smuggling).
bool framing_field(std::string_view name) {
  static constexpr std::array<std::string_view, 8> fields = {
      "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
      "trailer",        "proxy-connection"};
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return std::find(fields.begin(), fields.end(), lower) != fields.end();
}

std::optional<BodyError> check_name(const std::string& field, const std::string& name,
                                    size_t max_bytes) {
  if (!bridge::http::valid_field_name(name) || name.size() > max_bytes) {
    auto shown = bridge::http::escape_invalid_utf8(name);
    return BodyError{field, field + ": \"" + (shown ? *shown : name) +
                                "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~)"};
  }
  if (framing_field(name)) {
    return BodyError{field, field + ": " + name +
                                " frames the message; bridge sets it from "
                                "the body it relays"};
  }
  return std::nullopt;
}

BodyResult<void> read_set_headers(const json& object, size_t max_bytes, PausedEdit& out) {
  auto it = object.find("set_headers");
  if (it == object.end()) return {};
  if (!it->is_object()) return wrong_type("set_headers", "an object of name: value", *it);
  for (const auto& [name, value] : it->items()) {
    if (auto bad = check_name("set_headers", name, max_bytes)) return *bad;
    if (!value.is_string()) {
      return BodyError{"set_headers", "set_headers: the value of " + name +
                                          " must be a string, not " + type_name(value)};
    }
    const auto& text = value.get_ref<const std::string&>();
    if (!bridge::http::valid_field_value(text)) {
      return BodyError{"set_headers", "set_headers: the value of " + name +
                                          " has a control character (CR, LF, NUL, ...)"};
    }
    if (name.size() + text.size() > max_bytes) {
      return BodyError{"set_headers", "set_headers: " + name + " is longer than " +
                                          std::to_string(max_bytes) +
                                          " bytes (limits.max_header_bytes)"};
    }
    out.set_headers.emplace_back(name, text);
  }
  return {};
}

BodyResult<void> read_remove_headers(const json& object, size_t max_bytes, PausedEdit& out) {
  auto it = object.find("remove_headers");
  if (it == object.end()) return {};
  if (!it->is_array()) return wrong_type("remove_headers", "an array of names", *it);
  for (const auto& name : *it) {
    if (!name.is_string()) {
      return BodyError{"remove_headers",
                       std::string("remove_headers: names are strings, not ") + type_name(name)};
    }
    const auto& text = name.get_ref<const std::string&>();
    if (auto bad = check_name("remove_headers", text, max_bytes)) return *bad;
    out.remove_headers.push_back(text);
  }
  return {};
}

// The port of a target's authority: empty (the scheme's) or 1..65535.
bool valid_target_port(std::string_view port) {
  if (port.empty()) return true;
  unsigned value = 0;
  for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');  // digits: valid_host
  return value >= 1 && value <= 65535;
}

// http(s)://host[:port] or tcp://host:port with a valid host (RFC 3986) and nothing else,
// unix:///absolute/path, or builtin://echo: what the proxy can connect to as a target
// (proxy::parse_target accepts the same).
bool valid_target(const std::string& url) {
  if (url == "builtin://echo") return true;
  std::string_view rest = url;
  if (rest.starts_with("unix:///")) {  // a socket path: printable, as long as sun_path holds
    rest.remove_prefix(7);
    return rest.size() <= 107 && std::all_of(rest.begin(), rest.end(), [](char c) {
             return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
           });
  }
  const bool tcp = rest.starts_with("tcp://");
  if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else if (tcp)
    rest.remove_prefix(6);
  else
    return false;
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/@?#") != std::string_view::npos) return false;
  if (!bridge::http::valid_host(rest)) return false;
  std::string_view host = rest, port;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 1);
    if (!port.empty()) port.remove_prefix(1);  // ':' (valid_host)
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  return !host.empty() && valid_target_port(port) && (!tcp || !port.empty());
}

BodyResult<void> read_status(const json& object, PausedEdit& out) {
  auto it = object.find("status");
  if (it == object.end()) return {};
  if (!it->is_number_integer()) return wrong_type("status", "an integer like 503", *it);
  int64_t status =
      it->is_number_unsigned() && it->get<uint64_t>() > 999 ? 1000 : it->get<int64_t>();
  // 1xx, 204 and 304 carry no body, and an abort answers with one.
  if (status < 200 || status > 599 || status == 204 || status == 304) {
    return BodyError{"status", "status must be between 200 and 599 (not 204 or 304), not " +
                                   std::to_string(status)};
  }
  out.status = static_cast<int>(status);
  return {};
}

}  // namespace

void throw_exception_from_error(const BodyError& e, const boost::source_location&) {
  throw std::invalid_argument(e.field + ": " + e.message);
}

Reply body_error_reply(const BodyError& error) {
  return json_reply(400,
                    {{"error", "bad_body"}, {"field", error.field}, {"message", error.message}});
}

BodyResult<BreakpointSpec> parse_breakpoint_spec(std::string_view body) {
  static constexpr std::array<std::string_view, 3> known = {"rule", "phase", "hold"};
  auto object =
      parse_object(body, known, R"j({"rule": "...", "phase": "request", "hold": "60s"})j");
  if (!object) return object.error();
  BreakpointSpec spec;
  auto rule = object->find("rule");
  if (rule == object->end()) return BodyError{"rule", "rule is required: the rule to hold"};
  if (!rule->is_string()) return wrong_type("rule", "a string", *rule);
  spec.rule = rule->get<std::string>();
  auto phase = optional_string(*object, "phase");
  if (!phase) return phase.error();
  if (!phase->empty()) spec.phase = *phase;
  const bool at_middleware = (spec.phase.starts_with("before:") && spec.phase.size() > 7) ||
                             (spec.phase.starts_with("after:") && spec.phase.size() > 6);
  if (spec.phase != "request" && spec.phase != "response" && spec.phase != "connection" &&
      !at_middleware) {
    return BodyError{"phase", "phase must be \"request\", \"response\", \"connection\", "
                              "\"before:MIDDLEWARE\" or \"after:MIDDLEWARE\""};
  }
  auto hold = optional_string(*object, "hold");
  if (!hold) return hold.error();
  if (!hold->empty()) {
    auto parsed = config::parse_duration(*hold);
    if (!parsed) return BodyError{"hold", "hold: " + parsed.error().message};
    if (parsed->count() <= 0) return BodyError{"hold", "hold must be longer than 0s"};
  }
  spec.hold = std::move(*hold);
  return spec;
}

BodyResult<PausedEdit> parse_paused_edit(std::string_view body, size_t max_header_bytes) {
  static constexpr std::array<std::string_view, 5> known = {"action", "status", "set_headers",
                                                            "remove_headers", "target"};
  auto object = parse_object(body, known, R"j({"action": "continue"})j");
  if (!object) return object.error();
  PausedEdit edit;
  auto action = optional_string(*object, "action");
  if (!action) return action.error();
  edit.action = std::move(*action);
  if (edit.action != "continue" && edit.action != "abort" && edit.action != "edit") {
    return BodyError{"action", "action must be \"continue\", \"abort\" or \"edit\""};
  }
  if (auto status = read_status(*object, edit); !status) return status.error();
  if (auto set = read_set_headers(*object, max_header_bytes, edit); !set) {
    return set.error();
  }
  if (auto removed = read_remove_headers(*object, max_header_bytes, edit); !removed) {
    return removed.error();
  }
  auto target = optional_string(*object, "target");
  if (!target) return target.error();
  if (!target->empty() && !valid_target(*target)) {
    return BodyError{"target",
                     "target must be an http(s)://host:port URL or builtin://echo (a held TCP "
                     "connection: tcp://host:port or unix:///path)"};
  }
  edit.target = std::move(*target);
  return edit;
}

}  // namespace bridge::admin
