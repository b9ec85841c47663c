// The PROXY protocol codec: v1 lines and v2 headers as haproxy's specification writes them,
// what is not a header, what is one cut short, what is broken, and bridge's own headers read
// back.
#include "tcp/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>

namespace bridge::tcp {
namespace {

ProxyHeader read(const std::string& bytes) {
  return read_proxy_header(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

const std::string v2_signature("\r\n\r\n\0\r\nQUIT\n", 12);

TEST(ProxyProtocol, ReadsAV1LineAndNotWhatFollows) {
  ProxyHeader h = read("PROXY TCP4 192.0.2.7 127.0.0.1 56324 8080\r\nGET / HTTP/1.1\r\n");
  ASSERT_EQ(h.state, ProxyHeaderState::Complete) << h.error;
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.length, 43u);
  EXPECT_EQ(h.addresses.source_ip, "192.0.2.7");
  EXPECT_EQ(h.addresses.source_port, 56324);
  EXPECT_EQ(h.addresses.destination_ip, "127.0.0.1");
  EXPECT_EQ(h.addresses.destination_port, 8080);
  EXPECT_FALSE(h.addresses.local);

  ProxyHeader v6 = read("PROXY TCP6 2001:db8:0:0::1 ::1 1 443\r\n");
  ASSERT_EQ(v6.state, ProxyHeaderState::Complete) << v6.error;
  EXPECT_EQ(v6.addresses.source_ip, "2001:db8::1");  // canonical form
  ProxyHeader unknown = read("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n");
  ASSERT_EQ(unknown.state, ProxyHeaderState::Complete);
  EXPECT_TRUE(unknown.addresses.local);
}

TEST(ProxyProtocol, ReadsV2ProxyAndLocal) {
  std::string v4 = v2_signature + std::string("\x21\x11\x00\x0c", 4) +
                   std::string("\xc0\x00\x02\x07\x7f\x00\x00\x01\xdc\x04\x1f\x90", 12) + "GET";
  ProxyHeader h = read(v4);
  ASSERT_EQ(h.state, ProxyHeaderState::Complete) << h.error;
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.length, 28u);
  EXPECT_EQ(h.addresses.source_ip, "192.0.2.7");
  EXPECT_EQ(h.addresses.source_port, 56324);
  EXPECT_EQ(h.addresses.destination_port, 8080);
  std::string local = v2_signature + std::string("\x20\x00\x00\x00", 4);
  ProxyHeader l = read(local);
  ASSERT_EQ(l.state, ProxyHeaderState::Complete);
  EXPECT_TRUE(l.addresses.local);
  EXPECT_EQ(l.length, 16u);
  // TLVs after the addresses are part of the header, and skipped.
  std::string with_tlv = v2_signature + std::string("\x21\x11\x00\x11", 4) +
                         std::string("\xc0\x00\x02\x07\x7f\x00\x00\x01\xdc\x04\x1f\x90", 12) +
                         std::string("\x04\x00\x02hi", 5);
  EXPECT_EQ(read(with_tlv).length, 33u);
}

TEST(ProxyProtocol, WhatIsNotAHeaderAndWhatIsOnlyTheStartOfOne) {
  for (std::string plain : {"GET / HTTP/1.1\r\n", "POST / HTTP/1.1\r\n", "PUT /x", "\x16\x03\x01"})
    EXPECT_EQ(read(plain).state, ProxyHeaderState::None) << plain;
  const std::string line = "PROXY TCP4 192.0.2.7 127.0.0.1 56324 8080\r\n";
  for (size_t n = 1; n < line.size(); ++n)
    EXPECT_EQ(read(line.substr(0, n)).state, ProxyHeaderState::NeedMore) << n;
  const std::string v2 = v2_signature + std::string("\x21\x11\x00\x0c", 4) + std::string(12, '\1');
  for (size_t n = 1; n < v2.size(); ++n)
    EXPECT_EQ(read(v2.substr(0, n)).state, ProxyHeaderState::NeedMore) << n;
}

TEST(ProxyProtocol, BrokenHeadersAreInvalidWithAReason) {
  EXPECT_EQ(read("PROXY TCP4 192.0.2.7 127.0.0.1 56324\r\n").error,
            "a PROXY v1 line that is not \"PROXY TCP4|TCP6 SRC DST SPORT DPORT\"");
  EXPECT_EQ(read("PROXY TCP4 ::1 127.0.0.1 1 2\r\n").error, "a PROXY v1 address that is not TCP4");
  EXPECT_EQ(read("PROXY TCP4 192.0.2.7 127.0.0.1 65536 1\r\n").error,
            "a PROXY v1 port that is not a number from 0 to 65535");
  EXPECT_EQ(read("PROXY " + std::string(120, 'x')).error,
            "a PROXY v1 line without CRLF in its first 107 bytes");
  EXPECT_EQ(read(v2_signature + std::string("\x31\x11\x00\x0c", 4)).error,
            "a PROXY v2 header of another version");
  EXPECT_EQ(read(v2_signature + std::string("\x21\x11\x00\x04", 4) + "abcd").error,
            "a PROXY v2 header too short for its family");
  EXPECT_EQ(read(v2_signature + std::string("\x21\x11\xff\xff", 4)).error,
            "a PROXY v2 header over 1 KiB");
}

TEST(ProxyProtocol, WhatBridgeWritesReadsBack) {
  for (int version : {1, 2}) {
    for (ProxyAddresses a : {ProxyAddresses{false, "127.0.0.2", "127.0.0.1", 40000, 5432},
                             ProxyAddresses{false, "::1", "::1", 1, 65535}}) {
      std::string header = write_proxy_header(version, a);
      ProxyHeader h = read(header + "payload");
      ASSERT_EQ(h.state, ProxyHeaderState::Complete) << version << " " << a.source_ip << h.error;
      EXPECT_EQ(h.version, version);
      EXPECT_EQ(h.length, header.size());
      EXPECT_EQ(h.addresses.source_ip, a.source_ip);
      EXPECT_EQ(h.addresses.destination_ip, a.destination_ip);
      EXPECT_EQ(h.addresses.source_port, a.source_port);
      EXPECT_EQ(h.addresses.destination_port, a.destination_port);
    }
  }
  EXPECT_EQ(write_proxy_header(1, {false, "127.0.0.2", "127.0.0.1", 40000, 5432}),
            "PROXY TCP4 127.0.0.2 127.0.0.1 40000 5432\r\n");
}

}  // namespace
}  // namespace bridge::tcp
