// tcpkit proxy HOST [-p PORT] --to HOST:PORT [shaping]: the options; proxy_run.cpp runs them.
#include "actions.hpp"
#include "commands.hpp"
#include "common_options.hpp"
#include "typed_options.hpp"
#include "values.hpp"

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/programs/proxy.hpp"

#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

namespace tcpkit::cli {
namespace {

constexpr std::uint64_t kMaxMilliseconds = 86'400'000;  // a day: --delay and --latency

// --slice without --delay pauses this long after each write. Slices written back to back reach
// the receiver's buffer faster than it reads, and it gets them merged again in one recv() (16
// one-byte writes to a Python recv() loop: one to 13 reads); a pause lets it read each one.
constexpr std::uint64_t kSliceDelayMilliseconds = 10;

// "N" or "N-M" with 1 <= N <= M <= the proxy's buffer (a bigger slice could never be filled),
// decimal as every number (cli/values.hpp); throws usage_error naming --slice otherwise.
std::pair<std::size_t, std::size_t> parse_slice(std::string_view text) {
  const std::size_t dash = text.find('-');
  const auto low = parse_count("--slice", text.substr(0, dash), 1, kProxyBuffer);
  const auto high = dash == std::string_view::npos ? low : parse_count("--slice", text.substr(dash + 1), 1, kProxyBuffer);
  if (low > high) throw_bad_value("--slice", text, "N-M needs N <= M");
  return {static_cast<std::size_t>(low), static_cast<std::size_t>(high)};
}

// "HOST:PORT" or "[V6]:PORT", with a port a client can connect to.
std::optional<std::pair<std::string, std::uint16_t>> parse_destination(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view host = text.substr(0, colon);
  const auto port = tcpkit::parse_port(text.substr(colon + 1));
  if (!port || *port == 0) return std::nullopt;
  const bool bracketed = host.front() == '[' && host.back() == ']';
  if (!bracketed && host.find(':') != std::string_view::npos) return std::nullopt;  // a bare IPv6 literal
  return std::pair{std::string(strip_brackets(host)), *port};
}

clock::duration milliseconds(std::uint64_t ms) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::milliseconds(ms));
}

proxy_settings to_settings(const proxy_flags& flags) {
  proxy_settings settings;
  std::tie(settings.upstream_host, settings.upstream_port) = parse_destination(flags.to).value();  // checked
  if (!flags.slice.empty()) std::tie(settings.shape.slice_min, settings.shape.slice_max) = parse_slice(flags.slice);
  settings.shape.delay = milliseconds(flags.delay_ms.value_or(flags.slice.empty() ? 0 : kSliceDelayMilliseconds));
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
  const CLI::Validator slice(
      [](std::string& text) {
        parse_slice(text);  // throws usage_error
        return std::string();
      },
      "N[-M]");
  command.add_option("--slice", flags.slice,
                     "forward in writes of N bytes, or of N to M bytes chosen at random, 10 ms apart unless --delay says "
                     "otherwise (so that each reaches the receiver's recv() on its own)")
      ->check(slice)
      ->type_name("N[-M]");
  add_count_option(command, "--delay", flags.delay_ms, "milliseconds to pause after every write (default 0; 10 with --slice)",
                   0, kMaxMilliseconds)->type_name("MS");
  add_count_option(command, "--latency", flags.latency_ms, "milliseconds every byte is held before it is forwarded", 0,
                   kMaxMilliseconds)->type_name("MS");
  add_size_option(command, "--rate", flags.rate, "forward at most this many bytes per second", 1, std::uint64_t{1} << 40);
  auto* close_after = add_size_option(command, "--close-after", flags.close_after,
                                      "half-close the destination (FIN) after this many bytes; discard the rest", 0,
                                      std::uint64_t{1} << 62);
  add_size_option(command, "--reset-after", flags.reset_after, "reset both sides after this many bytes have been forwarded",
                  0, std::uint64_t{1} << 62)
      ->excludes(close_after);
  command.add_flag("--up", flags.up, "shape only the client-to-server direction");
  command.add_flag("--down", flags.down, "shape only the server-to-client direction");
  add_count_option(command, "--seed", flags.seed,
                   "seed for --slice N-M sizes: the same seed, the same slices (default: random, logged)", 0,
                   std::numeric_limits<std::uint32_t>::max());
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
  add_seconds_option(*proxy, "--connect-timeout", options.connect_timeout_s,
                     "seconds to wait for each upstream connection (default 10)");
  add_server_options(*proxy, options);
  add_shaping_options(*proxy, flags);
  proxy->callback([&chosen, &options, &flags] { chosen = [&options, &flags] { return proxy_main(options, to_settings(flags)); }; });
  proxy->footer(
      "Shaping applies to both directions unless --up or --down is given. The close passes through as it came:\n"
      "a FIN as a half-close, a reset as a reset.\nExamples:\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --slice 1 --down              # one byte per recv()\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --slice 1-5 --seed 7          # reproducible random slices\n"
      "  tcpkit proxy :: -p 1061 --to [::1]:1060 --rate 100K --latency 50\n"
      "  tcpkit proxy 127.0.0.1 -p 1061 --to 127.0.0.1:1060 --reset-after 8 --up          # the server sees a reset");
}

}  // namespace tcpkit::cli
