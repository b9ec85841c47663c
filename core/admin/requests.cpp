// GET /v1/requests and /v1/requests/{id}: the request store, with why each route matched.
#include "admin/detail/handlers.hpp"

#include "admin/record_json.hpp"
#include "common/url.hpp"

#include <charconv>

namespace bridge::admin {

namespace {

nlohmann::json explain_json(const ServedConfig& served, const trace::Record& r) {
  RecordView rv(r);
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& d : served.table->explain_all(rv.view, r.listener)) {
    routes.push_back({{"name", d.route->name},
                      {"priority", d.route->priority},
                      {"matched", d.explanation.matched},
                      {"expression", d.explanation.expression},
                      {"observed", d.explanation.observed},
                      {"note", d.explanation.note}});
  }
  const std::string hash = r.config_hash ? *r.config_hash : "";
  return {{"config_hash", hash}, {"current", hash == served.config->hash}, {"routes", routes}};
}

}  // namespace

RecordView::RecordView(const trace::Record& r) {
  percent_decode(r.path, decoded_path);
  for (const auto& [name, value] : r.request_in) fields.push_back({name, value});
  view = {r.method,          r.host,
          decoded_path,      r.query,
          std::span(fields), route::IpAddress::parse(r.client)};
}

bool parse_filter(const Request& request, trace::RecordFilter& filter, std::string& why) {
  filter.route = request.param("route");
  std::string status = request.param("status");
  if (!status.empty() && !trace::parse_status_filter(status, filter)) {
    why = "status must be a code like 404 or a class like 5xx, not \"" + status + "\"";
    return false;
  }
  std::string since = request.param("since");
  if (!since.empty()) {
    auto d = config::parse_duration(since);
    if (!d) {
      why = "since: " + d.error().message;
      return false;
    }
    filter.since = std::chrono::system_clock::now() -
                   std::chrono::duration_cast<std::chrono::system_clock::duration>(*d);
  }
  return true;
}

Reply list_requests(Context& context, const Request& request, const PathParams&) {
  trace::RecordFilter filter;
  std::string why;
  if (!parse_filter(request, filter, why)) return error_reply(400, "bad_query", why);
  size_t limit = 100;
  std::string text = request.param("limit");
  if (!text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit == 0) {
      return error_reply(400, "bad_query", "limit must be a positive number, not \"" + text + "\"");
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : context.store->query(filter, limit)) out.push_back(summary_json(*r));
  return json_reply(200, {{"requests", out}});
}

Reply show_request(Context& context, const Request&, const PathParams& params) {
  std::string id = params.get("id");
  auto record = context.store->find(id);
  if (!record) {
    return error_reply(404, "not_found",
                       "no request with id \"" + id + "\" in the store (it keeps the last " +
                           std::to_string(context.store->capacity()) + " requests)");
  }
  nlohmann::json out = full_json(*record);
  out["explain"] = explain_json(context.served(), *record);
  return json_reply(200, out);
}

}  // namespace bridge::admin
