#include "backend.hpp"

#include <cstdlib>
#include <thread>

namespace bridge::test {

std::string test_backend_bin() {
  const char* path = std::getenv("BRIDGE_TEST_BACKEND");
  return path != nullptr ? path : "bridge_test_backend";
}

bool TestBackend::start(std::string* error) {
  process_ = std::make_unique<Process>(std::vector<std::string>{test_backend_bin(), "--port", "0"});
  if (!process_->wait_for_stdout("\n", std::chrono::seconds(5))) {
    if (error != nullptr) {
      *error = "test backend did not start: " + process_->stderr_text();
    }
    return false;
  }
  std::string out = process_->stdout_text();
  auto pos = out.find("listening ");
  if (pos == std::string::npos) {
    if (error != nullptr) *error = "test backend printed: " + out;
    return false;
  }
  port_ = static_cast<uint16_t>(std::atoi(out.c_str() + pos + 10));
  return true;
}

void TestBackend::kill() {
  if (process_) process_->kill();
}

std::string TestBackend::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

}  // namespace bridge::test
