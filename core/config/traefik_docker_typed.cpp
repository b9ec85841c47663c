// Labels as typed trees (detail/traefik_docker.hpp), as Traefik's label parser reads them
// (github.com/traefik/paerser: parser/labels_decode.go, nodes_metadata.go, element_fill.go):
// keys sorted, split at '.', a segment matching a field ignoring case and a name taking its
// first spelling; a list split at commas, each item trimmed; a ptypes.Duration given as a bare
// number in seconds; a pointer field marked allowEmpty set by `=true` alone (a router's
// tls=true, compress=true) and disabled by any other value.
#include "config/detail/node_build.hpp"
#include "config/detail/traefik_docker.hpp"

#include <algorithm>
#include <charconv>

namespace bridge::config::detail {

namespace {

void put(Node& table, std::string key, const Label& at, Node value) {
  put(table, std::move(key), std::move(value), at.origin, at.span);
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// Where an item of a comma-separated value starts, when the value sits on one line of a file.
Origin offset(const Origin& origin, size_t by) {
  Origin out = origin;
  if (out.has_position()) out.column += static_cast<int>(by);
  return out;
}

std::string_view trimmed(std::string_view text, size_t& from) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  from += begin;
  return text.substr(begin, end - begin + 1);
}

// Go's strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"})
    if (text == yes) return true;
  for (std::string_view no : {"0", "f", "F", "FALSE", "false", "False"})
    if (text == no) return false;
  return std::nullopt;
}

// Go's strconv.ParseInt(text, 10, 64).
std::optional<int64_t> parse_integer(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

class Typer {
 public:
  explicit Typer(ProviderContext& context) : context_(context) {}

  // `depth` segments of the key lead to `tree` (for hints).
  Result<std::optional<Node>> convert(const LabelTree& tree, const Field& field, size_t depth) {
    switch (field.shape) {
    case Shape::Table:
      return table_of(tree, field, depth);
    case Shape::Named:
      return named_of(tree, field, depth);
    case Shape::Free:
      return free_of(tree);
    case Shape::StringMap:
    case Shape::IntegerMap:
      return map_of(tree, field.shape == Shape::IntegerMap);
    default:
      return scalar_of(tree, field);
    }
  }

 private:
  const Label& anchor(const LabelTree& tree) const {
    return tree.label != nullptr ? *tree.label : *tree.first;
  }

  // The key's first `depth` segments, as written: "traefik.http.routers.api".
  static std::string prefix(const Label& label, size_t depth) {
    size_t at = 0;
    for (size_t i = 0; i < depth && at != std::string::npos; ++i) {
      at = label.key.find('.', at);
      if (at != std::string::npos) ++at;
    }
    return at == std::string::npos ? label.key : label.key.substr(0, at == 0 ? 0 : at - 1);
  }

  Error unknown(const LabelTree& child, const Field& parent, size_t depth) const {
    const Label& at = anchor(child);
    std::vector<std::string> known;
    for (const Field& f : parent.fields) known.push_back(lowered(f.name));
    return context_.sources.error(
        "label " + at.key + ": not a Traefik key", at.origin, at.span,
        suggest(lowered(child.name), known,
                "after " + prefix(at, depth) + " come " + join(known) + " (any case)"));
  }

  Error takes_value(const LabelTree& tree) const {
    const Label& at = *tree.children.front().first;
    return context_.sources.error("label " + at.key + ": not a Traefik key", at.origin, at.span,
                                  detail::quoted(tree.name) + " takes a value, not keys below it");
  }

  Result<std::optional<Node>> table_of(const LabelTree& tree, const Field& field, size_t depth) {
    // A value on a table: paerser's allowEmpty (`tls=true`); any other value than true
    // disables the field, keys below it included.
    if (tree.label != nullptr && (field.allow_empty || tree.children.empty())) {
      const Label& at = *tree.label;
      auto on = parse_bool(at.value);
      if (!field.allow_empty)
        return context_.sources.error(
            "label " + at.key + ": expects keys below it", at.origin, at.span,
            "e.g. " + at.key + "." + lowered(field.fields.front().name) + "=VALUE");
      if (!on) {
        return context_.sources.error(
            "label " + at.key + ": expected true or false, got " + detail::quoted(at.value),
            at.value_origin, at.value_span, "true sets it with its defaults; or set keys below it");
      }
      if (!*on) return std::optional<Node>();
    }
    Node out = node_of(Kind::Table, anchor(tree).origin, anchor(tree).span);
    for (const LabelTree& child : tree.children) {
      auto found = std::find_if(field.fields.begin(), field.fields.end(),
                                [&](const Field& f) { return iequals(f.name, child.name); });
      if (found == field.fields.end()) return unknown(child, field, depth);
      auto value = convert(child, *found, depth + 1);
      BRIDGE_TRY(value);
      if (*value) put(out, std::string(found->name), anchor(child), std::move(**value));
    }
    return std::optional<Node>(std::move(out));
  }

  Result<std::optional<Node>> named_of(const LabelTree& tree, const Field& field, size_t depth) {
    if (tree.label != nullptr) {
      const Label& at = *tree.label;
      return context_.sources.error("label " + at.key + ": expects a name and keys below it",
                                    at.origin, at.span, "e.g. " + at.key + ".NAME...");
    }
    Node out = node_of(Kind::Table, anchor(tree).origin, anchor(tree).span);
    for (const LabelTree& child : tree.children) {
      if (child.children.empty()) {
        const Label& at = *child.label;
        return context_.sources.error(
            "label " + at.key + ": expects keys below it", at.origin, at.span,
            "e.g. " + at.key + "." + lowered(field.fields.front().fields.front().name) + "=VALUE");
      }
      auto value = table_of(child, field.fields.front(), depth + 1);
      BRIDGE_TRY(value);
      if (*value) put(out, child.name, anchor(child), std::move(**value));
    }
    return std::optional<Node>(std::move(out));
  }

  Result<std::optional<Node>> free_of(const LabelTree& tree) {
    if (tree.children.empty()) {
      const Label& at = *tree.label;
      Node n = node_of(Kind::String, at.value_origin, at.value_span);
      n.text = at.value;
      return std::optional<Node>(std::move(n));
    }
    Node out = node_of(Kind::Table, anchor(tree).origin, anchor(tree).span);
    for (const LabelTree& child : tree.children) {
      auto value = free_of(child);
      BRIDGE_TRY(value);
      put(out, child.name, anchor(child), std::move(**value));
    }
    return std::optional<Node>(std::move(out));
  }

  Result<std::optional<Node>> map_of(const LabelTree& tree, bool integers) {
    if (tree.children.empty()) {
      const Label& at = *tree.label;
      return context_.sources.error("label " + at.key + ": expects a name and a value below it",
                                    at.origin, at.span, "e.g. " + at.key + ".NAME=VALUE");
    }
    Node out = node_of(Kind::Table, anchor(tree).origin, anchor(tree).span);
    for (const LabelTree& child : tree.children) {
      if (!child.children.empty()) return takes_value(child);
      auto value = scalar_of(child, Field{child.name, integers ? Shape::Integer : Shape::String});
      BRIDGE_TRY(value);
      if (*value) put(out, child.name, anchor(child), std::move(**value));
    }
    return std::optional<Node>(std::move(out));
  }

  Result<std::optional<Node>> scalar_of(const LabelTree& tree, const Field& field) {
    if (!tree.children.empty()) return takes_value(tree);
    const Label& at = *tree.label;
    Node n = node_of(Kind::String, at.value_origin, at.value_span);
    auto bad = [&](std::string_view expected) {
      return context_.sources.error("label " + at.key + ": expected " + std::string(expected) +
                                        ", got " + detail::quoted(at.value),
                                    at.value_origin, at.value_span);
    };
    switch (field.shape) {
    case Shape::Integer: {
      auto value = parse_integer(at.value);
      if (!value) return bad("an integer");
      n.kind = Kind::Integer;
      n.integer = *value;
      break;
    }
    case Shape::Boolean: {
      auto value = parse_bool(at.value);
      if (!value) return bad("true or false");
      n.kind = Kind::Boolean;
      n.boolean = *value;
      break;
    }
    case Shape::Duration:
      n.text = parse_integer(at.value) ? at.value + "s" : at.value;
      break;
    case Shape::List: {
      if (at.value.empty()) return std::optional<Node>();  // as paerser: not set
      n.kind = Kind::Array;
      size_t start = 0;
      for (;;) {
        size_t comma = at.value.find(',', start);
        std::string_view part = std::string_view(at.value).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t from = start;
        std::string_view item = trimmed(part, from);
        Node s = node_of(Kind::String, offset(at.value_origin, from),
                         std::max(1, static_cast<int>(item.size())));
        s.text = std::string(item);
        n.items.push_back(std::move(s));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      break;
    }
    default:
      n.text = at.value;
    }
    return std::optional<Node>(std::move(n));
  }

  ProviderContext& context_;
};

}  // namespace

const LabelTree* LabelTree::find(std::string_view segment) const {
  for (const LabelTree& c : children)
    if (iequals(c.name, segment)) return &c;
  return nullptr;
}

Result<LabelTree> label_tree(ProviderContext& context, const std::vector<Label>& labels) {
  std::vector<const Label*> sorted;
  for (const Label& l : labels)
    if (l.key.size() > 8 && iequals(std::string_view(l.key).substr(0, 8), "traefik."))
      sorted.push_back(&l);
  // paerser sorts the keys: where two spellings of one name meet, the first in byte order wins.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Label* a, const Label* b) { return a->key < b->key; });
  LabelTree root;
  root.name = "traefik";
  // Origins name the label written first below a node (`labels` is in the order written).
  auto earlier = [](const Label* a, const Label* b) { return b == nullptr || a < b; };
  for (const Label* l : sorted) {
    if (earlier(l, root.first)) root.first = l;
    LabelTree* at = &root;
    size_t start = 8;
    for (;;) {
      size_t dot = l->key.find('.', start);
      std::string segment =
          l->key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (segment.empty())
        return context.sources.error("label " + l->key + ": a key has no empty parts", l->origin,
                                     l->span, "remove the doubled or trailing '.'");
      LabelTree* next = nullptr;
      for (LabelTree& c : at->children)
        if (iequals(c.name, segment)) next = &c;
      if (next == nullptr) {
        at->children.push_back(LabelTree{segment, nullptr, l, {}});
        next = &at->children.back();
      }
      at = next;
      if (earlier(l, at->first)) at->first = l;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    // Two spellings of one key (compose keeps both): the later one in byte order wins, as
    // paerser overwrites the value.
    at->label = l;
  }
  return root;
}

Result<Node> typed_labels(ProviderContext& context, const LabelTree& traefik) {
  if (traefik.children.empty()) return node_of(Kind::Table, {}, 1);
  Typer typer(context);
  auto out = typer.convert(traefik, traefik_schema(), 1);
  BRIDGE_TRY(out);
  return *out ? std::move(**out) : node_of(Kind::Table, {}, 1);
}

std::string describe(const Label& label) {
  return "label " + label.key + " of " + label.origin.str();
}

}  // namespace bridge::config::detail
