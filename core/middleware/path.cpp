// The path rewrites: stripPrefix, stripPrefixRegex, addPrefix, replacePath, replacePathRegex.
// Each works on the path the middlewares before it left (the query stays as sent) and tells
// the upstream what it did, as Traefik does: X-Forwarded-Prefix for a stripped prefix,
// X-Replaced-Path for a replaced path.
#include "middleware/detail/kinds.hpp"

#include <re2/re2.h>

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

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
    // The worker's buffer: a rewrite allocates nothing once it has grown. `path` and `query`
    // may point into fx.target, so the new target is built apart and copied in at the end.
    thread_local std::string next;
    next.clear();
    auto append_path = [](std::string_view rest) {
      if (!rest.starts_with('/')) next += '/';
      next += rest;
    };
    if (m_.strip_prefix) {
      for (const std::string& prefix : *m_.strip_prefix) {
        if (!path.starts_with(prefix)) continue;
        append_path(path.substr(prefix.size()));
        fx.request.add(Op::Set, "X-Forwarded-Prefix", prefix);
        break;
      }
    } else if (m_.strip_prefix_regex) {
      for (const auto& re : regexes_) {
        re2::StringPiece match;
        if (!re->Match(path, 0, path.size(), RE2::ANCHOR_START, &match, 1) || match.empty())
          continue;
        append_path(path.substr(match.size()));
        fx.request.add(Op::Set, "X-Forwarded-Prefix", std::string_view(match.data(), match.size()));
        break;
      }
    } else if (m_.add_prefix) {
      append_path(*m_.add_prefix);
      next += path;
    } else if (m_.replace_path) {
      next = *m_.replace_path;
      fx.request.add(Op::Set, "X-Replaced-Path", path);
    } else if (m_.replace_path_regex) {
      std::string replaced(path);
      if (RE2::GlobalReplace(&replaced, *regexes_.front(), rewrite_) > 0) {
        append_path(replaced);
        fx.request.add(Op::Set, "X-Replaced-Path", path);
      }
    }
    if (next.empty()) {
      if (fx.explain) step.detail = "path " + std::string(path) + " left as it is";
      return;
    }
    // Kept in records too; appended into the step's own buffer, which outlives the request.
    step.detail.append("path ").append(path).append(" → ").append(next);
    next += query;
    fx.set_target(next);
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
