// Recognizing the `session` summary (src/instruments/session_summary.cpp) in the programs' text output, with
// the byte counts and the close that the test expects.
#pragma once

#include <cstdint>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

namespace tcpkit::test {

// One side's expectation. `closed_by` and `how` are regular expressions: "client", "FIN",
// "(client|server)" where a simultaneous close may go either way.
struct session_expectation {
  std::string_view role;  // "server" (received first) or "client" (sent first)
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::string_view closed_by;
  std::string_view how;
};

// The whole line, TCP_INFO figures included:
//   "  Session with 127.0.0.1:50000: received 16 bytes (56.9 kB/s), sent 16 bytes (56.9 kB/s) in
//    0.281 ms; the client closed first (FIN); rtt 0.032 ms, cwnd 12, 0 retransmitted"
inline std::regex session_line_regex(const session_expectation& e) {
  const std::string rate = R"(\([0-9.]+ (B|kB|MB|GB)/s\))";
  const std::string sent = "sent " + std::to_string(e.bytes_sent) + " bytes " + rate;
  const std::string received = "received " + std::to_string(e.bytes_received) + " bytes " + rate;
  return std::regex(std::string(R"(  Session with (\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):\d+: )") +
                    (e.role == "server" ? received + ", " + sent : sent + ", " + received) +
                    R"( in [0-9.]+ m?s; the )" + std::string(e.closed_by) + R"( closed first \()" + std::string(e.how) +
                    R"(\); rtt [0-9.]+ ms, cwnd \d+, \d+ retransmitted)");
}

// Whether some line of `text` is the session line `e` describes.
inline bool has_session_line(const std::string& text, const session_expectation& e) {
  const std::regex pattern = session_line_regex(e);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, pattern)) return true;
  }
  return false;
}

}  // namespace tcpkit::test
