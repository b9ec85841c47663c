// /v1/breakpoints and /v1/paused: routing breakpoints and the requests they hold. The events
// stream of a breakpoint is in streams.cpp.
#include "admin/detail/body.hpp"
#include "admin/detail/handlers.hpp"

namespace bridge::admin {

namespace {

Reply no_breakpoint(const std::string& id) {
  return error_reply(404, "not_found", "no breakpoint \"" + id + "\"");
}

}  // namespace

Reply list_breakpoints(Context& context, const Request&, const PathParams&) {
  return json_reply(200, {{"breakpoints", context.breakpoints->list()}});
}

Reply create_breakpoint(Context& context, const Request& request, const PathParams&) {
  auto spec = parse_breakpoint_spec(request.body);
  if (!spec) return body_error_reply(spec.error());
  auto created = context.breakpoints->create(spec->rule, spec->phase, spec->hold);
  if (!created) {
    // Field types, phase and hold were checked above: what is left is the rule's syntax.
    return json_reply(
        400,
        {{"error", "bad_breakpoint"}, {"field", "rule"}, {"message", created.error().message}});
  }
  return json_reply(201, *created);
}

Reply delete_breakpoint(Context& context, const Request&, const PathParams& params) {
  std::string id = params.get("id");
  auto released = context.breakpoints->remove(id);
  if (!released) return no_breakpoint(id);
  return json_reply(200, {{"deleted", id}, {"released", *released}});
}

Reply renew_breakpoint(Context& context, const Request&, const PathParams& params) {
  std::string id = params.get("id");
  if (!context.breakpoints->renew(id)) return no_breakpoint(id);
  return json_reply(200, {{"renewed", id}});
}

Reply list_paused(Context& context, const Request&, const PathParams&) {
  return json_reply(200, {{"paused", context.breakpoints->paused_list()}});
}

Reply decide_paused(Context& context, const Request& request, const PathParams& params) {
  std::string id = params.get("id");
  auto edit = parse_paused_edit(request.body, context.served().config->limits.max_header_bytes);
  if (!edit) return body_error_reply(edit.error());
  if (!context.breakpoints->decide(id, *edit)) {
    return error_reply(404, "not_found", "request \"" + id + "\" is not held (any more)");
  }
  return json_reply(200, {{"paused_id", id}, {"action", edit->action}});
}

}  // namespace bridge::admin
