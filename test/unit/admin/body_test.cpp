// Admin API bodies: fields read type-checked, breakpoint edits validated like client input.
#include "admin/detail/body.hpp"

#include <gtest/gtest.h>

namespace bridge::admin {
namespace {

constexpr size_t limit = 64 * 1024;

// The field an invalid body is refused for ("<ok>" when it is accepted).
std::string refused_field(std::string_view body) {
  auto edit = parse_paused_edit(body, limit);
  return edit ? "<ok>" : edit.error().field;
}

std::string refused_breakpoint(std::string_view body) {
  auto spec = parse_breakpoint_spec(body);
  return spec ? "<ok>" : spec.error().field;
}

TEST(AdminBody, BreakpointFieldsAreTypeChecked) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"j({"rule": "Path(`/x`)"})j", "<ok>"},
      {R"j({"rule": "Path(`/x`)", "phase": "response", "hold": "5s"})j", "<ok>"},
      {R"j({"rule": 5})j", "rule"},
      {R"j({"rule": null})j", "rule"},
      {R"j({})j", "rule"},
      {R"j({"rule": "Path(`/x`)", "phase": 1})j", "phase"},
      {R"j({"rule": "Path(`/x`)", "phase": "later"})j", "phase"},
      {R"j({"rule": "Path(`/x`)", "hold": 60})j", "hold"},
      {R"j({"rule": "Path(`/x`)", "hold": "soon"})j", "hold"},
      {R"j({"rule": "Path(`/x`)", "hold": "0s"})j", "hold"},
      {R"j({"rule": "Path(`/x`)", "hodl": "5s"})j", "hodl"},
      {R"j(["rule"])j", ""},
      {"", ""},
      {"{not json", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(refused_breakpoint(c.body), c.field) << c.body;
  auto spec = parse_breakpoint_spec(R"j({"rule": 5})j");
  ASSERT_FALSE(spec);
  EXPECT_EQ(spec.error().message, "rule must be a string, not a number");
}

TEST(AdminBody, DecisionFieldsAreTypeChecked) {
  struct Case {
    const char* body;
    const char* field;
  };
  const Case cases[] = {
      {R"j({"action": "continue"})j", "<ok>"},
      {R"j({"action": "abort", "status": 418})j", "<ok>"},
      {R"j({"action": "abort", "status": "503"})j", "status"},
      {R"j({"action": "abort", "status": 503.5})j", "status"},
      {R"j({"action": "abort", "status": 99})j", "status"},
      {R"j({"action": "abort", "status": 204})j", "status"},  // no body: the abort has one
      {R"j({"action": "abort", "status": 18446744073709551615})j", "status"},
      {R"j({"action": 1})j", "action"},
      {R"j({"action": "explode"})j", "action"},
      {R"j({})j", "action"},
      {R"j({"action": "edit", "set_headers": []})j", "set_headers"},
      {R"j({"action": "edit", "set_headers": {"X-A": 1}})j", "set_headers"},
      {R"j({"action": "edit", "remove_headers": "X-A"})j", "remove_headers"},
      {R"j({"action": "edit", "remove_headers": [1]})j", "remove_headers"},
      {R"j({"action": "edit", "target": 5})j", "target"},
      {R"j({"action": "edit", "extra": true})j", "extra"},
  };
  for (const auto& c : cases) EXPECT_EQ(refused_field(c.body), c.field) << c.body;
  auto edit = parse_paused_edit(R"j({"action": "abort", "status": "503"})j", limit);
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().message, "status must be an integer like 503, not a string");
}

