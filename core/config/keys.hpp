#pragma once
/// The table of every configuration key: its type, default, allowed values, meaning and an
/// example. The decoder takes the keys a table may hold from it (and checks that it reads each
/// key as the type written here), `bridge config keys` prints it, and docs/configuration.md's
/// reference is its output, so the three cannot drift apart.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bridge::config {

/// How a key's value is written. The decoder's reads must agree (config/reader.cpp).
enum class KeyType {
  String,
  Path,  // a file path, relative to the file that sets it
  Bool,
  Integer,
  Duration,    // "250ms", "30s"
  Seconds,     // a duration, or an integer of seconds (Traefik's rateLimit.period)
  Size,        // an integer of bytes or "64KiB"
  Strings,     // an array of strings
  Integers,    // an array of integers
  Table,       // a table of the keys below it
  Map,         // a table of names the user picks, each to a string (header name = value)
  IntegerMap,  // a table of names the user picks, each to an integer ("502-504" = 503)
  Tables,      // an array of tables of the keys below it
};

std::string_view type_name(KeyType type);

struct KeyInfo {
  /// Dotted, as written in a profile: `[]` marks an array of tables (`listeners[].bind`),
  /// `NAME` a name the user picks (`middlewares.NAME.headers.stsSeconds`).
  std::string_view key;
  KeyType type;
  /// As one writes it (`"5s"`, `true`), or in words (`required`, `none`); "" when nothing.
  std::string_view default_value;
  /// Choices (`local-ca, acme`) or an integer range (`0..1024`); checked against the decoder's.
  std::string_view allowed;
  std::string_view meaning;
  /// A TOML line that sets it, as it would appear under its table.
  std::string_view example;
};

/// Every key, in reference order.
std::span<const KeyInfo> config_keys();

/// The key at `key` (in the table's notation), or nullptr.
const KeyInfo* find_key(std::string_view key);

/// The last segment of each key directly inside the table `table` ("" for the top level,
/// "listeners[]", "middlewares.NAME.headers").
std::vector<std::string> keys_inside(std::string_view table);

/// The keys under `prefix`, written as a user would (`listeners`, `listeners.tls`,
/// `middlewares.cors.headers`: `[]` may be left out and any segment stands for NAME).
std::vector<const KeyInfo*> keys_matching(std::string_view prefix);

/// One line that describes `info` in an error: `routes[].upstream (string, required): ...`.
std::string describe_key(const KeyInfo& info);

}  // namespace bridge::config
