// The uppercase service's byte-level contract: the transform, the check, the payload.
#include "tcpkit/programs/uppercase.hpp"
#include "tcpkit/programs/uppercase_client.hpp"
#include "tcpkit/programs/uppercase_stream.hpp"
#include "tcpkit/core/errors.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::string_literals;

// The reference the vectorised code must agree with, written the obvious way.
unsigned char reference_upper(unsigned char c) { return c >= 'a' && c <= 'z' ? static_cast<unsigned char>(c - 32) : c; }

std::vector<unsigned char> all_byte_values(std::size_t repeats) {
  std::vector<unsigned char> bytes(256 * repeats);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + i / 256);  // every value, shuffled
  return bytes;
}

TEST(Uppercase, OnlyLowercaseAsciiLettersChange) {
  for (unsigned value = 0; value < 256; ++value) {
    const auto c = static_cast<unsigned char>(value);
    EXPECT_EQ(uppercase_byte(c), reference_upper(c)) << "byte " << value;
  }
  static_assert(uppercase_byte('a') == 'A' && uppercase_byte('z') == 'Z' && uppercase_byte('`') == '`' &&
                uppercase_byte('{') == '{' && uppercase_byte(0xE1) == 0xE1 && uppercase_byte(0) == 0);
}

TEST(Uppercase, InPlaceMatchesTheReferenceAtEveryLengthAndAlignment) {
  const auto source = all_byte_values(3);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t length = 0; length + offset <= 300; ++length) {
      std::vector<unsigned char> data = source;
      uppercase_in_place(data.data() + offset, length);
      for (std::size_t i = 0; i < data.size(); ++i) {
        const bool inside = i >= offset && i < offset + length;
        ASSERT_EQ(data[i], inside ? reference_upper(source[i]) : source[i]) << "offset " << offset << " length " << length << " i " << i;
      }
    }
  }
}

TEST(Uppercase, Utf8NulAndFfPassThrough) {
  std::string text = "caf\xc3\xa9 \xe2\x82\xac z\0\xff"s;
  uppercase_in_place(reinterpret_cast<unsigned char*>(text.data()), text.size());
  EXPECT_EQ(text, "CAF\xc3\xa9 \xe2\x82\xac Z\0\xff"s);
}

TEST(Uppercase, MismatchIsFoundAtEveryPosition) {
  const auto sent = all_byte_values(2);
  std::vector<unsigned char> good(sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) good[i] = reference_upper(sent[i]);
  EXPECT_EQ(find_uppercase_mismatch(sent.data(), good.data(), good.size()), good.size());
  EXPECT_EQ(find_uppercase_mismatch(sent.data(), good.data(), 0), 0u);
  for (std::size_t bad = 0; bad < good.size(); ++bad) {
    auto received = good;
    received[bad] ^= 0x20;  // the classic mistake: a case flipped
    received[received.size() - 1] ^= 0x01;  // a later error must not hide the first one
    ASSERT_EQ(find_uppercase_mismatch(sent.data(), received.data(), received.size()), bad);
  }
}

TEST(Uppercase, UnchangedEchoIsAMismatchAtTheFirstLetter) {
  const std::string sent = "12capitalize this!";
  EXPECT_EQ(find_uppercase_mismatch(reinterpret_cast<const unsigned char*>(sent.data()),
                                    reinterpret_cast<const unsigned char*>(sent.data()), sent.size()),
            2u);
}

TEST(Uppercase, PayloadIsTheMessageRepeatedFromAnyOffset) {
  const repeated_payload payload(1000);
  EXPECT_GE(payload.max_span(), 1000u);
  for (std::uint64_t offset : {0ull, 1ull, 15ull, 16ull, 17ull, 12345ull, (1ull << 40) + 3}) {
    const unsigned char* p = payload.at(offset);
    for (std::size_t i = 0; i < payload.max_span(); ++i) {
      ASSERT_EQ(p[i], static_cast<unsigned char>(kCapitalizeMessage[(offset + i) % 16])) << offset << " " << i;
    }
  }
}

