// Header rules of a forwarded exchange: the request as it goes upstream, the response as it
// goes back.
#include "proxy/detail/head_rules.hpp"

#include "proxy/front_door.hpp"
#include "proxy/rewrite.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace bridge::proxy {

namespace {

// X-Forwarded-*: a trusted peer's (another proxy in front of bridge) are extended or kept;
// an untrusted peer's are all removed, so an app never believes a forged client address.
void set_forwarded_fields(const Fields& fields, const Exchange& ex, std::string_view original_host,
                          HeadEdit& edit) {
  if (!ex.forwarded_trusted) {
    edit.remove_all(forwarded_fields);  // these three among them: added, not set
    edit.add("X-Forwarded-For", ex.client_ip);
    edit.add("X-Forwarded-Proto", ex.scheme);
    edit.add("X-Forwarded-Host", original_host);
    return;
  }
  const std::string_view forwarded_for = fields.get("X-Forwarded-For");
  if (forwarded_for.empty())
    edit.set("X-Forwarded-For", ex.client_ip);
  else
    edit.set_copy("X-Forwarded-For", {forwarded_for, ", ", ex.client_ip});
  if (fields.get("X-Forwarded-Proto").empty()) edit.set("X-Forwarded-Proto", ex.scheme);
  if (fields.get("X-Forwarded-Host").empty()) edit.set("X-Forwarded-Host", original_host);
}

// The request id and trace context bridge sends: the client's fields of these names go first,
// in one pass, then bridge's are added (as a `set` of each would leave them). A request id
// header named like a trace field (a config no one means) takes the field-by-field way, where
// the later field wins.
void set_trace_fields(const Exchange& ex, const config::TraceSection& tc, HeadEdit& edit) {
  const trace::TraceContext& trace = ex.record.trace;
  const bool b3 =
      std::find(tc.propagation.begin(), tc.propagation.end(), "b3") != tc.propagation.end();
  char traceparent[trace::TraceContext::traceparent_size];
  trace.write_traceparent(traceparent);
  const std::string_view id_name = tc.request_id_header;
  if (iequals(id_name, "traceparent") || iequals(id_name, "tracestate") || iequals(id_name, "b3")) {
    edit.set(id_name, ex.record.request_id);
    edit.set_copy("traceparent", {std::string_view(traceparent, sizeof traceparent)});
    if (!trace.continued) edit.remove("tracestate");
    if (b3) edit.set_copy("b3", {trace.b3()});
    return;
  }
  std::array<std::string_view, 4> names{id_name, "traceparent"};
  size_t count = 2;
  if (!trace.continued) names[count++] = "tracestate";  // of a trace we replaced
  if (b3) names[count++] = "b3";
  edit.remove_all(std::span(names.data(), count));
  edit.add(id_name, ex.record.request_id);
  edit.add_copy("traceparent", {std::string_view(traceparent, sizeof traceparent)});
  if (b3) edit.add_copy("b3", {trace.b3()});
}

// The middlewares' changes to a head, with the values in the exchange's middleware effects
// (which outlive the edit). Every name a Set or Remove replaces goes in one pass over the
// fields; then the additions, in order, those a later Set or Remove of their name replaces
// left out. AppendToken adds its field only when neither a field of that name left in the
// parsed head nor an earlier edit lists the token already; Add appends whatever is there.
void apply_field_edits(const middleware::FieldEdits& edits, const Fields& parsed, HeadEdit& edit) {
  using Op = middleware::FieldEdit::Op;
  thread_local std::vector<std::string_view> replaced;  // the worker's: no allocation per request
  replaced.clear();
  for (const middleware::FieldEdit& e : edits)
    if (e.op == Op::Set || e.op == Op::Remove) replaced.push_back(e.name);
  if (!replaced.empty()) edit.remove_all(replaced);
  auto replaced_after = [&](size_t i) {
    for (size_t j = i + 1; j < edits.size(); ++j)
      if ((edits[j].op == Op::Set || edits[j].op == Op::Remove) &&
          iequals(edits[j].name, edits[i].name))
        return true;
    return false;
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    const middleware::FieldEdit& e = edits[i];
    if (e.op == Op::Remove || replaced_after(i)) continue;
    if (e.op == Op::AppendToken) {
      const bool parsed_kept = std::none_of(replaced.begin(), replaced.end(),
                                            [&](std::string_view n) { return iequals(n, e.name); });
      bool listed = false;
      for (const FieldRef f : parsed)
        listed = listed || (parsed_kept && iequals(f.name, e.name) &&
                            bridge::http::has_token(f.value, e.value));
      for (size_t j = 0; j < i && !listed; ++j)
        listed = edits[j].op != Op::Remove && iequals(edits[j].name, e.name) &&
                 bridge::http::has_token(edits[j].value, e.value);
      if (listed) continue;
    }
    edit.add(e.name, e.value);
  }
}

}  // namespace

