// The path rewrites: stripPrefix, stripPrefixRegex, addPrefix, replacePath, replacePathRegex.
// Each works on the path the middlewares before it left (the query stays as sent) and tells
// the upstream what it did, as Traefik does: X-Forwarded-Prefix for a stripped prefix,
// X-Replaced-Path for a replaced path.
#include "middleware/detail/kinds.hpp"

#include <re2/re2.h>

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

std::string with_leading_slash(std::string_view path) {
  return path.starts_with('/') ? std::string(path) : "/" + std::string(path);
}

class PathRewrite final : public Middleware {
 public:
  explicit PathRewrite(const config::Middleware& m) : Middleware(m.name, type_name(m)), m_(m) {
    if (m.strip_prefix_regex)
      for (const auto& pattern : *m.strip_prefix_regex)
        regexes_.push_back(std::make_unique<RE2>(pattern));
    if (m.replace_path_regex) {
      regexes_.push_back(std::make_unique<RE2>(m.replace_path_regex->first));
      rewrite_ = re2_rewrite(m.replace_path_regex->second, *regexes_.back());
    }
  }

  void handle(const Request& req, Effects& fx, Step& step) const override {
    auto [path, query] = split_target(fx.current_target(req));
    std::string new_path;
    if (m_.strip_prefix) {
      for (const std::string& prefix : *m_.strip_prefix) {
        if (!path.starts_with(prefix)) continue;
        new_path = with_leading_slash(path.substr(prefix.size()));
        fx.request.add(Op::Set, "X-Forwarded-Prefix", prefix);
        break;
      }
    } else if (m_.strip_prefix_regex) {
      for (const auto& re : regexes_) {
        re2::StringPiece match;
        if (!re->Match(path, 0, path.size(), RE2::ANCHOR_START, &match, 1) || match.empty())
          continue;
        std::string_view prefix(match.data(), match.size());
        new_path = with_leading_slash(path.substr(prefix.size()));
        fx.request.add(Op::Set, "X-Forwarded-Prefix", std::string(prefix));
        break;
      }
    } else if (m_.add_prefix) {
      new_path = with_leading_slash(*m_.add_prefix + std::string(path));
    } else if (m_.replace_path) {
      new_path = *m_.replace_path;
      fx.request.add(Op::Set, "X-Replaced-Path", std::string(path));
    } else if (m_.replace_path_regex) {
      std::string replaced(path);
      if (RE2::GlobalReplace(&replaced, *regexes_.front(), rewrite_) > 0) {
        new_path = with_leading_slash(replaced);
        fx.request.add(Op::Set, "X-Replaced-Path", std::string(path));
      }
    }
    if (new_path.empty()) {
      if (fx.explain) step.detail = "path " + std::string(path) + " left as it is";
      return;
    }
    step.detail = "path " + std::string(path) + " → " + new_path;  // kept in records too
    fx.set_target(new_path + std::string(query));
  }

 private:
  static std::string_view type_name(const config::Middleware& m) {
    if (m.strip_prefix) return "stripPrefix";
    if (m.strip_prefix_regex) return "stripPrefixRegex";
    if (m.add_prefix) return "addPrefix";
    if (m.replace_path) return "replacePath";
    return "replacePathRegex";
  }

  config::Middleware m_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  std::string rewrite_;
};

}  // namespace

std::unique_ptr<Middleware> make_path_rewrite(const config::Middleware& config) {
  return std::make_unique<PathRewrite>(config);
}

}  // namespace bridge::middleware::detail
