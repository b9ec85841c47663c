// route test --ingress DIR: the cluster ingress's decision predicted from its manifests alone.
// The manifests become a throwaway profile (a kubernetes source and Traefik's usual entry
// points as listeners) that route test then explains like any other.
#include "route_ingress.hpp"

#include "print.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bridge::cli {

namespace fs = std::filesystem;

namespace {

// A TOML basic string: the manifests' path may hold quotes or backslashes.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

IngressProfile::~IngressProfile() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::unique_ptr<IngressProfile> IngressProfile::make(const GlobalOptions& global,
                                                     const std::string& manifests,
                                                     const std::string& ns) {
  std::error_code ec;
  const fs::path where = fs::absolute(manifests, ec);
  if (ec || !fs::exists(where, ec)) {
    print_error(Error::usage("--ingress " + manifests + ": no such file or directory",
                             "name the manifests: a directory of IngressRoute, Middleware, "
                             "Ingress and Service YAML (kubectl get -o yaml output)"));
    return nullptr;
  }
  std::string dir = (fs::temp_directory_path(ec) / "bridge-ingress-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    print_error(Error::runtime("cannot create a temporary directory in " +
                               fs::temp_directory_path(ec).string()));
    return nullptr;
  }
  auto profile = std::unique_ptr<IngressProfile>(new IngressProfile());
  profile->dir_ = dir;
  // Traefik's Helm chart serves web on 80 and websecure on 443; any other entry point the
  // manifests name becomes a listener of that name (route test --listener NAME).
  std::ofstream(fs::path(dir) / "base.toml")
      << "version = 1\n\n[bridge]\nadmin = \"off\"\n\n"
      << "[[listeners]]\nname = \"web\"\nbind = \"127.0.0.1:80\"\n\n"
      << "[[listeners]]\nname = \"websecure\"\nbind = \"127.0.0.1:443\"\n\n"
      << "[traefik]\nlisteners_for_entrypoints = true\n\n"
      << "[[sources]]\ntype = \"kubernetes\"\npath = " << toml_string(where.string()) << "\n"
      << (ns.empty() ? "" : "namespace = " + toml_string(ns) + "\n");
  std::ofstream(fs::path(dir) / "ingress.toml") << "";
  profile->options_ = global;
  profile->options_.config_dir = dir;
  profile->options_.profile = "ingress";
  return profile;
}

}  // namespace bridge::cli
