// Matching must not allocate: this binary counts operator new while a match runs.

#include "request.hpp"
#include "route/route.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

namespace {
bool counting = false;
long allocations = 0;
}  // namespace

// Every non-aligned form is replaced so that new and delete always pair up (ASan checks it).
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace bridge::route {
namespace {

TEST(RouteMatcher, MatchDoesNotAllocate) {
  auto table = Table::build({
      {"host", "Host(`other.test`) && PathPrefix(`/api`)", 0, {}},
      {"regexp", "HostRegexp(`^nope\\.`) || PathRegexp(`^/nope`)", 0, {}},
      {"header", "Header(`X-Env`, `prod`) || HeaderRegexp(`X-Env`, `^nope`)", 0, {}},
      {"query", "Query(`q`, `nope`) || QueryRegexp(`q`, `^nope`) || Query(`flag`)", 0, {}},
      {"ip", "ClientIP(`10.0.0.0/8`) && Method(`POST`)", 0, {"web"}},
      {"winner", "Host(`API.test`) && QueryRegexp(`q`, `^a b$`) && !Method(`DELETE`)", 0, {}},
  });
  ASSERT_TRUE(table);
  test::TestRequest request{.method = "GET",
                            .host = "Api.TEST:8443",
                            .path = "/v1/users",
                            .query = "x=%41&q=a+b&q=a%20b",
                            .headers = {{"X-Env", "staging"}, {"Accept", "*/*"}},
                            .client_ip = "::ffff:10.1.2.3"};
  RequestView view = request.view();
  ASSERT_EQ(table->match(view, "web")->name, "winner");  // warms RE2's lazily built DFA
  counting = true;
  const CompiledRoute* winner = table->match(view, "web");
  bool direct = table->routes().back().rule.matches(view);
  counting = false;
  EXPECT_EQ(winner->name, "winner");
  EXPECT_FALSE(direct);
  EXPECT_EQ(allocations, 0);
}

}  // namespace
}  // namespace bridge::route
