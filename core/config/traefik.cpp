// Traefik's file provider (dynamic configuration, TOML or YAML) as bridge routes, upstreams and
// middlewares (detail/traefik.hpp). Middlewares copy over as they are: bridge reads Traefik's
// type and option names already. Routers and services are rewritten into bridge's keys, each
// value keeping its origin in the Traefik file.
#include "config/detail/traefik.hpp"

#include "config/detail/toml.hpp"
#include "config/detail/yaml.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace bridge::config::detail {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view provider = "@file";

// A name of the file provider as Traefik qualifies it; one naming another provider stays.
std::string qualified(std::string_view name) {
  return name.find('@') == std::string_view::npos ? std::string(name) + std::string(provider)
                                                  : std::string(name);
}

Node string_node(std::string text, const Origin& origin, int span) {
  Node n;
  n.kind = Kind::String;
  n.text = std::move(text);
  n.origin = origin;
  n.span = span;
  return n;
}

void put(Node& table, std::string key, Node value) {
  Entry e;
  e.key = std::move(key);
  e.key_origin = value.origin;
  e.key_span = value.span;
  e.value = std::move(value);
  table.entries.push_back(std::move(e));
}

// The top-level table or array `key` of `tree`, created when missing.
Node* section(Node& tree, const std::string& key, Kind kind) {
  if (Node* n = tree.find(key)) return n;
  Node empty;
  empty.kind = kind;
  put(tree, key, std::move(empty));
  return &tree.entries.back().value;
}

class Importer {
 public:
  Importer(Node& tree, const Sources& sources, std::map<std::string, std::string> entrypoints)
      : tree_(tree), sources_(sources), entrypoints_(std::move(entrypoints)) {
    for (const Node& l : listeners_of(tree)) listeners_.push_back(l.text);
  }

  Result<void> document(const Node& doc) {
    for (const Entry& e : doc.entries) {
      if (e.key == "http") {
        BRIDGE_TRY(http(e.value));
      } else {
        return not_imported(e, e.key,
                            e.key == "tcp" || e.key == "udp" || e.key == "tls"
                                ? "put it in the bridge profile for now ([[tcp_routes]], a "
                                  "listener's tls)"
                                : "Traefik's dynamic configuration has http, tcp, udp and tls");
      }
    }
    return {};
  }

 private:
  static std::vector<Node> listeners_of(const Node& tree) {
    std::vector<Node> out;
    if (const Node* list = tree.find("listeners"); list != nullptr && list->is(Kind::Array))
      for (const Node& l : list->items)
        if (const Node* name = l.find("name"); name != nullptr && name->is(Kind::String))
          out.push_back(*name);
    return out;
  }

  Error not_imported(const Entry& e, const std::string& path, std::string hint) const {
    return sources_.error(path + ": bridge does not import this part of a Traefik configuration",
                          e.key_origin, e.key_span, std::move(hint));
  }
  Error expected(const Node& n, const std::string& path, std::string_view what) const {
    return sources_.error(path + ": expected " + std::string(what) + ", got " +
                              std::string(kind_name(n.kind)),
                          n.origin, n.span);
  }

  Result<void> http(const Node& http) {
    if (!http.is(Kind::Table)) return expected(http, "http", "a table");
    for (const Entry& e : http.entries) {
      const std::string path = "http." + e.key;
      if (!e.value.is(Kind::Table)) return expected(e.value, path, "a table");
      if (e.key == "routers") {
        for (const Entry& r : e.value.entries) BRIDGE_TRY(router(r, path + "." + r.key));
      } else if (e.key == "services") {
        for (const Entry& s : e.value.entries) BRIDGE_TRY(service(s, path + "." + s.key));
      } else if (e.key == "middlewares") {
        for (const Entry& m : e.value.entries) middleware(m);
      } else {
        return not_imported(e, path,
                            "bridge imports http.routers, http.services and http.middlewares");
      }
    }
    return {};
  }

