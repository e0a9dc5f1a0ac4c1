// The line reader's buffer logic and the lines service's counting rule, without sockets:
// every split point, every chunk size, CRLF, a final line without a newline, and the cap.
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/line_reader.hpp"
#include "tcpkit/programs/lines_protocol.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace tcpkit {
namespace {

struct got_line {
  std::string bytes;
  bool terminated;
  friend bool operator==(const got_line&, const got_line&) = default;
};

std::ostream& operator<<(std::ostream& os, const got_line& l) {
  return os << '{' << ::testing::PrintToString(l.bytes) << (l.terminated ? "" : ", unterminated") << '}';
}

struct split_result {
  std::vector<got_line> lines;
  bool too_long = false;
  std::size_t max_buffered = 0;  // the most unread bytes ever held
};

// Feeds `data` to a line_buffer the way a socket would: each "recv" delivers the next piece
// (sizes from `pieces`, cycled), cut short by the free space prepare() offers.
split_result split(std::string_view data, const std::vector<std::size_t>& pieces, std::size_t max_line = 64,
                   std::size_t read_size = 64) {
  line_buffer buffer(max_line, read_size);
  split_result result;
  std::size_t next_piece = 0;
  std::error_code ec;
  for (;;) {
    while (auto l = buffer.next_line(ec)) result.lines.push_back({std::string(l->bytes), l->terminated});
    if (ec) {
      result.too_long = true;
      return result;
    }
    if (data.empty()) break;
    const auto space = buffer.prepare();
    EXPECT_GE(space.size(), read_size) << "no room although no complete line is buffered";
    const std::size_t n = std::min({pieces[next_piece++ % pieces.size()], data.size(), space.size()});
    std::memcpy(space.data(), data.data(), n);
    buffer.commit(n);
    data.remove_prefix(n);
    result.max_buffered = std::max(result.max_buffered, buffer.buffered());
    EXPECT_LE(buffer.buffered(), buffer.capacity());
  }
  if (auto rest = buffer.take_rest(ec)) result.lines.push_back({std::string(rest->bytes), rest->terminated});
  result.too_long = static_cast<bool>(ec);
  return result;
}

// The reference: cut at every '\n', the rest is one unterminated line.
std::vector<got_line> reference_lines(std::string_view data) {
  std::vector<got_line> lines;
  while (!data.empty()) {
    const auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      lines.push_back({std::string(data), false});
      break;
    }
    lines.push_back({std::string(data.substr(0, newline + 1)), true});
    data.remove_prefix(newline + 1);
  }
  return lines;
}

const std::string kSample = "alpha\nbeta\r\n\n\r\ngamma delta\nlast";
const std::vector<got_line> kSampleLines = {{"alpha\n", true},       {"beta\r\n", true}, {"\n", true},
                                            {"\r\n", true},          {"gamma delta\n", true}, {"last", false}};

TEST(LineBuffer, ASplitAtEveryOffsetGivesTheSameLines) {
  for (std::size_t at = 0; at <= kSample.size(); ++at) {
    const auto result = split(kSample, {at == 0 ? kSample.size() : at, kSample.size()});
    EXPECT_FALSE(result.too_long);
    EXPECT_EQ(result.lines, kSampleLines) << "split at " << at;
  }
}

TEST(LineBuffer, EveryChunkSizeGivesTheSameLinesEvenWithATinyBuffer) {
  // read_size 3 and max_line 13 (the longest line): the partial line is moved to the front of
  // the buffer again and again.
  for (std::size_t piece = 1; piece <= kSample.size(); ++piece) {
    const auto result = split(kSample, {piece}, 13, 3);
    EXPECT_FALSE(result.too_long) << "piece " << piece;
    EXPECT_EQ(result.lines, kSampleLines) << "piece " << piece;
  }
}

TEST(LineBuffer, RandomDataInRandomPiecesMatchesTheReference) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string data(std::uniform_int_distribution<std::size_t>(0, 2000)(rng), '\0');
    for (auto& c : data) {
      const int roll = std::uniform_int_distribution<int>(0, 99)(rng);
      c = roll < 8 ? '\n' : roll < 11 ? '\r' : static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    std::vector<std::size_t> pieces;
    for (int i = 0; i < 16; ++i) pieces.push_back(std::uniform_int_distribution<std::size_t>(1, 300)(rng));
    const auto expected = reference_lines(data);
    const std::size_t longest =
        std::max_element(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.bytes.size() < b.bytes.size(); })
            ->bytes.size();
    const auto result = split(data, pieces, std::max<std::size_t>(longest, 1), 7);
    ASSERT_FALSE(result.too_long) << "round " << round;
    ASSERT_EQ(result.lines, expected) << "round " << round;
  }
}

TEST(LineBuffer, TextDropsLfOrCrlfButKeepsAnUnterminatedLineAsItIs) {
  EXPECT_EQ((line{"abc\r\n", true}).text(), "abc");
  EXPECT_EQ((line{"abc\n", true}).text(), "abc");
  EXPECT_EQ((line{"\r\n", true}).text(), "");
  EXPECT_EQ((line{"a\rb\n", true}).text(), "a\rb");  // a CR inside a line is content
  EXPECT_EQ((line{"abc\r", false}).text(), "abc\r");
  EXPECT_EQ((line{"abc", false}).text(), "abc");
}

TEST(LineBuffer, AFinalLineWithoutNewlineIsReturnedAndFlagged) {
  const auto result = split("one\ntwo", {100});
  ASSERT_EQ(result.lines.size(), 2u);
  EXPECT_TRUE(result.lines[0].terminated);
  EXPECT_EQ(result.lines[1], (got_line{"two", false}));

  EXPECT_TRUE(split("", {1}).lines.empty());
  EXPECT_EQ(split("one\n", {1}).lines, (std::vector<got_line>{{"one\n", true}}));  // nothing after the last LF
}