TEST(AdminBody, HeaderEditsAreValidatedLikeClientInput) {
  const char* refused[] = {
      R"j({"action": "edit", "set_headers": {"X-A": "1\r\nX-Smuggled: yes"}})j",
      R"j({"action": "edit", "set_headers": {"X-A": "1\nGET /admin HTTP/1.1"}})j",
      R"j({"action": "edit", "set_headers": {"X-A": "a\u0000b"}})j",
      R"j({"action": "edit", "set_headers": {"X A": "1"}})j",
      R"j({"action": "edit", "set_headers": {"X-A:": "1"}})j",
      R"j({"action": "edit", "set_headers": {"": "1"}})j",
      R"j({"action": "edit", "set_headers": {"Content-Length": "0"}})j",
      R"j({"action": "edit", "set_headers": {"transfer-encoding": "chunked"}})j",
      R"j({"action": "edit", "remove_headers": ["Content-Length"]})j",
      R"j({"action": "edit", "remove_headers": ["X\r\nY"]})j",
  };
  for (const char* body : refused) {
    auto edit = parse_paused_edit(body, limit);
    EXPECT_FALSE(edit) << body;
  }
  auto crlf =
      parse_paused_edit(R"j({"action": "edit", "set_headers": {"X-A": "1\r\nB: 2"}})j", limit);
  ASSERT_FALSE(crlf);
  EXPECT_EQ(crlf.error().field, "set_headers");
  EXPECT_NE(crlf.error().message.find("X-A"), std::string::npos) << crlf.error().message;

  std::string big =
      R"j({"action": "edit", "set_headers": {"X-Big": ")j" + std::string(100, 'v') + "\"}}";
  EXPECT_TRUE(parse_paused_edit(big, 200));
  EXPECT_FALSE(parse_paused_edit(big, 100));

  auto ok = parse_paused_edit(
      R"j({"action": "continue", "set_headers": {"X-Debug": "on\tand on"}, "remove_headers": ["X-Old"]})j",
      limit);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->release());
  ASSERT_EQ(ok->set_headers.size(), 1u);
  EXPECT_EQ(ok->set_headers[0].second, "on\tand on");
  EXPECT_EQ(ok->remove_headers, std::vector<std::string>{"X-Old"});
}

TEST(AdminBody, TargetMustBeAnHttpUrlOfAHost) {
  for (const char* target :
       {"http://127.0.0.1:9001", "https://example.test", "http://[::1]:80/", "builtin://echo"}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "<ok>") << target;
  }
  for (const char* target : {"ftp://x", "http://", "http://a b:80", "http://a\\r\\nb:80",
                             "http://user@host:80", "http://host:80/path", "http://host:99999",
                             "compose://orders:8080", "javascript:alert(1)"}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "target") << target;
  }
}

TEST(AdminBody, AHeldTcpConnectionTakesATcpOrUnixTarget) {
  for (const char* target : {"tcp://127.0.0.1:5432", "tcp://[::1]:6379", "unix:///run/app.sock"}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "<ok>") << target;
  }
  const std::string long_path = "unix:///" + std::string(107, 'a');
  for (const std::string& target :
       {std::string("tcp://127.0.0.1"), std::string("tcp://h:0"), std::string("tcp://h:1/x"),
        std::string("unix://run/a.sock"), std::string("unix:///a b"), long_path}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "target") << target;
  }
}

TEST(AdminBody, TargetPortAndHostAreWhatTheProxyConnectsTo) {
  // proxy::parse_target's rules: a host is required, a port is 1..65535 or the scheme's.
  for (const char* target : {"http://h:", "http://h:1", "https://h:65535", "http://[::1]",
                             "http://[::1]:", "http://a%20b:80"}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "<ok>") << target;
  }
  for (const char* target : {"http://h:0", "http://h:65536", "http://h:00000", "http://:80",
                             "https://:", "http://[]:80", "http://[::1]x"}) {
    std::string body = std::string(R"j({"action": "edit", "target": ")j") + target + "\"}";
    EXPECT_EQ(refused_field(body), "target") << target;
  }
}

TEST(AdminBody, EditKeepsTheRequestHeldAbortCarriesItsStatus) {
  auto edit = parse_paused_edit(R"j({"action": "edit"})j", limit);
  ASSERT_TRUE(edit);
  EXPECT_FALSE(edit->release());
  auto abort = parse_paused_edit(R"j({"action": "abort", "status": 418})j", limit);
  ASSERT_TRUE(abort);
  EXPECT_TRUE(abort->release());
  EXPECT_EQ(abort->status, 418);
  EXPECT_EQ(parse_paused_edit(R"j({"action": "abort"})j", limit)->status, 503);
}

TEST(AdminBody, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = R"j({"action": "edit", "set_headers": )j" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  auto edit = parse_paused_edit(deep, limit);
  ASSERT_FALSE(edit);
  EXPECT_EQ(edit.error().field, "");
  // Brackets inside strings do not count.
  std::string inside = R"j({"rule": "Path(`/)j" + std::string(100, '[') + R"j(`)"})j";
  EXPECT_EQ(refused_breakpoint(inside), "<ok>");
}

TEST(AdminBody, ErrorReplyNamesTheField) {
  auto reply = body_error_reply({"status", "status must be an integer like 503, not a string"});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(nlohmann::json::parse(reply.body),
            nlohmann::json({{"error", "bad_body"},
                            {"field", "status"},
                            {"message", "status must be an integer like 503, not a string"}}));
}

}  // namespace
}  // namespace bridge::admin