  // A router: rule, service, middlewares, entryPoints, priority, tls (the mapped listener's).
  Result<void> router(const Entry& r, const std::string& path) {
    if (!r.value.is(Kind::Table)) return expected(r.value, path, "a table");
    Node route;
    route.origin = r.key_origin;
    put(route, "name", string_node(qualified(r.key), r.key_origin, r.key_span));
    for (const Entry& e : r.value.entries) {
      const std::string at = path + "." + e.key;
      if (e.key == "rule" || e.key == "priority") {
        put(route, e.key, e.value);
      } else if (e.key == "service") {
        if (!e.value.is(Kind::String)) return expected(e.value, at, "a string");
        put(route, "upstream", string_node(qualified(e.value.text), e.value.origin, e.value.span));
      } else if (e.key == "middlewares") {
        if (!e.value.is(Kind::Array)) return expected(e.value, at, "an array of strings");
        Node names = e.value;
        for (Node& n : names.items)
          if (n.is(Kind::String)) n.text = qualified(n.text);
        put(route, "middlewares", std::move(names));
      } else if (e.key == "entryPoints") {
        if (!e.value.is(Kind::Array)) return expected(e.value, at, "an array of strings");
        Node listeners = e.value;
        listeners.items.clear();
        for (size_t i = 0; i < e.value.items.size(); ++i) {
          Node n = e.value.items[i];
          if (!n.is(Kind::String)) return expected(n, at, "an array of strings");
          auto mapped = entrypoints_.find(n.text);
          const std::string listener = mapped != entrypoints_.end() ? mapped->second : n.text;
          if (std::find(listeners_.begin(), listeners_.end(), listener) == listeners_.end())
            return sources_.error(at + "[" + std::to_string(i) +
                                      "]: no bridge listener for the Traefik entry point " +
                                      detail::quoted(n.text),
                                  n.origin, n.span,
                                  "map it in the profile: [traefik] entrypoints = { " + n.text +
                                      " = \"LISTENER\" } (listeners: " + join(listeners_) + ")");
          n.text = listener;
          // Two entry points on one listener (web and websecure on a laptop) are one.
          if (std::none_of(listeners.items.begin(), listeners.items.end(),
                           [&](const Node& l) { return l.text == listener; }))
            listeners.items.push_back(std::move(n));
        }
        put(route, "listeners", std::move(listeners));
      } else if (e.key == "tls") {
        // Served by the listener its entry point maps to: a bridge listener with tls.
      } else {
        return not_imported(e, at,
                            "bridge reads a router's rule, service, middlewares, entryPoints, "
                            "priority and tls");
      }
    }
    if (route.find("rule") == nullptr)
      return sources_.error(path + ": missing \"rule\"", r.key_origin, r.key_span,
                            "e.g. rule = \"Host(`app.localhost`)\"");
    if (route.find("upstream") == nullptr)
      return sources_.error(path + ": missing \"service\"", r.key_origin, r.key_span,
                            "name one of http.services");
    section(tree_, "routes", Kind::Array)->items.push_back(std::move(route));
    return {};
  }

  // A service: loadBalancer.servers[].url, and its healthCheck (path, interval, timeout).
  Result<void> service(const Entry& s, const std::string& path) {
    if (!s.value.is(Kind::Table)) return expected(s.value, path, "a table");
    Node upstream;
    upstream.origin = s.key_origin;
    put(upstream, "name", string_node(qualified(s.key), s.key_origin, s.key_span));
    for (const Entry& kind : s.value.entries) {
      const std::string at = path + "." + kind.key;
      if (kind.key != "loadBalancer")
        return not_imported(kind, at, "bridge imports loadBalancer services so far");
      if (!kind.value.is(Kind::Table)) return expected(kind.value, at, "a table");
      for (const Entry& e : kind.value.entries) {
        const std::string key = at + "." + e.key;
        if (e.key == "servers") {
          if (!e.value.is(Kind::Array)) return expected(e.value, key, "an array of tables");
          Node targets;
          targets.kind = Kind::Array;
          targets.origin = e.value.origin;
          for (const Node& server : e.value.items) {
            const Node* url = server.find("url");
            if (url == nullptr)
              return sources_.error(key + ": each server needs a url", server.origin, server.span,
                                    "e.g. servers = [{ url = \"http://127.0.0.1:3000\" }]");
            targets.items.push_back(*url);
          }
          put(upstream, "targets", std::move(targets));
        } else if (e.key == "healthCheck") {
          if (!e.value.is(Kind::Table)) return expected(e.value, key, "a table");
          Node health;
          health.origin = e.value.origin;
          for (const Entry& h : e.value.entries) {
            if (h.key != "path" && h.key != "interval" && h.key != "timeout")
              return not_imported(h, key + "." + h.key,
                                  "bridge reads a healthCheck's path, interval and timeout");
            put(health, h.key, h.value);
          }
          put(upstream, "health", std::move(health));
        } else if (e.key == "passHostHeader" && e.value.is(Kind::Boolean) && e.value.boolean) {
          // Traefik's default, and bridge's: the client's Host goes up.
        } else {
          return not_imported(e, key,
                              "bridge reads a loadBalancer's servers, healthCheck and "
                              "passHostHeader = true");
        }
      }
    }
    if (upstream.find("targets") == nullptr)
      return sources_.error(path + ": no loadBalancer.servers", s.key_origin, s.key_span,
                            "e.g. [http.services." + s.key +
                                ".loadBalancer] servers = [{ url = \"http://127.0.0.1:3000\" }]");
    section(tree_, "upstreams", Kind::Array)->items.push_back(std::move(upstream));
    return {};
  }