void edit_request_head(const RequestHead& head, Exchange& ex, HeadEdit& edit) {
  const config::Route& route = *ex.route->config;
  const config::TraceSection& tc = ex.snapshot.config.trace;
  edit.reset(head.fields);
  // One pass for the fields read here, rather than a lookup for each.
  std::string_view original_host, connection, upgrade, expect;
  for (const FieldRef f : head.fields) {
    std::string_view* wanted = nullptr;
    switch (f.known) {
    case Field::Host:
      wanted = &original_host;
      break;
    case Field::Connection:
      wanted = &connection;
      break;
    case Field::Upgrade:
      wanted = &upgrade;
      break;
    case Field::Expect:
      wanted = &expect;
      break;
    default:
      break;
    }
    if (wanted != nullptr && wanted->data() == nullptr) *wanted = f.value;  // the first one
  }
  // Upgrade: h2c (RFC 7540 3.2) is answered over HTTP/1.1 and never passed on, as nginx does:
  // a tunnel to an upstream's HTTP/2 would bypass everything bridge does per request.
  const bool h2c = iequals(upgrade, "h2c");
  ex.upgrade = !upgrade.empty() && !h2c && bridge::http::has_token(connection, "upgrade");
  if (iequals(expect, "100-continue")) {
    // bridge answers 100-continue itself when it is ready to read the body (as nginx does).
    ex.expect_continue = true;
    edit.remove("Expect");
  }
  edit.drop_hop_by_hop(connection);
  if (h2c) {
    edit.remove("Upgrade");
    edit.remove("HTTP2-Settings");
  }
  if (ex.upgrade) {
    edit.add("Upgrade", upgrade);
    edit.add("Connection", "Upgrade");
  }
  set_forwarded_fields(head.fields, ex, original_host, edit);
  set_trace_fields(ex, tc, edit);
  if (ex.middleware != nullptr) {
    apply_field_edits(ex.middleware->request, head.fields, edit);
    if (ex.middleware->target_changed) edit.set_target(ex.middleware->target);
  }
  if (!route.strip_prefix.empty()) {
    std::string stripped;
    if (strip_prefix(edit.target(head.target), route.strip_prefix, stripped)) {
      edit.set_target(stripped);
      edit.set("X-Forwarded-Prefix", route.strip_prefix);
    }
  }
  if (!route.host_rewrite.empty()) edit.set("Host", route.host_rewrite);
  for (const auto& name : route.request_headers.remove) edit.remove(name);
  for (const auto& [name, value] : route.request_headers.set) edit.set(name, value);
  edit.set_version(11);
}

void edit_response_head(const ResponseHead& head, Exchange& ex, HeadEdit& edit) {
  edit.reset(head.fields);
  const std::string_view connection = head.fields.get(Field::Connection);
  const bool switching = ex.upgrade && head.status == 101;
  edit.drop_hop_by_hop(connection, switching);
  edit.set_version(11);  // bridge answers in its own version, whatever the upstream spoke
  edit.set(ex.snapshot.config.trace.request_id_header, ex.record.request_id);
  if (ex.middleware != nullptr) apply_field_edits(ex.middleware->response, head.fields, edit);
  if (ex.route != nullptr) {
    for (const auto& name : ex.route->config->response_headers.remove) edit.remove(name);
    for (const auto& [name, value] : ex.route->config->response_headers.set) edit.set(name, value);
  }
}

// The response goes out as HTTP/1.1 (edit_response_head): persistent unless it says close; an
// HTTP/1.0 client needs keep-alive spelled out.
void state_keep_alive(HeadEdit& edit, unsigned client_version, bool keep) {
  if (!keep) edit.set("Connection", "close");
  if (keep && client_version < 11) edit.set("Connection", "keep-alive");
}

}  // namespace bridge::proxy
