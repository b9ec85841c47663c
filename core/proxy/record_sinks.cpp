#include "proxy/detail/record_sinks.hpp"

#include "otlp/otlp.hpp"

#include <memory>

namespace bridge::proxy {

void RecordSinks::publish(size_t shard, const trace::Record& record) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  if (spans_ != nullptr) spans_->push(std::make_shared<const trace::Record>(record));
  store_.add(shard, record);
}

}  // namespace bridge::proxy
