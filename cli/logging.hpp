#pragma once
// Where `bridge up` writes its log: coloured text on a terminal, one JSON object per line on
// stdout otherwise (containers, systemd, `| jq`), as bridge.log_format says.

#include <string>

namespace bridge::cli {

/// format: "auto", "text" or "json"; level: an spdlog level name. With `hold`, lines wait for
/// release_log() (so that `bridge up`'s banner comes first).
void setup_logging(const std::string& level, const std::string& format, bool hold = false);
void release_log();

}  // namespace bridge::cli
