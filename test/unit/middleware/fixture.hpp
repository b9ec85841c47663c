#pragma once
// What the middleware unit tests share: a request as the front door passes it, field edits in
// words, and a fixture that loads middlewares from TOML (Traefik's names) with config::load,
// compiles them with middleware::Set and runs them.
#include "config/config.hpp"
#include "middleware/middleware.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bridge::middleware::test_support {

using Fields = std::vector<std::pair<std::string, std::string>>;

// One request as the front door passes it; view() points into it.
struct Req {
  std::string method = "GET";
  std::string host = "app.test";
  std::string scheme = "http";
  std::string target = "/";
  std::string client = "127.0.0.1";
  http::Fields fields;

  Req& with(std::string_view name, std::string_view value) {
    fields.add(name, value);
    return *this;
  }
  Request view() const {
    return Request{method, host, scheme, target, &fields, client, route::IpAddress::parse(client)};
  }
};

inline Req request(std::string method, std::string target) {
  Req r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

// "set NAME: VALUE", "remove NAME", "append NAME: VALUE": edits in words, so a failure shows
// them all. Any list of edits (Effects keeps its own, reused from request to request).
template <class Edits>
std::vector<std::string> words(const Edits& edits) {
  std::vector<std::string> out;
  for (const FieldEdit& e : edits) {
    switch (e.op) {
    case FieldEdit::Op::Set:
      out.push_back("set " + e.name + ": " + e.value);
      break;
    case FieldEdit::Op::Remove:
      out.push_back("remove " + e.name);
      break;
    case FieldEdit::Op::Add:
      out.push_back("add " + e.name + ": " + e.value);
      break;
    case FieldEdit::Op::AppendToken:
      out.push_back("append " + e.name + ": " + e.value);
      break;
    }
  }
  return out;
}

using Words = std::vector<std::string>;

class Middlewares : public ::testing::Test {
 protected:
  // Loads `toml` (the middlewares; a listener comes with it) and compiles it.
  ::testing::AssertionResult load(const std::string& toml) {
    test::write_file(dir_ / "base.toml",
                     "version = 1\n[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:8080\"\n\n" +
                         toml);
    config::LoadOptions options;
    options.config_dir = dir_.path();
    options.environment_for_test = std::map<std::string, std::string>{};
    auto loaded = config::load(options);
    if (!loaded)
      return ::testing::AssertionFailure()
             << loaded.error().where.str() << ": " << loaded.error().message;
    config_ = std::move(*loaded);
    set_ = Set(config_);
    return ::testing::AssertionSuccess();
  }

  // Runs the middlewares `names` (chains resolved) on `req` into a fresh fx_.
  const Effects& run_on(const std::vector<std::string>& names, const Req& req) {
    fx_.clear();
    middleware::run(set_.resolve(names), req.view(), fx_);
    return fx_;
  }
  const Effects& run_on(const std::string& name, const Req& req) {
    return run_on(std::vector<std::string>{name}, req);
  }
  // The only step's detail.
  std::string detail() const {
    EXPECT_FALSE(fx_.steps.empty());
    return fx_.steps.empty() ? "" : fx_.steps.back().detail;
  }

  test::TempDir dir_;
  config::Config config_;
  Set set_;
  Effects fx_;
};

}  // namespace bridge::middleware::test_support
