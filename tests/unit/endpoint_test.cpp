#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/escape.hpp"

#include <gtest/gtest.h>

namespace tcpkit {
namespace {

using asio::ip::make_address;

TEST(Endpoint, FormatsIpv4AsAddrPort) {
  EXPECT_EQ(format_endpoint({make_address("127.0.0.1"), 1060}), "127.0.0.1:1060");
  EXPECT_EQ(format_endpoint({make_address("0.0.0.0"), 0}), "0.0.0.0:0");
}

TEST(Endpoint, BracketsIpv6) {
  EXPECT_EQ(format_endpoint({make_address("::1"), 1060}), "[::1]:1060");
  EXPECT_EQ(format_endpoint({make_address("::"), 80}), "[::]:80");
  EXPECT_EQ(format_endpoint({make_address("fe80::1"), 65535}), "[fe80::1]:65535");
}

TEST(Endpoint, ShowsIpv4MappedPeersAsIpv4) {
  EXPECT_EQ(format_endpoint({make_address("::ffff:127.0.0.1"), 34183}), "127.0.0.1:34183");
  EXPECT_EQ(format_address(make_address("::ffff:10.1.2.3")), "10.1.2.3");
}

TEST(Endpoint, HostPortBracketsIpv6LiteralsOnly) {
  EXPECT_EQ(format_host_port("localhost", 1060), "localhost:1060");
  EXPECT_EQ(format_host_port("::1", 1060), "[::1]:1060");
  EXPECT_EQ(format_host_port("[::1]", 1060), "[::1]:1060");
}

TEST(Endpoint, StripBrackets) {
  EXPECT_EQ(strip_brackets("[::1]"), "::1");
  EXPECT_EQ(strip_brackets("::1"), "::1");
  EXPECT_EQ(strip_brackets("[]"), "");
  EXPECT_EQ(strip_brackets("["), "[");
}

TEST(Endpoint, ParsePortAcceptsOnlyDecimal0To65535) {
  EXPECT_EQ(parse_port("0"), 0);
  EXPECT_EQ(parse_port("1060"), 1060);
  EXPECT_EQ(parse_port("65535"), 65535);
  EXPECT_FALSE(parse_port("65536"));
  EXPECT_FALSE(parse_port("70000"));
  EXPECT_FALSE(parse_port("-1"));
  EXPECT_FALSE(parse_port(""));
  EXPECT_FALSE(parse_port("80a"));
  EXPECT_FALSE(parse_port(" 80"));
  EXPECT_FALSE(parse_port("0x50"));
  EXPECT_FALSE(parse_port("100000"));
}

TEST(Escape, PrintableAsciiIsUnchanged) {
  EXPECT_EQ(escape_bytes("Hi there, server"), "Hi there, server");
  EXPECT_EQ(quote_bytes("Farewell, client"), "\"Farewell, client\"");
}

TEST(Escape, ControlAndHighBytesBecomeCEscapes) {
  EXPECT_EQ(escape_bytes("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(escape_bytes(std::string_view("\0\x7f\xff", 3)), "\\x00\\x7f\\xff");
  EXPECT_EQ(escape_bytes("say \"hi\" \\"), "say \\\"hi\\\" \\\\");
}

TEST(Escape, EveryByteValueHasAnUnambiguousForm) {
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    const std::string escaped = escape_bytes(one);
    ASSERT_FALSE(escaped.empty());
    ASSERT_LE(escaped.size(), 4u);
    for (const char c : escaped) ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << b;
  }
}

}  // namespace
}  // namespace tcpkit
