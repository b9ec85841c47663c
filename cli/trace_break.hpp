#pragma once
/// `bridge trace break`: what the user can answer a held request with, parsed from a stdin line
/// or from --action, as the body of POST /v1/paused/{id}.

#include "trace_common.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bridge::cli {

struct PausedAction {
  nlohmann::json body;   // {"action":"continue"|"abort"|"edit", ...}
  std::string done;      // "continued", "aborted with 503", ... for the confirmation line
  bool releases = true;  // false for an edit: the request stays held
};

enum class CommandKind { None, Help, Drop, Answer };

struct BreakCommand {
  CommandKind kind = CommandKind::None;
  PausedAction action;  // for Answer
};

/// "c", "a [STATUS]", "s K=V", "r K", "t URL", "d", "?" (empty line = None).
Result<BreakCommand> parse_command(std::string_view line);

/// --action: continue, abort[:STATUS], set-header:K=V, remove-header:K. Header edits are sent
/// with a continue, so every held request is released.
Result<PausedAction> parse_action_flag(std::string_view flag);

}  // namespace bridge::cli
