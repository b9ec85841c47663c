// bridge cert trust: which commands put the local CA into this machine's trust stores.
#include "cert/cert.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace bridge::cert {

namespace fs = std::filesystem;

namespace {

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string full = dir + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return full;
  }
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin"}) {  // root tools off a user PATH
    std::string full = std::string(dir) + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return full;
  }
  return "";
}

// Writing system stores needs root; like mkcert, go through sudo when we are not.
std::vector<std::string> as_root(std::vector<std::string> argv) {
  if (::geteuid() != 0 && !find_program("sudo").empty()) argv.insert(argv.begin(), "sudo");
  return argv;
}

void system_store(const std::string& ca, bool uninstall, std::vector<TrustStep>& steps) {
  const std::string debian = "/usr/local/share/ca-certificates/bridge-local-ca.crt";
  const std::string fedora = "/etc/pki/ca-trust/source/anchors/bridge-local-ca.pem";
  if (std::string tool = find_program("update-ca-certificates"); !tool.empty()) {
    if (uninstall) {
      steps.push_back(
          {"remove the CA from the system store (Debian/Ubuntu)", as_root({"rm", "-f", debian})});
      steps.push_back({"rebuild the system bundle", as_root({tool, "--fresh"})});
    } else {
      steps.push_back({"add the CA to the system store (Debian/Ubuntu)",
                       as_root({"install", "-D", "-m", "0644", ca, debian})});
      steps.push_back({"rebuild the system bundle", as_root({tool})});
    }
  } else if (std::string tool = find_program("update-ca-trust"); !tool.empty()) {
    steps.push_back(uninstall ? TrustStep{"remove the CA from the system store (Fedora/RHEL)",
                                          as_root({"rm", "-f", fedora})}
                              : TrustStep{"add the CA to the system store (Fedora/RHEL)",
                                          as_root({"install", "-D", "-m", "0644", ca, fedora})});
    steps.push_back({"rebuild the system bundle", as_root({tool, "extract"})});
  } else if (std::string tool = find_program("security"); !tool.empty()) {
    steps.push_back(uninstall ? TrustStep{"remove the CA from the macOS system keychain",
                                          as_root({tool, "remove-trusted-cert", "-d", ca})}
                              : TrustStep{"add the CA to the macOS system keychain",
                                          as_root({tool, "add-trusted-cert", "-d", "-k",
                                                   "/Library/Keychains/System.keychain", ca})});
  }
}

std::vector<std::string> nss_databases() {
  std::vector<std::string> dbs;
  const char* home = std::getenv("HOME");
  if (home == nullptr) return dbs;
  std::error_code ec;
  if (fs::exists(fs::path(home) / ".pki/nssdb/cert9.db", ec))
    dbs.push_back(std::string(home) + "/.pki/nssdb");
  for (const char* profiles : {".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"}) {
    fs::path dir = fs::path(home) / profiles;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (fs::exists(entry.path() / "cert9.db", ec)) dbs.push_back(entry.path().string());
    }
  }
  return dbs;
}

}  // namespace

std::string nss_nickname(const std::string& fingerprint) {
  std::string short_fp;
  for (char c : fingerprint) {
    if (c != ':') short_fp += c;
    if (short_fp.size() == 8) break;
  }
  return "bridge local CA " + short_fp;
}

Result<std::vector<TrustStep>> plan_trust(const std::string& ca_cert, bool uninstall) {
  auto ca = load_ca(fs::path(ca_cert).parent_path().string());
  if (!ca) return ca.error();
  std::vector<TrustStep> steps;
  system_store(ca_cert, uninstall, steps);
  std::string certutil = find_program("certutil");
  std::string nick = nss_nickname(ca->fingerprint_sha256);
  for (const auto& db : certutil.empty() ? std::vector<std::string>{} : nss_databases()) {
    steps.push_back(uninstall ? TrustStep{"remove the CA from the NSS database " + db,
                                          {certutil, "-D", "-d", "sql:" + db, "-n", nick},
                                          true}
                              : TrustStep{"add the CA to the NSS database " + db,
                                          {certutil, "-A", "-d", "sql:" + db, "-t", "C,,", "-n",
                                           nick, "-i", ca_cert}});
  }
  if (steps.empty()) {
    return Error::runtime("no supported trust store found on this machine",
                          "import " + ca_cert + " into your trust store by hand");
  }
  return steps;
}

}  // namespace bridge::cert
