// Holding a request at a breakpoint, and the header capture the trace record needs.
#include "admin/record_json.hpp"
#include "proxy/detail/exchange.hpp"
#include "proxy/detail/worker.hpp"

#include <iterator>

namespace bridge::proxy {

int64_t Exchange::elapsed_us() const { return micros_since(started); }

void capture_headers(trace::Headers& out, const Fields& fields, const HeadEdit& edit,
                     const Exchange& ex) {
  const trace::Redaction& redaction = ex.snapshot.redaction;
  // One pass, into room for the most the fields can take: every name and value the list
  // holds plus the additions, each value as long as the redaction mark if it is shorter.
  size_t bytes = fields.text_bytes(), count = fields.size();
  edit.for_each_added([&](std::string_view name, std::string_view value) {
    bytes += name.size() + value.size();
    ++count;
  });
  bytes += count * trace::redacted_value.size();
  auto writer = out.fill(bytes, count);  // one allocation, or none when the block is reused
  const auto& redacted_known = ex.snapshot.redacted_known;
  edit.for_each_field(fields, [&](const FieldRef& f) {
    const bool secret = f.known != Field::Other ? redacted_known[static_cast<size_t>(f.known)]
                                                : redaction.covers(f.name);
    writer.add(f.name, secret ? trace::redacted_value : f.value);
  });
  out.finish(writer);
}

void capture_headers(trace::Headers& out, const Fields& fields, const Exchange& ex) {
  static const HeadEdit unchanged;
  capture_headers(out, fields, unchanged, ex);
}

void capture_in_headers(trace::Headers& out, CapturedFrom& from, const Fields& fields,
                        const Exchange& ex) {
  capture_headers(out, fields, ex);
  from = {&fields, fields.generation()};
}

void capture_out_headers(trace::Headers& out, trace::OutListEdit& how, const Fields& fields,
                         const HeadEdit& edit, const CapturedFrom& from, const Exchange& ex) {
  // A breakpoint that applied its edits to the fields, or an in-list never captured: the
  // out-list cannot be told as a change to the in-list.
  if (from.fields != &fields || from.generation != fields.generation() ||
      edit.parsed() != &fields) {
    how.derived = false;
    how.dropped.clear();
    capture_headers(out, fields, edit, ex);
    return;
  }
  how.derived = true;
  how.dropped.clear();
  edit.for_each_dropped([&](size_t i) { how.dropped.push_back(static_cast<uint32_t>(i)); });
  const trace::Redaction& redaction = ex.snapshot.redaction;
  size_t bytes = 0, count = 0;  // at most: each value may become the redaction mark
  edit.for_each_added([&](std::string_view name, std::string_view value) {
    bytes += name.size() + value.size() + trace::redacted_value.size();
    ++count;
  });
  auto writer = out.fill(bytes, count);
  edit.for_each_added([&](std::string_view name, std::string_view value) {
    writer.add(name, redaction.covers(name) ? trace::redacted_value : value);
  });
  out.finish(writer);
}

void capture_out_headers(trace::Headers& out, trace::OutListEdit& how, const Fields& fields,
                         const Exchange& ex) {
  how.derived = false;
  how.dropped.clear();
  capture_headers(out, fields, ex);
}

asio::awaitable<Decision::Action> hold_at_breakpoint(Exchange& ex, BreakPhase phase, Fields& fields,
                                                     int response_status) {
  if (!ex.breakpoint || ex.breakpoint->phase != phase) co_return Decision::Action::Continue;
  const std::string breakpoint_id = ex.breakpoint->id;
  const auto hold = ex.breakpoint->hold;
  Breakpoints& registry = ex.worker.runtime().breakpoints;
  auto paused = std::make_shared<Paused>(co_await asio::this_coro::executor);
  paused->breakpoint = breakpoint_id;
  paused->phase = phase;
  paused->phase_name = phase_label(phase, ex.breakpoint->middleware, ex.breakpoint->after);
  paused->hold = hold;
  trace::Headers shown;
  capture_headers(shown, fields, ex);
  paused->request = admin::summary_json(ex.record);
  if (phase != BreakPhase::Response) {
    paused->request["headers"] = admin::headers_json(shown);
  } else {
    trace::Headers sent;
    capture_headers(sent, ex.head.fields, ex);
    paused->request["headers"] = admin::headers_json(sent);
    paused->response = {{"status", response_status}, {"headers", admin::headers_json(shown)}};
  }
  const Decision decision = co_await wait_for_decision(registry, paused);
  for (const auto& name : decision.remove_headers) fields.remove(name);
  for (const auto& [name, value] : decision.set_headers) fields.set(name, value);
  if (!decision.target.empty() && phase != BreakPhase::Response) {
    auto target = parse_target(decision.target);
    if (target && (*target)->resolvable()) ex.override_target = std::move(*target);
  }
  ex.record.breakpoints.push_back(
      {breakpoint_id, paused->phase_name, decision.why, held_us(*paused)});
  ex.breakpoint.reset();  // one hold per request
  if (decision.action == Decision::Action::Abort) {
    ex.error = {static_cast<http::status>(decision.status), "aborted_at_breakpoint",
                "request aborted at breakpoint " + breakpoint_id, ""};
  }
  co_return decision.action;
}

}  // namespace bridge::proxy
