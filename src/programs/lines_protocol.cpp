#include "tcpkit/programs/lines_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace tcpkit {
namespace {

constexpr std::string_view kAckStart = "received ";

// Reads the decimal number at the front of `text` and removes it; nullopt unless digits.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take(std::string_view& text, std::string_view expected) {
  if (!text.starts_with(expected)) return false;
  text.remove_prefix(expected.size());
  return true;
}

}  // namespace

void line_counter::add(std::string_view bytes) noexcept {
  if (bytes.empty()) return;
  newlines_ += static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  bytes_ += bytes.size();
  ends_in_newline_ = bytes.back() == '\n';
}

line_count line_counter::count() const noexcept { return {newlines_ + (ends_in_newline_ ? 0 : 1), bytes_}; }

std::string describe(line_count count) { return fmt::format("{} lines, {} bytes", count.lines, count.bytes); }

std::string format_ack(line_count count) { return fmt::format("received {}\n", describe(count)); }

std::optional<line_count> parse_ack(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  line_count count;
  if (!take(text, kAckStart)) return std::nullopt;
  const auto lines = take_number(text);
  if (!lines || !take(text, " lines, ")) return std::nullopt;
  const auto bytes = take_number(text);
  if (!bytes || !take(text, " bytes") || !text.empty()) return std::nullopt;
  count.lines = *lines;
  count.bytes = *bytes;
  return count;
}

}  // namespace tcpkit
