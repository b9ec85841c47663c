#pragma once
/// The store's compact form of a record: fixed-size fields, then length-prefixed strings and
/// header blocks, in one contiguous run of bytes. The config hash is not part of it (the store
/// keeps the shared string beside the bytes).

#include "trace/record.hpp"

#include <string>
#include <string_view>

namespace bridge::trace::detail {

/// Replaces `out` with `record` in compact form.
void encode(const Record& record, std::string& out);
/// Rebuilds a record from `encode`'s bytes; false when they are not such bytes.
bool decode(std::string_view bytes, Record& record);
/// The request id of an encoded record, read without decoding the rest.
std::string_view encoded_request_id(std::string_view bytes);

}  // namespace bridge::trace::detail
