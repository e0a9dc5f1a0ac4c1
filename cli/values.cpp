#include "values.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

namespace tcpkit::cli {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::string_view kCount = "a decimal number";
constexpr std::string_view kPort = "a port (a decimal number from 0 to 65535)";
constexpr std::string_view kSize = "a size (a decimal number of bytes; suffixes K M G T, or KB MB GB TB)";
constexpr std::string_view kSeconds = "a number of seconds (e.g. 10 or 0.5)";

// The leading digits of `value`, which must be `what`. A leading zero is refused, so that 010
// cannot be octal 8 to one tool and decimal 10 to another: tcpkit's numbers are decimal.
std::string_view take_digits(std::string_view option, std::string_view value, std::string_view text,
                             std::string_view what) {
  std::size_t n = 0;
  while (n < text.size() && is_digit(text[n])) ++n;
  if (n == 0 && text.starts_with('-')) throw_bad_value(option, value, "must not be negative");
  if (n == 0) throw_bad_value(option, value, fmt::format("not {}", what));
  if (n > 1 && text[0] == '0') throw_bad_value(option, value, "a leading 0 is not allowed (numbers are decimal)");
  return text.substr(0, n);
}

std::uint64_t to_uint(std::string_view option, std::string_view value, std::string_view digits) {
  std::uint64_t result = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), result);
  if (ec != std::errc{}) throw_bad_value(option, value, "too large");
  return result;
}

void require_range(std::string_view option, std::string_view value, std::uint64_t n, std::uint64_t min,
                   std::uint64_t max) {
  if (n < min) throw_bad_value(option, value, fmt::format("must be at least {}", min));
  if (n > max) throw_bad_value(option, value, fmt::format("must be at most {}", max));
}

// The multiplier a size suffix stands for, matched without regard to case; 0 if none matches.
// None or B are bytes; K M G T and KiB MiB GiB TiB count in 1024s (what buffers and files are sized in); KB MB GB TB
// in 1000s (what rates are quoted in), the way dd(1) reads them.
std::uint64_t suffix_multiplier(std::string_view suffix) {
  struct entry {
    std::string_view short_name, iec_name, si_name;
  };
  static constexpr std::array<entry, 4> table{{
      {"k", "kib", "kb"},
      {"m", "mib", "mb"},
      {"g", "gib", "gb"},
      {"t", "tib", "tb"},
  }};
  std::string lower;
  for (const char c : suffix) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.empty() || lower == "b") return 1;
  std::uint64_t binary = 1, decimal = 1;
  for (const auto& e : table) {
    binary *= 1024;
    decimal *= 1000;
    if (lower == e.short_name || lower == e.iec_name) return binary;
    if (lower == e.si_name) return decimal;
  }
  return 0;
}

// The port `text`, which is all or the end of `value` (HOST:PORT): messages show all of `value`.
std::uint16_t read_port(std::string_view option, std::string_view value, std::string_view text) {
  const auto reason = text.size() == value.size() ? fmt::format("not {}", kPort)
                                                  : fmt::format("{} is not {}", text.empty() ? "\"\"" : text, kPort);
  if (text.starts_with('-')) throw_bad_value(option, value, "a port is not negative");
  if (text.empty() || !is_digit(text[0])) throw_bad_value(option, value, reason);
  const auto digits = take_digits(option, value, text, kPort);
  if (digits.size() != text.size() || digits.size() > 5 || to_uint(option, value, digits) > 65535) {
    throw_bad_value(option, value, reason);
  }
  return static_cast<std::uint16_t>(to_uint(option, value, digits));
}

}  // namespace

void throw_bad_value(std::string_view option, std::string_view value, std::string_view reason) {
  // An empty value would read "--port : ..."; quote it so the reader sees what was typed.
  throw usage_error(fmt::format("{} {}: {}", option, value.empty() ? "\"\"" : value, reason));
}

std::uint64_t parse_count(std::string_view option, std::string_view text, std::uint64_t min, std::uint64_t max) {
  const auto digits = take_digits(option, text, text, kCount);
  if (digits.size() != text.size()) throw_bad_value(option, text, fmt::format("not {}", kCount));
  const auto n = to_uint(option, text, digits);
  require_range(option, text, n, min, max);
  return n;
}

std::uint16_t parse_port(std::string_view option, std::string_view text) { return read_port(option, text, text); }

std::uint64_t parse_size(std::string_view option, std::string_view text, std::uint64_t min, std::uint64_t max) {
  const auto digits = take_digits(option, text, text, kSize);
  const auto multiplier = suffix_multiplier(text.substr(digits.size()));
  if (multiplier == 0) throw_bad_value(option, text, fmt::format("not {}", kSize));
  const auto n = to_uint(option, text, digits);
  if (n > std::numeric_limits<std::uint64_t>::max() / multiplier) throw_bad_value(option, text, "too large");
  require_range(option, text, n * multiplier, min, max);
  return n * multiplier;
}

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

double parse_seconds(std::string_view option, std::string_view text, double min, double max) {
  // Decimal notation, exponent allowed (0.5, 2.25, 1e3); never nan, inf or hex floats.
  take_digits(option, text, text, kSeconds);
  if (text.find_first_not_of("0123456789.eE+-") != std::string_view::npos) {
    throw_bad_value(option, text, fmt::format("not {}", kSeconds));
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size() || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
    throw_bad_value(option, text, fmt::format("not {}", kSeconds));
  }
  if (ec == std::errc::result_out_of_range) {  // from_chars leaves `value` alone: which way did it fall?
    const bool tiny = text.find("e-") != std::string_view::npos || text.find("E-") != std::string_view::npos;
    value = tiny ? 0 : std::numeric_limits<double>::infinity();
  }
  if (!(value > 0)) throw_bad_value(option, text, "must be more than 0 seconds");
  if (value < min) throw_bad_value(option, text, fmt::format("must be at least {} seconds", min));
  if (value > max) throw_bad_value(option, text, fmt::format("must be at most {} seconds", max));
  return value;
}

host_port parse_host_port(std::string_view option, std::string_view text) {
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) throw_bad_value(option, text, "no ']' after the IPv6 address");
    host_port result{std::string(text.substr(1, close - 1)), std::nullopt};
    const auto rest = text.substr(close + 1);
    if (rest.empty()) return result;
    if (!rest.starts_with(':')) throw_bad_value(option, text, "expected ':PORT' after ']'");
    result.port = read_port(option, text, rest.substr(1));
    return result;
  }
  const auto colon = text.find(':');
  // Two colons or more: an IPv6 address without a port (::1, fe80::1%eth0); write [::1]:1060.
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
    return {std::string(text), std::nullopt};
  }
  return {std::string(text.substr(0, colon)), read_port(option, text, text.substr(colon + 1))};
}

}  // namespace tcpkit::cli
