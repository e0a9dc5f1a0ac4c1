// Reading back a trace written by tcpkit::tracer (the CSV of docs/TRACE.md): one series of
// points per connection, ready to be drawn.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tcpkit {

struct trace_point {
  double time_s = 0;  // since the tracer started
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t send_queue_bytes = 0;     // 0 where the trace has no value (socket gone)
  std::uint64_t receive_queue_bytes = 0;
};

struct trace_series {
  std::string side;  // "client" or "server"
  std::uint64_t conn = 0;
  std::string local;
  std::string peer;
  std::vector<trace_point> points;  // in time order
};

// Parses a trace's text; columns are found by their names in the header, so traces with more
// columns still read. One series per (side, conn), in order of first appearance. Throws
// tcpkit::error (operation "read trace", `name`) if the header is not a tcpkit trace's or a row
// is malformed (naming its line).
std::vector<trace_series> parse_trace(std::string_view text, std::string_view name);

// Reads and parses the file at `path`. Throws tcpkit::error if it cannot be read.
std::vector<trace_series> read_trace(const std::string& path);

}  // namespace tcpkit
