#include "common/spawn.hpp"

#include <spdlog/spdlog.h>

namespace bridge {

void log_exception(std::string_view context, const std::exception_ptr& failure) {
  if (!failure) return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("{}: unexpected failure (a bug, please report it): {}", context, e.what());
  } catch (...) {
    spdlog::error("{}: unexpected failure (a bug, please report it): unknown exception", context);
  }
}

void LogFailure::operator()(const std::exception_ptr& failure) const {
  log_exception(*context, failure);
}

}  // namespace bridge
