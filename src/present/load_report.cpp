#include "tcpkit/present/load_report.hpp"

#include <fmt/format.h>

namespace tcpkit {
namespace {

// What one exchange is called in each mode's table.
std::string_view exchange_noun(std::string_view mode) {
  if (mode == "uppercase") return "streams";
  if (mode == "lines") return "transfers";
  return "exchanges";
}

double per_second(double amount, double seconds) { return seconds > 0 ? amount / seconds : 0; }

double microseconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e3; }

// "3.12 ms", "850 us", "1.52 s": latencies people can read at a glance.
std::string readable_duration(std::uint64_t ns) {
  const double us = microseconds(ns);
  if (us < 1000) return fmt::format("{:.0f} us", us);
  if (us < 1e6) return fmt::format("{:.2f} ms", us / 1e3);
  return fmt::format("{:.2f} s", us / 1e6);
}

std::string failure_breakdown(const failure_tally& failures) {
  std::string out;
  for (std::size_t i = 0; i < kFailureKinds; ++i) {
    if (failures.by_kind[i] == 0) continue;
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", failures.by_kind[i], to_string(static_cast<failure_kind>(i)));
  }
  return out;
}

}  // namespace

std::string render_load_table(const load_summary& s) {
  const auto& stats = s.stats;
  const std::string_view noun = exchange_noun(s.mode);
  std::string out = fmt::format("bench {} {}{}\n", s.mode, s.target, s.interrupted ? " (interrupted: partial result)" : "");
  auto row = [&out](std::string_view label, const std::string& value) { out += fmt::format("  {:<21} {}\n", label, value); };
  row("connections", fmt::format("{} (at most {} established at once)", s.connections, stats.peak_concurrent));
  std::string outcome = fmt::format("{} ok, {} failed", stats.ok, stats.failed());
  if (stats.interrupted != 0) outcome += fmt::format(", {} interrupted", stats.interrupted);
  if (stats.started < s.exchanges) outcome += fmt::format(", {} not started", s.exchanges - stats.started);
  row(noun, outcome);
  if (stats.failed() != 0) {
    row("failures", failure_breakdown(stats.failures));
    for (std::size_t i = 0; i < kFailureKinds; ++i) {
      if (stats.failures.by_kind[i] == 0) continue;
      row(fmt::format("first {}", to_string(static_cast<failure_kind>(i))), stats.failures.first_by_kind[i]);
    }
  }
  if (s.together) {
    row("seconds", fmt::format("{:.3f} (all connected first, in {:.3f} s)", stats.seconds, stats.connect_seconds));
  } else {
    row("seconds", fmt::format("{:.3f}", stats.seconds));
  }
  if (s.bytes_per_exchange != 0) {
    row("bytes", fmt::format("{} ({:.1f} MB) {}", s.bytes, static_cast<double>(s.bytes) / 1e6,
                             s.has_lines ? "acknowledged" : "verified"));
    row("MB/s", fmt::format("{:.1f}", per_second(static_cast<double>(s.bytes) / 1e6, stats.seconds)));
    if (s.has_lines) row("lines/s", fmt::format("{:.0f}", per_second(static_cast<double>(s.lines), stats.seconds)));
  } else {
    row(fmt::format("{}/s", noun), fmt::format("{:.0f}", per_second(static_cast<double>(stats.ok), stats.seconds)));
  }
  if (stats.latency_ns.count() != 0) {
    const std::string what = s.bytes_per_exchange != 0 ? "time per stream" : "latency";
    row(what + " p50", readable_duration(stats.latency_ns.percentile(0.50)) +
                           (s.together ? "   (from the common start)" : "   (connect included)"));
    row(what + " p99", readable_duration(stats.latency_ns.percentile(0.99)));
    row(what + " p999", readable_duration(stats.latency_ns.percentile(0.999)));
    row(what + " max", readable_duration(stats.latency_ns.max()));
  }
  out.pop_back();  // the reporter ends the event's text with its own newline
  return out;
}

void report_load(reporter& report, const load_summary& s) {
  report.emit({event_type::note, "{table}", {{"table", render_load_table(s)}}});

  const auto& stats = s.stats;
  const double seconds = stats.seconds;
  std::vector<field> fields{
      {"program", std::string("bench")},
      {"mode", s.mode},
      {"target", s.target},
      {"connections", std::uint64_t{s.connections}},
      {"exchanges", s.exchanges},
      {"ok", stats.ok},
      {"failed", stats.failed()},
      {"interrupted", stats.interrupted},
      {"peak_concurrent", stats.peak_concurrent},
      {"seconds", seconds},
      {"connect_seconds", stats.connect_seconds},
      {"exchanges_per_s", per_second(static_cast<double>(stats.ok), seconds)},
      {"latency_p50_us", microseconds(stats.latency_ns.percentile(0.50))},
      {"latency_p99_us", microseconds(stats.latency_ns.percentile(0.99))},
      {"latency_p999_us", microseconds(stats.latency_ns.percentile(0.999))},
      {"latency_max_us", microseconds(stats.latency_ns.max())},
  };
  if (s.bytes_per_exchange != 0) {
    fields.push_back({"bytes_per_exchange", s.bytes_per_exchange});
    fields.push_back({s.has_lines ? "bytes_acknowledged" : "bytes_verified", s.bytes});
    fields.push_back({"mb_per_s", per_second(static_cast<double>(s.bytes) / 1e6, seconds)});
  }
  if (s.has_lines) {
    fields.push_back({"lines_acknowledged", s.lines});
    fields.push_back({"lines_per_s", per_second(static_cast<double>(s.lines), seconds)});
  }
  static constexpr std::array<std::string_view, kFailureKinds> kKeys{
      "failed_connect", "failed_timeout", "failed_closed_early", "failed_reset", "failed_mismatch", "failed_other"};
  for (std::size_t i = 0; i < kFailureKinds; ++i) fields.push_back({kKeys[i], stats.failures.by_kind[i]});
  if (stats.failed() != 0) fields.push_back({"first_failure", stats.failures.first_message});
  report.emit({event_type::end, {}, std::move(fields)});
}

}  // namespace tcpkit
