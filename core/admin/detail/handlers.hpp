#pragma once
// Admin API request handling: pure functions of a request and the Context, separate from the
// socket code in server.cpp. Each handler is reached through the route table (routes.cpp).

#include "admin/admin.hpp"
#include "admin/detail/line_queue.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge::admin {

struct Request {
  std::string method;
  std::string target;
  std::string body;
  std::string_view path() const;
  /// Percent-decoded value of query parameter `name`, empty when absent.
  std::string param(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // more fields (Allow)
  std::string body;
  std::shared_ptr<LineQueue> stream;  // set for ndjson streams
};

Reply json_reply(int status, const nlohmann::json& body);
Reply error_reply(int status, const std::string& code, const std::string& message);

/// Values of a route pattern's {name} segments in the request path.
class PathParams {
 public:
  void add(std::string_view name, std::string_view value) { values_.emplace_back(name, value); }
  /// The value of {name}; empty when the pattern has none.
  std::string get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> values_;  // into pattern, path
};

using Handler = Reply (*)(Context&, const Request&, const PathParams&);

/// One row of the route table: `pattern` is a path whose segments are literal or {name}, a
/// name matching one whole, non-empty segment.
struct Route {
  std::string_view method;
  std::string_view pattern;
  Handler handler;
};

/// Every route of the admin API, in the order of README.md's "Endpoints"; a 405 lists the
/// methods of a path in this order.
std::span<const Route> route_table();

/// True when `path` fits `pattern`; `params` then holds each {name}.
bool match_pattern(std::string_view pattern, std::string_view path, PathParams& params);

/// The route for the request's method and path: its handler's reply, 404 for a path no route
/// has, 405 with Allow for a path whose routes take other methods.
Reply handle_request(Context& context, const Request& request);

// The handlers (handlers.cpp, breakpoint_handlers.cpp, streams.cpp).
Reply healthz(Context&, const Request&, const PathParams&);
Reply readyz(Context&, const Request&, const PathParams&);
Reply show_status(Context&, const Request&, const PathParams&);
Reply list_routes(Context&, const Request&, const PathParams&);
Reply list_requests(Context&, const Request&, const PathParams&);
Reply show_request(Context&, const Request&, const PathParams&);  // {id}
Reply show_metrics(Context&, const Request&, const PathParams&);
Reply reload_config(Context&, const Request&, const PathParams&);
Reply list_breakpoints(Context&, const Request&, const PathParams&);
Reply create_breakpoint(Context&, const Request&, const PathParams&);
Reply delete_breakpoint(Context&, const Request&, const PathParams&);  // {id}
Reply renew_breakpoint(Context&, const Request&, const PathParams&);   // {id}
Reply list_paused(Context&, const Request&, const PathParams&);
Reply decide_paused(Context&, const Request&, const PathParams&);  // {id}
/// GET /v1/stream: a stream of request summaries.
Reply stream_requests(Context&, const Request&, const PathParams&);
/// GET /v1/breakpoints/{id}/events: the requests breakpoint {id} holds, as they are held.
Reply breakpoint_events(Context&, const Request&, const PathParams&);

/// A request view rebuilt from a stored record, for explain and for stream rule filters.
struct RecordView {
  std::string decoded_path;
  std::vector<route::HeaderField> fields;
  route::RequestView view;
  explicit RecordView(const trace::Record& r);
};

/// ?route=, ?status= and ?since= of /v1/requests and /v1/stream; false with `why` when bad.
bool parse_filter(const Request& request, trace::RecordFilter& filter, std::string& why);

}  // namespace bridge::admin
