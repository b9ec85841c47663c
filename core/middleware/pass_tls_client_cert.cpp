// passTLSClientCert: the client certificate of an mTLS connection goes upstream as Traefik
// encodes it, so a service written against Traefik reads it unchanged:
// X-Forwarded-Tls-Client-Cert is each certificate's PEM body (no delimiters, no line breaks),
// comma-separated, leaf first, query-escaped; X-Forwarded-Tls-Client-Cert-Info is, per
// certificate, Subject="…";Issuer="…";SerialNumber="…";NB="…";NA="…";SAN="…" with the parts
// the options name, comma-separated and query-escaped. Whatever a client sent under those
// names is removed first: only bridge's TLS layer speaks for a certificate.
#include "common/text.hpp"
#include "common/url.hpp"
#include "middleware/detail/kinds.hpp"

namespace bridge::middleware::detail {
namespace {

using Op = FieldEdit::Op;

constexpr std::string_view cert_field = "X-Forwarded-Tls-Client-Cert";
constexpr std::string_view info_field = "X-Forwarded-Tls-Client-Cert-Info";

// Traefik's order: domain components, then C, ST, L, O, OU (each value), SN, CN.
std::string name_parts(const config::DistinguishedNameParts& o,
                       const std::vector<std::pair<std::string, std::string>>& name) {
  std::string out;
  auto add_all = [&](bool wanted, std::string_view attribute, std::string_view label) {
    if (!wanted) return;
    for (const auto& [key, value] : name)
      if (key == attribute) out.append(label).append("=").append(value).append(",");
  };
  auto add_first = [&](bool wanted, std::string_view attribute, std::string_view label) {
    if (!wanted) return;
    for (const auto& [key, value] : name)
      if (key == attribute) {
        out.append(label).append("=").append(value).append(",");
        return;
      }
  };
  add_all(o.domain_component, "DC", "DC");
  add_all(o.country, "C", "C");
  add_all(o.province, "ST", "ST");
  add_all(o.locality, "L", "L");
  add_all(o.organization, "O", "O");
  add_all(o.organizational_unit, "OU", "OU");
  add_first(o.serial_number, "serialNumber", "SN");
  add_first(o.common_name, "CN", "CN");
  if (!out.empty()) out.pop_back();
  return out;
}

std::string cert_info(const config::ClientCertInfo& o, const ClientCertificate& cert) {
  std::vector<std::string> values;
  if (auto subject = name_parts(o.subject, cert.subject); !subject.empty())
    values.push_back("Subject=\"" + subject + "\"");
  if (auto issuer = name_parts(o.issuer, cert.issuer); !issuer.empty())
    values.push_back("Issuer=\"" + issuer + "\"");
  if (o.serial_number && !cert.serial.empty())
    values.push_back("SerialNumber=\"" + cert.serial + "\"");
  if (o.not_before) values.push_back("NB=\"" + std::to_string(cert.not_before) + "\"");
  if (o.not_after) values.push_back("NA=\"" + std::to_string(cert.not_after) + "\"");
  if (o.sans && !cert.sans.empty()) values.push_back("SAN=\"" + join(cert.sans, ",") + "\"");
  return join(values, ";");
}

class PassTlsClientCert final : public Middleware {
 public:
  PassTlsClientCert(const std::string& name, const config::PassTlsClientCertMiddleware& o)
      : Middleware(name, "passTLSClientCert"), o_(o) {}

  void handle(const Request& req, Effects& fx, Step& step) const override {
    fx.request.add(Op::Remove, cert_field, "");
    fx.request.add(Op::Remove, info_field, "");
    if (req.client_certs == nullptr || req.client_certs->empty()) {
      if (fx.explain) step.detail = "no client certificate: nothing passed";
      return;
    }
    const ClientCertificates& certs = *req.client_certs;
    if (o_.pem)
      fx.request.add(Op::Set, cert_field, query_escape(join(certs, ",", &ClientCertificate::pem)));
    if (o_.info) {
      std::vector<std::string> each;
      for (const ClientCertificate& cert : certs) each.push_back(cert_info(*o_.info, cert));
      fx.request.add(Op::Set, info_field, query_escape(join(each, ",")));
    }
    if (fx.explain) {
      std::string cn;
      for (const auto& [key, value] : certs.front().subject)
        if (key == "CN") cn = value;
      step.detail =
          "client certificate CN=" + cn + " passed upstream" +
          (o_.pem ? " as " + std::string(cert_field) : "") +
          (o_.info ? std::string(o_.pem ? " and " : " as ") + std::string(info_field) : "");
    }
  }

 private:
  config::PassTlsClientCertMiddleware o_;
};

}  // namespace

std::unique_ptr<Middleware>
make_pass_tls_client_cert(const std::string& name,
                          const config::PassTlsClientCertMiddleware& options) {
  return std::make_unique<PassTlsClientCert>(name, options);
}

}  // namespace bridge::middleware::detail
