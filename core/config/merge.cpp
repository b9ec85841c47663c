#include "config/detail/layer.hpp"

#include <algorithm>

namespace bridge::config::detail {
namespace {

void merge_table(Node& into, Node over);

bool disabled(const Node& entry) {
  const Node* enabled = entry.find("enabled");
  return enabled != nullptr && enabled->is(Kind::Boolean) && !enabled->boolean;
}

const std::string& name_of(const Node& entry) {
  static const std::string none;
  const Node* name = entry.find("name");
  return name != nullptr ? name->text : none;
}

// [[routes]] and friends: the same name deep-merges, a new name appends in order, and
// `enabled = false` drops what earlier layers defined under that name.
void merge_named(Node& into, Node over) {
  for (Node& entry : over.items) {
    const std::string name = name_of(entry);
    auto existing = std::find_if(into.items.begin(), into.items.end(),
                                 [&](const Node& n) { return name_of(n) == name; });
    if (disabled(entry)) {
      if (existing != into.items.end()) into.items.erase(existing);
    } else if (existing != into.items.end()) {
      // The entry keeps the origin of its first definition: that is where it "lives".
      std::erase_if(entry.entries, [](const Entry& e) { return e.key == "name"; });
      merge_table(*existing, std::move(entry));
    } else {
      into.items.push_back(std::move(entry));
    }
  }
}

void merge_entry(Node& into, Entry over, bool top_level) {
  Node* existing = into.find(over.key);
  bool named = top_level && is_named_array(over.key) && over.value.is(Kind::Array);
  if (existing == nullptr) {
    if (named) {  // through merge_named, so that disabled entries never appear
      Node array;
      array.kind = Kind::Array;
      array.origin = over.value.origin;
      array.span = over.value.span;
      merge_named(array, std::move(over.value));
      over.value = std::move(array);
    }
    into.entries.push_back(std::move(over));
  } else if (existing->is(Kind::Table) && over.value.is(Kind::Table)) {
    merge_table(*existing, std::move(over.value));
  } else if (named && existing->is(Kind::Array)) {
    merge_named(*existing, std::move(over.value));
  } else {
    for (Entry& e : into.entries) {
      if (e.key == over.key) {
        e = std::move(over);
        break;  // keys are unique in a table
      }
    }
  }
}

void merge_table(Node& into, Node over) {
  for (Entry& e : over.entries) merge_entry(into, std::move(e), false);
}

}  // namespace

void merge_document(Node& into, Node over) {
  if (into.entries.empty() && !into.origin.has_position()) into.origin = over.origin;
  for (Entry& e : over.entries) merge_entry(into, std::move(e), true);
}

void strip_enabled(Node& document) {
  for (Entry& e : document.entries) {
    if (!is_named_array(e.key) || !e.value.is(Kind::Array)) continue;
    for (Node& item : e.value.items)
      std::erase_if(item.entries, [](const Entry& field) { return field.key == "enabled"; });
  }
}

}  // namespace bridge::config::detail
