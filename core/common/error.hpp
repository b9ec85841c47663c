#pragma once
/// Control-plane errors: a value that says what went wrong, where, and what to do next.

#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridge {

/// Where a value or an error came from: a file position, an env var, a --set flag.
struct Origin {
  std::string source;  // file path, "--set", "env:NAME", "<embedded>/dev.toml", "<default>"
  int line = 0;        // 1-based; 0 when the source has no lines
  int column = 0;      // 1-based
  std::string str() const;
  bool has_position() const { return line > 0; }
};

enum class ErrorCode {
  Runtime = 1,       // a failure while doing the work (port taken, I/O)
  Usage = 2,         // bad flags or arguments
  Config = 2,        // invalid configuration: nothing is started
  NotAvailable = 3,  // a feature this build does not have yet
};

struct Error {
  ErrorCode code = ErrorCode::Runtime;
  std::string message;
  std::string hint;         // what to do next; may be empty
  Origin where;             // may be empty
  std::string source_line;  // the offending line, shown with a caret under `where.column`
  int span = 1;             // how many characters the caret covers
  std::string subject;      // the named item it is about (a route), for callers that locate it
  std::string note;         // one more line for the reader: e.g. the reference line of a key

  static Error config(std::string message, Origin where = {}, std::string hint = {}) {
    return Error{
        ErrorCode::Config, std::move(message), std::move(hint), std::move(where), {}, 1, {}, {}};
  }
  static Error runtime(std::string message, std::string hint = {}) {
    return Error{ErrorCode::Runtime, std::move(message), std::move(hint), {}, {}, 1, {}, {}};
  }
  static Error usage(std::string message, std::string hint = {}) {
    return Error{ErrorCode::Usage, std::move(message), std::move(hint), {}, {}, 1, {}, {}};
  }
  static Error not_available(std::string message, std::string hint = {}) {
    return Error{ErrorCode::NotAvailable, std::move(message), std::move(hint), {}, {}, 1, {}, {}};
  }
  int exit_status() const { return static_cast<int>(code); }
};

/// Makes `result.value()` on an error throw something that carries the message.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Error>;

/// Reads the line `line` (1-based) of `text`; empty when out of range.
std::string line_of(std::string_view text, int line);

/// The closest candidate to `word` by edit distance, or "" when none is close enough.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace bridge
