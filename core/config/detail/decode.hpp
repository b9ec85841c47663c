#pragma once
/// Typed decoding and validation of the merged tree into Config.

#include "config/config.hpp"
#include "config/detail/node.hpp"
#include "config/keys.hpp"

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config::detail {

/// How the decoder reads a key; each agrees with some KeyTypes (reader.cpp).
enum class KeyRead { String, Path, Bool, Integer, Duration, Size, Strings, Table, Raw };

/// What a decode did with the key table (config/keys.hpp): the keys it looked at, and every
/// read that disagreed with the table. Tests pass one to prove the table and the decoder agree.
struct KeyAudit {
  std::set<std::string> read;
  std::vector<std::string> disagreements;
};

/// Collects the first error; decoding goes on so that code stays straight-line, but only
/// the first problem (in decoding order) is reported.
class Decoder {
 public:
  explicit Decoder(const Sources& sources, KeyAudit* audit = nullptr)
      : sources_(sources), audit_(audit) {}
  void fail(Error error) {
    if (!first_) first_ = std::move(error);
  }
  void fail(std::string message, const Node& at, std::string hint = {}) {
    fail(sources_.error_at(std::move(message), at, std::move(hint)));
  }
  bool failed() const { return first_.has_value(); }
  Result<void> result() const;
  const Sources& sources() const { return sources_; }
  /// Checks a read of `key` (the table's notation) as `read`; a disagreement with the key
  /// table is a bug in bridge, reported as an error so that it cannot pass unseen.
  void audit(const std::string& key, KeyRead read, std::string_view allowed, const Node& at);

 private:
  const Sources& sources_;
  KeyAudit* audit_;
  std::optional<Error> first_;
};

/// Reads the fields of one table; keys the key table does not have there are reported on
/// construction.
class Reader {
 public:
  /// `path` prefixes messages ("routes.api"); `context` names the table in unknown-key
  /// messages ("[[routes]]"); `schema` is the table in the key table's notation ("routes[]",
  /// "middlewares.NAME.headers").
  Reader(Decoder& decoder, const Node& table, std::string path, const std::string& context,
         std::string schema);
  /// The sub-table `key` of `parent` ("tls"; "certs[]" for an item of an array of tables,
  /// with `path` naming the item).
  Reader(Reader& parent, std::string_view key, const Node& table, std::string path = {});

  /// The raw value at `key` (a key of this table in the key table).
  const Node* get(std::string_view key) const;
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
  void audit(std::string_view key, KeyRead read, std::string_view allowed = {}) const;
  void read_integer(std::string_view key, int64_t& out, int64_t min, int64_t max);

  Decoder& decoder_;
  const Node& table_;
  std::string path_;
  std::string schema_;
};

Result<void> decode(const Node& document, Config& config, const Sources& sources,
                    KeyAudit* audit = nullptr);

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
