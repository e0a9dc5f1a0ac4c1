// The lines service's one rule both sides must agree on: how lines are counted, and the
// acknowledgement the server sends when the client half-closes.
//
//   client                                   server
//     "one\r\n" "two\n" "three"  ------->     prints the bytes as they arrive
//     shutdown(SHUT_WR)  -- FIN ------>      EOF: every line is in
//                       <--------------      "received 3 lines, 14 bytes\n", then FIN
//     compares with what it sent: 3 lines, 14 bytes -> exit 0, else exit 6
//
// Counting: every LF ends a line (CRLF is an LF line whose text ends in CR; a CR alone ends
// nothing). Bytes after the last LF, if any, are one more line, the unterminated one. So
//   lines = number of LF bytes + (1 if the data is not empty and does not end in LF else 0)
//   ""  -> 0 lines;  "a\n" -> 1;  "a" -> 1;  "a\nb" -> 2;  "\n\n" -> 2;  "a\r\nb\r" -> 2
// and bytes = every byte, line endings included.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tcpkit {

struct line_count {
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;

  friend bool operator==(const line_count&, const line_count&) = default;
};

// Counts lines in data that arrives in pieces of any size, by the rule above.
class line_counter {
 public:
  void add(std::string_view bytes) noexcept;
  line_count count() const noexcept;

 private:
  std::uint64_t newlines_ = 0;
  std::uint64_t bytes_ = 0;
  bool ends_in_newline_ = true;  // true while empty: no unterminated line yet
};

// "received N lines, M bytes\n"
std::string format_ack(line_count count);

// The counts of an acknowledgement line, with or without its "\n" (and a tolerated "\r"); nullopt
// for anything else.
std::optional<line_count> parse_ack(std::string_view text);

// What the server says instead of an acknowledgement when it ends a connection early, e.g.
// "error: line too long (over 65536 bytes)\n".
inline constexpr std::string_view kRefusalPrefix = "error: ";

// "N lines, M bytes" (for messages).
std::string describe(line_count count);

}  // namespace tcpkit
