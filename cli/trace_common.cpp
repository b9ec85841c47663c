#include "trace_common.hpp"

#include "print.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace bridge::cli {

namespace {

// Pads or cuts `text` to exactly `width` columns ("…" marks a cut).
std::string fit(const std::string& text, size_t width) {
  size_t w = display_width(text);
  if (w <= width) return text + std::string(width - w, ' ');
  size_t cut = width - 1;  // ASCII is the common case; back off UTF-8 continuation bytes
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  std::string out = text.substr(0, cut) + "…";
  return out + std::string(width - display_width(out), ' ');
}

std::string duration_text(double ms) {
  char buf[32];
  if (ms < 10) {
    std::snprintf(buf, sizeof buf, "%.2fms", ms);
  } else if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.1fms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fs", ms / 1000);
  }
  return buf;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    char buf[8];
    if (b < 0x20 || b == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", b);
      out += buf;
    } else if (b == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      std::snprintf(buf, sizeof buf, "\\u00%02x", static_cast<unsigned char>(text[++i]));
      out += buf;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string terminal_safe_json(std::string_view json_text) {
  // JSON escapes C0 already; C1 only occurs inside strings, where \u00HH means the same.
  std::string out;
  out.reserve(json_text.size());
  for (size_t i = 0; i < json_text.size(); ++i) {
    auto b = static_cast<unsigned char>(json_text[i]);
    if (b == 0xc2 && i + 1 < json_text.size() &&
        static_cast<unsigned char>(json_text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(json_text[i + 1]) <= 0x9f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u00%02x", static_cast<unsigned char>(json_text[++i]));
      out += buf;
    } else {
      out += json_text[i];
    }
  }
  return out;
}

std::string raw_str_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::string str_of(const nlohmann::json& j, const char* key) {
  return terminal_safe(raw_str_of(j, key));
}

double num_of(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

EndpointOrExit resolve_admin(const GlobalOptions& global, const std::string& admin_flag) {
  const char* env_token = std::getenv("BRIDGE_ADMIN_TOKEN");
  bool have_env_token = env_token != nullptr && *env_token != '\0';
  std::optional<config::Config> config;
  if (admin_flag.empty() || !have_env_token) {
    config = load_config_or_print(global);
    if (!config) return {std::nullopt, exit_usage, 0, {}};
  }
  std::string text = admin_flag;
  if (text.empty()) {
    text = config->bridge.admin;
    if (text == "off") {
      Error e = Error::config("the admin API is off in profile \"" + config->profile +
                                  "\" (bridge.admin = \"off\"), so there is nothing to ask",
                              config->origin("bridge.admin"),
                              "set bridge.admin (e.g. 127.0.0.1:9901) and restart `bridge up`, or "
                              "pass --admin URL");
      print_error(e);
      return {std::nullopt, exit_usage, 0, {}};
    }
  }
  auto address = parse_admin_address(text, admin_flag.empty() ? "bridge.admin" : "--admin");
  if (!address) {
    print_error(address.error());
    return {std::nullopt, exit_usage, 0, {}};
  }
  AdminEndpoint endpoint{*address, have_env_token ? env_token : config->bridge.admin_token};
  return {std::move(endpoint), exit_ok, config ? config->trace.store_size : 10000,
          config ? config->trace.request_id_header : "X-Request-ID"};
}

int report_failure(const AdminFailure& failure) {
  print_error(failure.error);
  return exit_failure;
}

int report_http_error(const AdminEndpoint& endpoint, const AdminResponse& response,
                      const std::string& doing) {
  std::string at = "the bridge admin API at " + endpoint.address.display();
  if (response.status == 401) {
    print_error(Error::runtime(
        at + " refused " + doing + " (401): " + response.message(),
        endpoint.token.empty() ? "it wants a token: set BRIDGE_ADMIN_TOKEN or bridge.admin_token"
                               : "the token does not match bridge.admin_token of the running "
                                 "bridge; set BRIDGE_ADMIN_TOKEN to that one"));
    return exit_failure;
  }
  print_error(Error::runtime(doing + " failed: " + at + " answered " +
                             std::to_string(response.status) + ": " + response.message()));
  return response.status == 400 ? exit_usage : exit_failure;
}

std::string paint_status(int status, bool colour) {
  if (status <= 0) return paint("---", Colour::Red, colour);
  Colour c = status >= 500   ? Colour::Red
             : status >= 400 ? Colour::Yellow
             : status >= 300 ? Colour::Cyan
             : status >= 200 ? Colour::Green
                             : Colour::None;
  return paint(std::to_string(status), c, colour);
}

std::string phase_words(const std::string& phase) {
  const size_t colon = phase.find(':');
  if (colon == std::string::npos) return phase + " phase";
  return phase.substr(0, colon) + " the middleware " + phase.substr(colon + 1);
}

std::string clock_time(const std::string& rfc3339) {
  std::tm tm{};
  int frac_at = 0;
  if (std::sscanf(rfc3339.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac_at) != 6) {
    return rfc3339;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);
  std::tm local{};
  localtime_r(&t, &local);
  std::string millis = "000";
  size_t pos = static_cast<size_t>(frac_at);
  if (pos < rfc3339.size() && rfc3339[pos] == '.') {
    for (size_t i = 0; i < 3 && pos + 1 + i < rfc3339.size() &&
                       std::isdigit(static_cast<unsigned char>(rfc3339[pos + 1 + i]));
         ++i) {
      millis[i] = rfc3339[pos + 1 + i];
    }
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%s", local.tm_hour, local.tm_min, local.tm_sec,
                millis.c_str());
  return buf;
}

std::string host_path(const nlohmann::json& summary) {
  std::string out = str_of(summary, "host") + str_of(summary, "path");
  std::string query = str_of(summary, "query");
  if (!query.empty()) out += "?" + query;
  return out;
}

std::string rewritten_path(const nlohmann::json& summary) {
  std::string path = str_of(summary, "path");
  std::string upstream = str_of(summary, "upstream_path");
  if (upstream.empty() || upstream == path) return "";
  return path + " → " + upstream + " upstream";
}

std::string summary_line(const nlohmann::json& s, bool colour) {
  auto status = static_cast<int>(num_of(s, "status"));
  std::string route = str_of(s, "route");
  std::string target = str_of(s, "target");
  std::string line =
      paint(clock_time(str_of(s, "time")), Colour::Dim, colour) + "  " +
      paint_status(status, colour) + "  " +
      fit(str_of(s, "method").empty() ? str_of(s, "protocol") : str_of(s, "method"), 7) + " " +
      fit(host_path(s), 44) + "  " + fit(route.empty() ? "-" : route, 14) + "  " +
      fit(target.empty() ? "-" : target, 26) + "  ";
  std::string duration = duration_text(num_of(s, "duration_ms"));
  line += std::string(duration.size() < 8 ? 8 - duration.size() : 0, ' ') + duration + "  " +
          paint(str_of(s, "id"), Colour::Dim, colour);
  std::string error = str_of(s, "error");
  if (!error.empty()) line += "  " + paint(error, Colour::Red, colour);
  if (std::string end = str_of(s, "end"); !end.empty())
    line += "  " + paint(end, Colour::Dim, colour);
  return line;
}

}  // namespace bridge::cli