TEST(Uppercase, ByteCountIsRoundedUpToWholeMessages) {
  EXPECT_EQ(round_up_to_messages(0), 0u);
  EXPECT_EQ(round_up_to_messages(1), 16u);
  EXPECT_EQ(round_up_to_messages(16), 16u);
  EXPECT_EQ(round_up_to_messages(17), 32u);
  EXPECT_EQ(round_up_to_messages(1000000), 1000000u);
  EXPECT_EQ(round_up_to_messages(1073741823), 1073741824u);
}

// What a check throws for `received` at `offset`, as "code: what()" ("" if nothing).
std::string check_failure(const uppercase_stream_check& stream, std::uint64_t offset, const std::string& received) {
  try {
    stream.check(offset, reinterpret_cast<const unsigned char*>(received.data()), received.size(), "127.0.0.1:1060");
  } catch (const error& e) {
    return std::to_string(e.code().value()) + ": " + e.what();
  }
  return "";
}

TEST(UppercaseStream, ChunksFollowTheOffsetAndStopAtTheTotal) {
  const uppercase_stream_check stream(32, 20, uppercase_wording::quoted);
  const auto text = [](asio::const_buffer b) { return std::string(static_cast<const char*>(b.data()), b.size()); };
  EXPECT_EQ(text(stream.chunk(0, 20)), "capitalize this!capi");
  EXPECT_EQ(text(stream.chunk(20, 20)), "talize this!");  // the 12 left of 32
  EXPECT_EQ(stream.chunk(32, 20).size(), 0u);
}

TEST(UppercaseStream, EachWordingNamesTheFirstWrongByteAndTheExcess) {
  const auto mismatch = std::to_string(static_cast<int>(errc::data_mismatch)) + ": ";
  const uppercase_stream_check quoted(32, 32, uppercase_wording::quoted);
  EXPECT_EQ(check_failure(quoted, 16, "CAPITALIZE THIS!"), "");
  EXPECT_EQ(check_failure(quoted, 16, "CAPItalize"),
            mismatch + R"(recv 127.0.0.1:1060: byte 20 of the reply is "t", expected "T" (the uppercase of the "t" sent))");
  EXPECT_EQ(check_failure(quoted, 24, "E THIS!CA"),
            mismatch + "recv 127.0.0.1:1060: the server sent more than the 32 bytes it was sent");
  const uppercase_stream_check hex(32, 32, uppercase_wording::hex);
  EXPECT_EQ(check_failure(hex, 0, "c"), mismatch + "verify 127.0.0.1:1060: byte 0 is 0x63, expected 0x43 (the uppercase of 0x63)");
  EXPECT_EQ(check_failure(hex, 24, "E THIS!CA"), mismatch + "recv 127.0.0.1:1060: received more than the 32 bytes sent");
}

TEST(UppercaseStream, AnEofBeforeTheTotalIsAShortRead) {
  const uppercase_stream_check stream(32, 32, uppercase_wording::hex);
  EXPECT_NO_THROW(stream.check_complete(32, "127.0.0.1:1060"));
  try {
    stream.check_complete(20, "127.0.0.1:1060");
    ADD_FAILURE() << "no short read";
  } catch (const short_read& e) {
    EXPECT_EQ(e.expected(), 32u);
    EXPECT_EQ(e.received(), 20u);
  }
}

TEST(UppercaseClient, StrategiesHaveNamesAndSendSizes) {
  for (const auto s : {uppercase_strategy::naive, uppercase_strategy::threads, uppercase_strategy::async}) {
    EXPECT_EQ(parse_uppercase_strategy(to_string(s)), s);
  }
  EXPECT_EQ(parse_uppercase_strategy("Naive"), std::nullopt);
  uppercase_client_options options;
  EXPECT_EQ(effective_send_size(options), 16u);  // the seed's
  options.strategy = uppercase_strategy::async;
  EXPECT_EQ(effective_send_size(options), kLargeSendSize);
  options.send_size = 100;
  EXPECT_EQ(effective_send_size(options), 100u);
}

}  // namespace
}  // namespace tcpkit