TEST(LineBuffer, MaxLineCountsTheLineEndingAndIsExact) {
  // max_line 8: "1234567\n" fits exactly, in one piece or byte by byte.
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
    EXPECT_EQ(split("1234567\n", {piece}, 8, 4).lines, (std::vector<got_line>{{"1234567\n", true}})) << piece;
    EXPECT_FALSE(split("1234567\n", {piece}, 8, 4).too_long);
    EXPECT_TRUE(split("12345678\n", {piece}, 8, 4).too_long) << piece;        // 9 with its LF
    EXPECT_TRUE(split("123456\r\n", {piece}, 7, 4).too_long) << piece;        // CRLF counts 2
    EXPECT_FALSE(split("12345678", {piece}, 8, 4).too_long) << piece;         // unterminated, 8: fits
    EXPECT_TRUE(split("123456789", {piece}, 8, 4).too_long) << piece;         // unterminated, 9
  }
}

TEST(LineBuffer, LinesBeforeAnOverlongOneAreReturnedFirst) {
  const auto result = split("ok\nfine\n" + std::string(50, 'x') + "\nnever\n", {1000}, 16, 16);
  EXPECT_TRUE(result.too_long);
  EXPECT_EQ(result.lines, (std::vector<got_line>{{"ok\n", true}, {"fine\n", true}}));
}

TEST(LineBuffer, ALineWithoutEndFailsAsSoonAsItPassesTheCapNotAtEof) {
  // A flood without newlines: the error comes once max_line + 1 bytes are unread, and the
  // buffer never held more than its fixed capacity.
  line_buffer buffer(1000, 100);
  const std::size_t capacity = buffer.capacity();
  std::size_t fed = 0;
  std::error_code ec;
  while (!buffer.next_line(ec) && !ec) {
    const auto space = buffer.prepare();
    std::memset(space.data(), 'z', space.size());
    buffer.commit(space.size());
    fed += space.size();
    ASSERT_LE(fed, 10'000'000u);
  }
  EXPECT_EQ(ec, errc::line_too_long);
  EXPECT_LE(fed, capacity);
  EXPECT_EQ(buffer.capacity(), capacity);
}

TEST(LineBuffer, NextLinesHandsOverEveryCompleteLineAsOneContiguousBlock) {
  line_buffer buffer(64, 64);
  const std::string data = "a\nbb\r\nccc\npartial";
  auto space = buffer.prepare();
  std::memcpy(space.data(), data.data(), data.size());
  buffer.commit(data.size());
  std::error_code ec;
  const auto block = buffer.next_lines(ec);
  ASSERT_TRUE(block);
  EXPECT_FALSE(ec);
  EXPECT_EQ(block->bytes, "a\nbb\r\nccc\n");
  EXPECT_EQ(block->lines, 3u);
  EXPECT_TRUE(block->terminated);
  EXPECT_FALSE(buffer.next_lines(ec));  // "partial" waits for its newline
  EXPECT_EQ(buffer.buffered(), 7u);
  const auto rest = buffer.take_rest(ec);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->bytes, "partial");
  EXPECT_FALSE(rest->terminated);
}

// --- the counting rule shared by client and server -------------------------------------------

line_count count_of(std::string_view data) {
  line_counter counter;
  counter.add(data);
  return counter.count();
}

TEST(LineCounter, CountsAsDocumented) {
  EXPECT_EQ(count_of(""), (line_count{0, 0}));
  EXPECT_EQ(count_of("a\n"), (line_count{1, 2}));
  EXPECT_EQ(count_of("a"), (line_count{1, 1}));
  EXPECT_EQ(count_of("a\nb"), (line_count{2, 3}));
  EXPECT_EQ(count_of("\n\n"), (line_count{2, 2}));
  EXPECT_EQ(count_of("a\r\nb\r"), (line_count{2, 5}));
}

TEST(LineCounter, AgreesWithTheReaderAtEverySplit) {
  // The client counts what it sends with line_counter; the server counts the lines its reader
  // returns. They must agree however the data was cut.
  for (const std::string& data : {kSample, std::string("x"), std::string("\n"), std::string("a\nb\n"), std::string()}) {
    const auto lines = split(data, {data.size() + 1}).lines;
    for (std::size_t at = 0; at <= data.size(); ++at) {
      line_counter counter;
      counter.add(std::string_view(data).substr(0, at));
      counter.add(std::string_view(data).substr(at));
      EXPECT_EQ(counter.count().lines, lines.size()) << ::testing::PrintToString(data) << " split at " << at;
      EXPECT_EQ(counter.count().bytes, data.size());
    }
  }
}

TEST(Ack, FormatsAndParsesTheAcknowledgement) {
  EXPECT_EQ(format_ack({3, 14}), "received 3 lines, 14 bytes\n");
  EXPECT_EQ(parse_ack("received 3 lines, 14 bytes\n"), (line_count{3, 14}));
  EXPECT_EQ(parse_ack("received 0 lines, 0 bytes"), (line_count{0, 0}));
  EXPECT_EQ(parse_ack("received 18446744073709551615 lines, 1 bytes\r\n"), (line_count{18446744073709551615u, 1}));
  for (const char* junk : {"", "received", "received 3 lines", "received 3 lines, 14 bytes\nmore", "received -3 lines, 1 bytes",
                           "error: line too long (over 65536 bytes)\n", "received 3 lines,  14 bytes"}) {
    EXPECT_FALSE(parse_ack(junk)) << junk;
  }
}

}  // namespace
}  // namespace tcpkit
