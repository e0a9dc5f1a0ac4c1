// tcpkit proxy HOST [-p PORT] --to HOST:PORT [shaping]: the options; proxy_run.cpp runs them.
#include "actions.hpp"
#include "commands.hpp"
#include "common_options.hpp"

#include "tcpkit/endpoint.hpp"
#include "tcpkit/proxy.hpp"

#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

namespace tcpkit::cli {
namespace {

constexpr double kMaxMilliseconds = 86'400'000;  // a day: --delay and --latency

// Digits only, at least 1 and at most the proxy's buffer (a bigger slice could never be filled).
std::optional<std::size_t> parse_slice_size(std::string_view text) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < 1 || value > kProxyBuffer) return std::nullopt;
  return value;
}

// "N" or "N-M" with N <= M.
std::optional<std::pair<std::size_t, std::size_t>> parse_slice(std::string_view text) {
  const std::size_t dash = text.find('-');
  const auto low = parse_slice_size(text.substr(0, dash));
  const auto high = dash == std::string_view::npos ? low : parse_slice_size(text.substr(dash + 1));
  if (!low || !high || *low > *high) return std::nullopt;
  return std::pair{*low, *high};
}

// "HOST:PORT" or "[V6]:PORT", with a port a client can connect to.
std::optional<std::pair<std::string, std::uint16_t>> parse_destination(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view host = text.substr(0, colon);
  const auto port = parse_port(text.substr(colon + 1));
  if (!port || *port == 0) return std::nullopt;
  const bool bracketed = host.front() == '[' && host.back() == ']';
  if (!bracketed && host.find(':') != std::string_view::npos) return std::nullopt;  // a bare IPv6 literal
  return std::pair{std::string(strip_brackets(host)), *port};
}

clock::duration milliseconds(double ms) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

proxy_settings to_settings(const proxy_flags& flags) {
  proxy_settings settings;
  std::tie(settings.upstream_host, settings.upstream_port) = parse_destination(flags.to).value();  // checked
  if (!flags.slice.empty()) std::tie(settings.shape.slice_min, settings.shape.slice_max) = parse_slice(flags.slice).value();
  settings.shape.delay = milliseconds(flags.delay_ms);
  settings.shape.latency = milliseconds(flags.latency_ms);
  settings.shape.rate_bytes_per_s = flags.rate;
  settings.shape.close_after = flags.close_after;
  settings.shape.reset_after = flags.reset_after;
  settings.shape_up = flags.up || !flags.down;
  settings.shape_down = flags.down || !flags.up;
  settings.seed = flags.seed;
  return settings;
}

void add_shaping_options(CLI::App& command, proxy_flags& flags) {
  const CLI::Validator slice([](std::string& text) { return parse_slice(text) ? "" : "expected N or N-M, 1 <= N <= M <= 65536"; },
                             "N[-M]");
  command.add_option("--slice", flags.slice, "forward in writes of N bytes, or of N to M bytes chosen at random")->check(slice);
  command.add_option("--delay", flags.delay_ms, "milliseconds to pause after every write")->check(CLI::Range(0.0, kMaxMilliseconds));
  command.add_option("--latency", flags.latency_ms, "milliseconds every byte is held before it is forwarded")
      ->check(CLI::Range(0.0, kMaxMilliseconds));
  command.add_option("--rate", flags.rate, "forward at most this many bytes per second (suffixes K, M)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  auto* close_after = command.add_option("--close-after", flags.close_after,
                                         "half-close the destination (FIN) after this many bytes; discard the rest");
  close_after->transform(CLI::AsSizeValue(false));
  command.add_option("--reset-after", flags.reset_after, "reset both sides after this many bytes have been forwarded")
      ->transform(CLI::AsSizeValue(false))
      ->excludes(close_after);
  command.add_flag("--up", flags.up, "shape only the client-to-server direction");
  command.add_flag("--down", flags.down, "shape only the server-to-client direction");
  command.add_option("--seed", flags.seed, "seed for --slice N-M sizes: the same seed, the same slices (default: random, logged)");
}

}  // namespace

void add_proxy_command(CLI::App& app, proxy_command_options& values, action& chosen) {
  common_options& options = values.common;
  proxy_flags& flags = values.flags;
  auto* proxy = app.add_subcommand("proxy", "forward each connection to --to HOST:PORT, shaping each direction on purpose");
  add_common_options(*proxy, options, "interface to listen at: \"\" or 0.0.0.0 (all IPv4), :: (all), or one address");
  const CLI::Validator destination(
      [](std::string& text) { return parse_destination(text) ? "" : "expected HOST:PORT or [V6]:PORT with a port 1-65535"; },
      "HOST:PORT");
  proxy->add_option("--to", flags.to, "the server to forward to")->required()->check(destination);
  proxy->add_option("--connect-timeout", options.connect_timeout_s, "seconds to wait for each upstream connection (default 10)")
      ->check(CLI::PositiveNumber);
  add_server_options(*proxy, options);
  add_shaping_options(*proxy, flags);
  proxy->callback([&chosen, &options, &flags] { chosen = [&options, &flags] { return proxy_main(options, to_settings(flags)); }; });
  proxy->footer(
      "Shaping applies to both directions unless --up or --down is given. The close passes through as it came:\n"
      "a FIN as a half-close, a reset as a reset.\nExamples:\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --slice 1 --delay 10 --down   # one byte per recv()\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --slice 1-5 --seed 7          # reproducible random slices\n"
      "  tcpkit proxy :: -p 1061 --to [::1]:1060 --rate 100K --latency 50\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --reset-after 8 --up          # the server sees a reset");
}

}  // namespace tcpkit::cli
