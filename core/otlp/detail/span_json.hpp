#pragma once
/// The OTLP/HTTP JSON body for a batch of request records (internal).

#include "trace/store.hpp"  // RecordPtr

#include <string>
#include <vector>

namespace bridge::otlp::detail {

/// One resourceSpans document with a SERVER span per record; `version` names the scope.
std::string export_request_json(const std::vector<trace::RecordPtr>& batch,
                                const std::string& version);

}  // namespace bridge::otlp::detail
