// [tcp_middlewares.NAME.TYPE]: Traefik's TCP middlewares with Traefik's names, so a block from
// its documentation works when pasted: ipAllowList (sourceRange) and inFlightConn (amount).
// TCP routes list them by name in `middlewares`.
#include "config/detail/decode.hpp"

#include <algorithm>

namespace bridge::config::detail {
namespace {

constexpr std::string_view types_hint =
    "TCP middlewares are ipAllowList (sourceRange = [\"127.0.0.1/32\"]) and inFlightConn "
    "(amount = 10)";

void decode_one(Decoder& d, const Entry& entry, TcpMiddleware& out) {
  const std::string path = "tcp_middlewares." + render_key(entry.key);
  if (!entry.value.is(Kind::Table) || entry.value.entries.size() != 1)
    return d.fail(path + ": needs exactly one middleware type", entry.value,
                  std::string(types_hint));
  const Entry& kind = entry.value.entries.front();
  const std::string kind_path = path + "." + render_key(kind.key);
  if (!kind.value.is(Kind::Table))
    return d.fail(kind_path + ": expected a table", kind.value, std::string(types_hint));
  if (kind.key == "ipAllowList") {
    Reader r(d, kind.value, kind_path, kind_path, "tcp_middlewares.NAME.ipAllowList");
    if (!r.require("sourceRange", kind_path, "e.g. sourceRange = [\"127.0.0.1/32\"]")) return;
    r.strings("sourceRange", out.ip_allow_list.emplace());
    const Node* ranges = r.get("sourceRange");
    for (size_t i = 0; i < out.ip_allow_list->size(); ++i)
      if (!valid_cidr((*out.ip_allow_list)[i]))
        return d.fail(r.path("sourceRange") + "[" + std::to_string(i) +
                          "]: invalid address or CIDR " + quoted((*out.ip_allow_list)[i]),
                      ranges->items[i], "e.g. \"10.0.0.0/8\", \"192.168.1.7\" or \"::1/128\"");
    if (ranges->is(Kind::Array) && ranges->items.empty())
      d.fail(r.path("sourceRange") + ": is empty, so no connection would pass", *ranges,
             "list the addresses or CIDRs that may connect");
  } else if (kind.key == "inFlightConn") {
    Reader r(d, kind.value, kind_path, kind_path, "tcp_middlewares.NAME.inFlightConn");
    if (!r.require("amount", kind_path, "e.g. amount = 10")) return;
    r.integer("amount", out.in_flight_conn.emplace(), 1, 1'000'000);
  } else {
    d.fail(d.sources().error(
        path + ": unknown TCP middleware type " + quoted(kind.key), kind.key_origin, kind.key_span,
        kind.key == "ipWhiteList"
            ? std::string("Traefik v3 renamed ipWhiteList to ipAllowList")
            : suggest(kind.key, {"ipAllowList", "inFlightConn"}, std::string(types_hint))));
  }
}

}  // namespace

void decode_tcp_middlewares(Decoder& d, const Node& document, Config& config) {
  const Node* table = document.find("tcp_middlewares");
  if (table == nullptr) return;
  if (!table->is(Kind::Table))
    return d.fail("tcp_middlewares: expected a table of named middlewares", *table,
                  "e.g. [tcp_middlewares.office.ipAllowList] sourceRange = [\"10.0.0.0/8\"]");
  for (const Entry& entry : table->entries) {
    config.tcp_middlewares.emplace_back().name = entry.key;
    decode_one(d, entry, config.tcp_middlewares.back());
  }
}

void check_tcp_middleware_names(Reader& r, const TcpRoute& route, const Config& config) {
  check_names(r, "middlewares", route.middlewares, "tcp route " + quoted(route.name),
              names_of(config.tcp_middlewares), "TCP middleware");
}

}  // namespace bridge::config::detail
