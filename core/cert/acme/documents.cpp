// ACME server documents read without trusting their shape: nlohmann's value() and get() throw
// on a member of another type, so every member is read through text_at and friends.
#include "cert/acme/documents.hpp"

#include <algorithm>

namespace bridge::cert::acme::detail {

using nlohmann::json;

namespace {

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string text_at(const json& object, const char* key) {
  const json* m = member(object, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}

json problem_at(const json& object) {
  const json* m = member(object, "error");
  return m != nullptr ? *m : json();
}

// Nesting depth of `text` read as JSON, counting brackets outside strings; stops counting
// past `limit`.
int nesting(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

json parse_json(std::string_view body) {
  if (nesting(body, max_json_depth) > max_json_depth) return nullptr;
  json doc = json::parse(body, nullptr, false);  // discarded (not an exception) on error
  return doc.is_discarded() ? json() : doc;
}

Result<Directory> decode_directory(const json& doc) {
  Directory out{text_at(doc, "newNonce"), text_at(doc, "newAccount"), text_at(doc, "newOrder")};
  if (out.new_nonce.empty() || out.new_account.empty() || out.new_order.empty()) {
    return Error::runtime("not an ACME directory (no newNonce, newAccount and newOrder URLs)");
  }
  return out;
}

AuthorizationObject decode_authorization(const json& doc) {
  AuthorizationObject out;
  if (const auto* identifier = member(doc, "identifier")) {
    out.identifier = text_at(*identifier, "value");
  }
  out.status = text_at(doc, "status");
  if (const auto* challenges = member(doc, "challenges"); challenges && challenges->is_array()) {
    for (const auto& c : *challenges) {
      if (!c.is_object()) continue;
      out.challenges.push_back(
          {text_at(c, "type"), text_at(c, "url"), text_at(c, "token"), problem_at(c)});
    }
  }
  return out;
}

OrderObject decode_order(const json& doc) {
  OrderObject out;
  out.status = text_at(doc, "status");
  if (const auto* authzs = member(doc, "authorizations"); authzs && authzs->is_array()) {
    for (const auto& url : *authzs) {
      if (url.is_string()) out.authorizations.push_back(url.get<std::string>());
    }
  }
  out.finalize = text_at(doc, "finalize");
  out.certificate = text_at(doc, "certificate");
  out.error = problem_at(doc);
  return out;
}

std::string status_of(const json& doc) { return text_at(doc, "status"); }

std::string problem_type(const json& problem) { return text_at(problem, "type"); }

std::string problem_text(const json& problem) {
  if (!problem.is_object()) return "unknown error";
  std::string type = text_at(problem, "type");
  std::string detail = text_at(problem, "detail");
  std::string out =
      (type.empty() ? "about:blank" : type) + ": " + (detail.empty() ? "(no detail)" : detail);
  if (const auto* sub = member(problem, "subproblems"); sub && sub->is_array()) {
    for (const auto& p : *sub) {
      std::string who;
      if (const auto* identifier = member(p, "identifier")) {
        std::string value = text_at(*identifier, "value");
        if (!value.empty()) who = value + ": ";
      }
      out += "; " + who + problem_text(p);
    }
  }
  return out;
}

std::optional<std::chrono::seconds> retry_after(std::string_view value) {
  if (value.empty() || value.size() > 5 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int seconds = 0;
  for (char c : value) seconds = seconds * 10 + (c - '0');
  return std::chrono::seconds(seconds);
}

bool valid_nonce(std::string_view nonce) {
  return !nonce.empty() && std::all_of(nonce.begin(), nonce.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

}  // namespace bridge::cert::acme::detail