  // A middleware as it is (bridge reads Traefik's names), with the names it refers to in the
  // file provider qualified: a chain's members, an errors middleware's service.
  void middleware(const Entry& m) {
    Entry copy = m;
    copy.key = qualified(m.key);
    for (Entry& type : copy.value.entries) {
      if (type.key == "chain")
        if (Node* names = type.value.find("middlewares"); names && names->is(Kind::Array))
          for (Node& n : names->items)
            if (n.is(Kind::String)) n.text = qualified(n.text);
      if (type.key == "errors")
        if (Node* service = type.value.find("service");
            service && service->is(Kind::String) && service->text.find("://") == std::string::npos)
          service->text = qualified(service->text);
    }
    section(tree_, "middlewares", Kind::Table)->entries.push_back(std::move(copy));
  }

  Node& tree_;
  const Sources& sources_;
  std::map<std::string, std::string> entrypoints_;
  std::vector<std::string> listeners_;
};

// The files of a source path: the file itself, or a directory's *.toml, *.yaml and *.yml, in
// name order (Traefik's file provider reads a directory so).
std::vector<std::string> files_of(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".toml" || ext == ".yaml" || ext == ".yml"))
      out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<void> import_sources(Node& tree, Sources& sources, std::vector<std::string>& files,
                            std::vector<std::string>& texts) {
  const Node* list = tree.find("sources");
  if (list == nullptr) return {};
  if (!list->is(Kind::Array))
    return sources.error("sources: expected an array of tables", list->origin, list->span,
                         "[[sources]]\ntype = \"traefik-file\"\npath = \"traefik/dynamic.yml\"");
  std::map<std::string, std::string> entrypoints;
  if (const Node* traefik = tree.find("traefik")) {
    for (const Entry& e : traefik->entries) {
      if (e.key != "entrypoints")
        return sources.error("traefik." + e.key + ": unknown key", e.key_origin, e.key_span,
                             "known keys: entrypoints");
      for (const Entry& map : e.value.entries) {
        if (!map.value.is(Kind::String))
          return sources.error("traefik.entrypoints." + map.key + ": expected a listener name",
                               map.value.origin, map.value.span);
        entrypoints[map.key] = map.value.text;
      }
    }
  }
  const Node sources_list = *list;  // the tree grows below
  Importer importer(tree, sources, entrypoints);
  for (size_t i = 0; i < sources_list.items.size(); ++i) {
    const Node& source = sources_list.items[i];
    const std::string at = "sources[" + std::to_string(i) + "]";
    const Node* type = source.find("type");
    const Node* path = source.find("path");
    if (type == nullptr || !type->is(Kind::String) || type->text != "traefik-file")
      return sources.error(at + ".type: bridge reads sources of type \"traefik-file\" so far",
                           type != nullptr ? type->origin : source.origin,
                           type != nullptr ? type->span : 1,
                           "Traefik's docker labels and Kubernetes manifests come later");
    if (path == nullptr || !path->is(Kind::String))
      return sources.error(at + ": needs path (a file or directory of Traefik's dynamic "
                                "configuration)",
                           source.origin, 1, "e.g. path = \"traefik/dynamic.yml\"");
    for (const Entry& e : source.entries)
      if (e.key != "type" && e.key != "path")
        return sources.error(at + "." + e.key + ": unknown key", e.key_origin, e.key_span,
                             "known keys: type, path");
    // Relative to the profile file that names it, as usersFile is.
    std::string where = path->text;
    if (!where.starts_with('/') && path->origin.has_position() &&
        !path->origin.source.starts_with("<"))
      where = (fs::path(path->origin.source).parent_path() / where).lexically_normal().string();
    std::error_code ec;
    if (!fs::exists(where, ec))
      return sources.error(at + ".path: " + detail::quoted(where) + " does not exist", path->origin,
                           path->span, "a Traefik dynamic configuration file or directory");
    for (const std::string& file : files_of(where)) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in)
        return sources.error(at + ".path: cannot read " + detail::quoted(file), path->origin,
                             path->span);
      sources.add(file, text.str());
      const bool toml = file.ends_with(".toml");
      auto document = toml ? parse_document(text.str(), file, sources)
                           : parse_yaml_document(text.str(), file, sources);
      BRIDGE_TRY(document);
      BRIDGE_TRY(importer.document(*document));
      files.push_back(file);
      texts.push_back(text.str());
    }
  }
  return {};
}

}  // namespace bridge::config::detail
