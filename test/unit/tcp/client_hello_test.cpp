// The ClientHello reader against real ClientHellos: OpenSSL's client writes them into a memory
// BIO (TLS 1.3 with its key shares, and TLS 1.2-only), then the reader sees them whole, cut
// short at every length, split over several records, and broken on purpose.
#include "tcp/client_hello.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

namespace bridge::tcp {
namespace {

using Bytes = std::vector<uint8_t>;

// What an OpenSSL client sends first, with `sni` ("" = none) and `alpn` offered.
Bytes openssl_client_hello(const std::string& sni, const std::vector<std::string>& alpn,
                           int max_version = TLS1_3_VERSION) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);  // the SSL owns both now
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
  if (!alpn.empty()) {
    Bytes wire;
    for (const auto& p : alpn) {
      wire.push_back(static_cast<uint8_t>(p.size()));
      wire.insert(wire.end(), p.begin(), p.end());
    }
    SSL_set_alpn_protos(ssl.get(), wire.data(), static_cast<unsigned>(wire.size()));
  }
  SSL_set_connect_state(ssl.get());
  SSL_do_handshake(ssl.get());  // wants to read the ServerHello: the ClientHello is in `out`
  Bytes hello(BIO_ctrl_pending(out));
  BIO_read(out, hello.data(), static_cast<int>(hello.size()));
  return hello;
}

ClientHello read(const Bytes& bytes) { return read_client_hello(bytes); }

// The same handshake message cut into records of at most `piece` bytes.
Bytes split_records(const Bytes& hello, size_t piece) {
  Bytes message(hello.begin() + 5, hello.end());
  Bytes out;
  for (size_t at = 0; at < message.size(); at += piece) {
    size_t n = std::min(piece, message.size() - at);
    out.insert(out.end(), {22, 3, 1, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)});
    out.insert(out.end(), message.begin() + at, message.begin() + at + n);
  }
  return out;
}

TEST(ClientHello, ReadsTheServerNameAndAlpnOfATls13Hello) {
  Bytes hello = openssl_client_hello("Billing.Localhost", {"h2", "http/1.1"});
  ASSERT_GT(hello.size(), 100u);
  ClientHello h = read(hello);
  EXPECT_EQ(h.state, HelloState::Complete) << h.error;
  EXPECT_EQ(h.sni, "billing.localhost");  // lowercase, as rules compare it
  EXPECT_EQ(h.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
}

TEST(ClientHello, ATls12HelloWithoutSniOrAlpnHasNeither) {
  ClientHello h = read(openssl_client_hello("", {}, TLS1_2_VERSION));
  EXPECT_EQ(h.state, HelloState::Complete) << h.error;
  EXPECT_EQ(h.sni, "");
  EXPECT_TRUE(h.alpn.empty());
}

TEST(ClientHello, EveryShorterPrefixNeedsMore) {
  Bytes hello = openssl_client_hello("db.localhost", {"postgresql"});
  for (size_t n = 1; n < hello.size(); ++n) {
    ClientHello h = read_client_hello(std::span<const uint8_t>(hello.data(), n));
    ASSERT_EQ(h.state, HelloState::NeedMore) << "prefix of " << n << " bytes: " << h.error;
  }
}

TEST(ClientHello, AHelloSplitOverManyRecordsIsReassembled) {
  Bytes hello = openssl_client_hello("db.localhost", {"postgresql"});
  for (size_t piece : {1u, 7u, 100u}) {
    ClientHello h = read(split_records(hello, piece));
    EXPECT_EQ(h.state, HelloState::Complete) << piece << ": " << h.error;
    EXPECT_EQ(h.sni, "db.localhost") << piece;
    EXPECT_EQ(h.alpn, std::vector<std::string>{"postgresql"}) << piece;
  }
}

TEST(ClientHello, PlainProtocolsAreNotTls) {
  const std::vector<std::string> firsts = {"GET / HTTP/1.1\r\n", "*1\r\n$4\r\nPING\r\n",
                                           std::string("\0\0\0\x08", 4), "\x16\x01"};
  for (const std::string& first : firsts) {
    ClientHello h = read(Bytes(first.begin(), first.end()));
    EXPECT_EQ(h.state, HelloState::NotTls) << first;
  }
}

TEST(ClientHello, BrokenHellosAreInvalidWithAReason) {
  Bytes hello = openssl_client_hello("db.localhost", {"h2"});
  Bytes other_type = hello;
  other_type[5] = 2;  // a ServerHello
  EXPECT_EQ(read(other_type).error, "a handshake of type 2 where a ClientHello belongs");
  Bytes empty_record = {22, 3, 1, 0, 0};
  EXPECT_EQ(read(empty_record).error, "a TLS record of impossible length");
  Bytes huge = {22, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00};  // a 64 KiB ClientHello
  EXPECT_EQ(read(huge).error, "a ClientHello larger than 16 KiB");
  Bytes alert_inside = split_records(hello, 50);
  alert_inside[55] = 21;  // the second record claims to be an alert
  EXPECT_EQ(read(alert_inside).error, "a record of another type inside the ClientHello");
  // The handshake length one byte short of the body: the extensions no longer add up.
  Bytes short_length = hello;
  const size_t record = ((size_t{hello[3]} << 8) | hello[4]) - 1;
  const size_t message = ((size_t{hello[7]} << 8) | hello[8]) - 1;
  short_length[3] = static_cast<uint8_t>(record >> 8);
  short_length[4] = static_cast<uint8_t>(record);
  short_length[7] = static_cast<uint8_t>(message >> 8);
  short_length[8] = static_cast<uint8_t>(message);
  short_length.pop_back();
  EXPECT_EQ(read(short_length).state, HelloState::Invalid);
}

TEST(ClientHello, AServerNameWithAControlByteIsInvalid) {
  Bytes hello = openssl_client_hello("db.localhost", {});
  std::string name = "db.localhost";
  auto at = std::search(hello.begin(), hello.end(), name.begin(), name.end());
  ASSERT_NE(at, hello.end());
  *(at + 2) = '\n';
  ClientHello h = read(hello);
  EXPECT_EQ(h.state, HelloState::Invalid);
  EXPECT_EQ(h.error, "a malformed server_name extension");
}

}  // namespace
}  // namespace bridge::tcp
