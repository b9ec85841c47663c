// Name-constraint entries: parsing --permit values and reading a CA's permitted subtrees.
#include "cert/detail/ca.hpp"

#include <arpa/inet.h>
#include <libpsl.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <optional>

namespace bridge::cert::detail {

namespace {

struct IpSubtree {
  int family = AF_INET;
  unsigned char addr[16] = {};
  int prefix = 0;
  size_t size() const { return family == AF_INET ? 4 : 16; }
};

std::optional<IpSubtree> parse_ip_subtree(const std::string& entry) {
  IpSubtree ip;
  auto slash = entry.find('/');
  std::string addr = entry.substr(0, slash);
  if (inet_pton(AF_INET, addr.c_str(), ip.addr) == 1) {
    ip.family = AF_INET;
  } else if (inet_pton(AF_INET6, addr.c_str(), ip.addr) == 1) {
    ip.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  int max = static_cast<int>(ip.size() * 8);
  ip.prefix = max;
  if (slash != std::string::npos) {
    std::string bits = entry.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 ||
        !std::all_of(bits.begin(), bits.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::nullopt;
    }
    ip.prefix = std::stoi(bits);
    if (ip.prefix > max) return std::nullopt;
  }
  for (size_t i = 0; i < ip.size(); ++i) {  // clear host bits so 10.1.2.3/8 means 10.0.0.0/8
    int keep = std::clamp(ip.prefix - static_cast<int>(i) * 8, 0, 8);
    ip.addr[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
  return ip;
}

std::string ip_text(int family, const unsigned char* addr) {
  char out[INET6_ADDRSTRLEN];
  inet_ntop(family, addr, out, sizeof out);
  return out;
}

std::string mask_text(const IpSubtree& ip) {
  unsigned char mask[16] = {};
  for (size_t i = 0; i < ip.size(); ++i) {
    int keep = std::clamp(ip.prefix - static_cast<int>(i) * 8, 0, 8);
    mask[i] = static_cast<unsigned char>(0xff00 >> keep);
  }
  return ip_text(ip.family, mask);
}

Error bad_permit(const std::string& entry) {
  return Error::usage("invalid --permit value \"" + entry + "\"",
                      "use a DNS suffix (corp.example or .corp.example) or an IP range "
                      "(10.0.0.0/8, fd00::/8)");
}

}  // namespace

Result<std::string> normalise_permit(const std::string& entry) {
  if (auto ip = parse_ip_subtree(entry)) {
    return ip_text(ip->family, ip->addr) + "/" + std::to_string(ip->prefix);
  }
  bool leading_dot = !entry.empty() && entry.front() == '.';
  auto name = parse_name(leading_dot ? entry.substr(1) : entry);
  if (!name || name->kind != NameKind::Dns) return bad_permit(entry);
  return (leading_dot ? "." : "") + name->text;
}

Result<void> check_permit_scope(const std::string& normal, bool force) {
  if (force) return {};
  if (auto ip = parse_ip_subtree(normal)) {
    if (ip->prefix > 0) return {};
    return Error::usage("--permit " + normal +
                            " covers every address: the name constraint "
                            "would protect nothing",
                        "permit the range you use (e.g. 10.0.0.0/8), or pass --force");
  }
  std::string name = normal.starts_with('.') ? normal.substr(1) : normal;
  // Unknown TLDs ("corp", "lan") are not suffixes here: only the list's own rules count.
  static psl_ctx_t* list = psl_latest(nullptr);
  const psl_ctx_t* rules = list != nullptr ? list : psl_builtin();
  if (rules == nullptr ||
      psl_is_public_suffix2(rules, name.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) == 0) {
    return {};
  }
  return Error::usage("--permit " + normal + ": \"" + name +
                          "\" is a public suffix, so the CA "
                          "could sign for every site under it",
                      "permit a name you control under it (e.g. dev.example." + name +
                          "), or pass --force");
}

Result<std::string> permitted_config(const std::string& entry) {
  auto normal = normalise_permit(entry);
  if (!normal) return normal.error();
  if (auto ip = parse_ip_subtree(*normal)) {
    return "permitted;IP:" + ip_text(ip->family, ip->addr) + "/" + mask_text(*ip);
  }
  return "permitted;DNS:" + *normal;
}

std::vector<std::string> permitted_of(const NAME_CONSTRAINTS* nc) {
  std::vector<std::string> out;
  if (nc == nullptr || nc->permittedSubtrees == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); ++i) {
    const GENERAL_NAME* base = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i)->base;
    if (base->type == GEN_DNS) {
      const ASN1_IA5STRING* s = base->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(s->data), static_cast<size_t>(s->length));
    } else if (base->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = base->d.iPAddress;
      int family = s->length == 8 ? AF_INET : AF_INET6;
      size_t half = static_cast<size_t>(s->length) / 2;
      int prefix = 0;
      for (size_t k = 0; k < half; ++k)
        prefix += static_cast<int>(std::bitset<8>(s->data[half + k]).count());
      out.push_back(ip_text(family, s->data) + "/" + std::to_string(prefix));
    }
  }
  return out;
}

}  // namespace bridge::cert::detail
