#include "tcpkit/instruments/trace_file.hpp"

#include "tcpkit/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace tcpkit {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

// The columns the plot needs, in this order.
constexpr std::array<std::string_view, 8> kNeeded = {"time_s",     "side",       "conn",             "local",
                                                     "peer",       "bytes_sent", "bytes_received",   "send_queue_bytes"};
constexpr std::string_view kReceiveQueue = "receive_queue_bytes";

template <typename T>
bool parse_number(std::string_view text, T& value) {
  if (text.empty()) {
    value = T{};
    return true;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::vector<trace_series> parse_trace(std::string_view text, std::string_view name) {
  auto fail = [&](std::size_t line_number, std::string_view why) {
    return error(std::make_error_code(std::errc::invalid_argument), "read trace", std::string(name),
                 line_number == 0 ? std::string(why) : fmt::format("line {}: {}", line_number, why));
  };
  std::vector<trace_series> result;
  std::array<std::size_t, kNeeded.size() + 1> column{};
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto fields = split_fields(line);
    if (line_number == 1) {
      for (std::size_t i = 0; i <= kNeeded.size(); ++i) {
        const std::string_view wanted = i < kNeeded.size() ? kNeeded[i] : kReceiveQueue;
        const auto found = std::find(fields.begin(), fields.end(), wanted);
        if (found == fields.end()) throw fail(0, fmt::format("not a tcpkit trace (no column \"{}\")", wanted));
        column[i] = static_cast<std::size_t>(found - fields.begin());
      }
      continue;
    }
    if (fields.size() <= *std::max_element(column.begin(), column.end())) throw fail(line_number, "too few columns");
    trace_point point;
    std::uint64_t conn = 0;
    if (!parse_number(fields[column[0]], point.time_s) || !parse_number(fields[column[2]], conn) ||
        !parse_number(fields[column[5]], point.bytes_sent) || !parse_number(fields[column[6]], point.bytes_received) ||
        !parse_number(fields[column[7]], point.send_queue_bytes) ||
        !parse_number(fields[column[8]], point.receive_queue_bytes)) {
      throw fail(line_number, "a number column holds something else");
    }
    const std::string_view side = fields[column[1]];
    auto series = std::find_if(result.begin(), result.end(),
                               [&](const trace_series& s) { return s.side == side && s.conn == conn; });
    if (series == result.end()) {
      result.push_back({std::string(side), conn, std::string(fields[column[3]]), std::string(fields[column[4]]), {}});
      series = result.end() - 1;
    }
    series->points.push_back(point);
  }
  if (line_number == 0) throw fail(0, "empty file, not a tcpkit trace");
  return result;
}

std::vector<trace_series> read_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(std::error_code(errno != 0 ? errno : ENOENT, std::system_category()), "read trace", path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_trace(text.str(), path);
}

}  // namespace tcpkit
