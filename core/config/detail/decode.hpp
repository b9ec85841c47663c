#pragma once
/// Typed decoding and validation of the merged tree into Config.

#include "config/config.hpp"
#include "config/detail/node.hpp"

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

/// Collects the first error; decoding goes on so that code stays straight-line, but only
/// the first problem (in decoding order) is reported.
class Decoder {
 public:
  explicit Decoder(const Sources& sources) : sources_(sources) {}
  void fail(Error error) {
    if (!first_) first_ = std::move(error);
  }
  void fail(std::string message, const Node& at, std::string hint = {}) {
    fail(sources_.error_at(std::move(message), at, std::move(hint)));
  }
  bool failed() const { return first_.has_value(); }
  Result<void> result() const;
  const Sources& sources() const { return sources_; }

 private:
  const Sources& sources_;
  std::optional<Error> first_;
};

/// Reads the fields of one table; unknown keys are reported on construction.
class Reader {
 public:
  /// `path` prefixes messages ("routes.api"); `context` names the table in unknown-key
  /// messages ("[[routes]]").
  Reader(Decoder& decoder, const Node& table, std::string path, const std::string& context,
         std::initializer_list<std::string_view> keys);

  const Node* get(std::string_view key) const { return table_.find(key); }
  const Node& node() const { return table_; }
  Decoder& decoder() { return decoder_; }
  std::string path(std::string_view key) const;
  /// The table's own path ("middlewares.cors.headers").
  const std::string& path() const { return path_; }
  /// Records "<path>: expected <expected>, got <kind>" unless `value` is a `kind`.
  bool expect(std::string_view key, const Node& value, Kind kind, std::string_view expected);

  void string(std::string_view key, std::string& out);
  /// A file path. A relative one resolves against the directory of the config file that set
  /// it (as compose does), so `-c proj/profiles` finds proj/profiles/certs/web.pem; one set by
  /// --set, the environment or the embedded default stays relative to the working directory.
  void file(std::string_view key, std::string& out);
  void boolean(std::string_view key, bool& out);
  void integer(std::string_view key, int64_t& out, int64_t min, int64_t max);
  void integer(std::string_view key, int& out, int64_t min, int64_t max);
  void integer(std::string_view key, uint64_t& out, int64_t min, int64_t max);
  void duration(std::string_view key, Duration& out, bool positive);
  void size(std::string_view key, uint64_t& out);
  void size(std::string_view key, std::optional<uint64_t>& out);
  void choice(std::string_view key, std::string& out, std::span<const std::string_view> allowed);
  void strings(std::string_view key, std::vector<std::string>& out,
               std::span<const std::string_view> allowed = {});
  /// The table at `key`; nullptr when absent or not a table (recorded as an error).
  const Node* table(std::string_view key);
  /// Records `<owner>: missing "<key>"` at this table unless `key` is present.
  bool require(std::string_view key, const std::string& owner, std::string hint);

 private:
  bool check_choice(std::string_view key, const Node& value,
                    std::span<const std::string_view> allowed);

  Decoder& decoder_;
  const Node& table_;
  std::string path_;
};

Result<void> decode(const Node& document, Config& config, const Sources& sources);

/// Config::leaves: what the document sets, in document order, then the defaults it does not.
std::vector<Leaf> collect_leaves(const Node& document, const Config& config);

void decode_listener(Reader& r, Listener& out);
void decode_upstream(Reader& r, Upstream& out);
void decode_route(Reader& r, Route& out, const Config& config);
void decode_tcp_route(Reader& r, TcpRoute& out, const Config& config);
/// [tcp_middlewares.NAME.TYPE] into config.tcp_middlewares.
void decode_tcp_middlewares(Decoder& d, const Node& document, Config& config);
/// A TCP route's `middlewares` must name defined ones.
void check_tcp_middleware_names(Reader& r, const TcpRoute& route, const Config& config);

/// [middlewares.NAME.TYPE] and [http.middlewares.NAME.TYPE] into config.middlewares.
void decode_middlewares(Decoder& d, const Node& document, Config& config);
/// An errors middleware's `service` must be an upstream of plain HTTP targets (checked once the
/// upstreams are read).
void check_error_services(Decoder& d, const Node& document, const Config& config);
/// A route's or listener's `middlewares` must name defined ones.
void check_middleware_names(Reader& r, const std::vector<std::string>& names,
                            const std::string& owner, const Config& config);

/// Fails on the first of `names` (the array at `key`) that is not in `known`, with a guess.
void check_names(Reader& r, std::string_view key, const std::vector<std::string>& names,
                 const std::string& owner, const std::vector<std::string>& known,
                 std::string_view kind);
/// "http" for "http://h:p"; "" without "://".
std::string_view target_scheme(std::string_view url);

template <class T>
std::vector<std::string> names_of(const std::vector<T>& entries) {
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const auto& e : entries) names.push_back(e.name);
  return names;
}

// Format checks: "" when fine, else why not.
std::string check_address(std::string_view text);  // host:port, [v6]:port, unix:/path
std::string check_target(std::string_view text);   // http(s)://, compose://, k8s://, builtin://
bool valid_header_name(std::string_view name);
bool is_loopback(std::string_view address);
bool valid_cidr(std::string_view text);  // an IPv4/IPv6 address, optionally "/bits"

constexpr std::string_view address_hint = "write host:port, [v6]:port or unix:/path";
constexpr std::string_view target_hint =
    "targets look like http://host:port, https://host:port, unix:///path.sock, "
    "compose://service:port, k8s://namespace/service:port, tcp://host:port (TCP routes) or "
    "builtin://echo";

}  // namespace bridge::config::detail
