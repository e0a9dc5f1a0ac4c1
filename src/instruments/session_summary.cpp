#include "tcpkit/instruments/session_summary.hpp"

#include "tcpkit/core/connection.hpp"

#include <fmt/format.h>

#include <string>

namespace tcpkit {
namespace {

std::string_view other_role(std::string_view role) noexcept { return role == "server" ? "client" : "server"; }

std::string_view how_in_words(close_how how) noexcept {
  switch (how) {
    case close_how::fin: return "FIN";
    case close_how::reset: return "reset";
    case close_how::idle_timeout: return "idle timeout";
    case close_how::stall_timeout: return "stall watchdog";
    case close_how::interrupted: return "interrupted";
    case close_how::error: return "error";
    case close_how::drain_timeout: return "drain timeout";
  }
  return "unknown";
}

// 0.812 ms, 12.3 ms, 2.41 s: three significant digits in the unit that reads best.
std::string format_duration(double seconds) {
  if (seconds < 1.0) return fmt::format("{:.3g} ms", seconds * 1e3);
  return fmt::format("{:.3g} s", seconds);
}

// 15.1 kB/s, 18.2 MB/s, 967 MB/s, 1.21 GB/s: decimal units like the programs' MB/s, never an
// exponent, at most three significant digits.
std::string format_rate(double bytes_per_s) {
  static constexpr std::string_view kUnits[] = {"B/s", "kB/s", "MB/s", "GB/s"};
  if (bytes_per_s <= 0) return "0 B/s";
  std::size_t unit = 0;
  while (bytes_per_s >= 999.5 && unit + 1 < std::size(kUnits)) {
    bytes_per_s /= 1e3;
    ++unit;
  }
  const int decimals = bytes_per_s < 9.995 ? 2 : bytes_per_s < 99.95 ? 1 : 0;
  return fmt::format("{:.{}f} {}", bytes_per_s, decimals, kUnits[unit]);
}

double mb_per_s(std::uint64_t bytes, double seconds) noexcept {
  return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
}

}  // namespace

void add_closing_fields(event& e, const close_watch& watch, std::string_view role) {
  if (!watch.enabled()) return;
  e.fields.push_back({"closed_by", std::string(watch.closed_by() == closer::local ? role : other_role(role))});
  e.fields.push_back({"close_how", std::string(to_string(watch.how()))});
}

void report_session(reporter& report, close_watch& watch, tcp::socket& socket, const session_facts& facts) {
  if (!watch.enabled()) return;
  if (socket.is_open()) {
    watch.note_closing(socket);
    watch.note_final(socket);
  }
  const double seconds = std::chrono::duration<double>(facts.duration).count();
  const std::string_view closed_by = watch.closed_by() == closer::local ? facts.role : other_role(facts.role);
  const double sent_rate = mb_per_s(facts.bytes_sent, seconds);
  const double received_rate = mb_per_s(facts.bytes_received, seconds);

  event e{event_type::session, {}, {}};
  if (facts.conn != 0) e.fields.push_back({"conn", facts.conn});
  e.fields.push_back({"peer", std::string(facts.peer)});
  e.fields.push_back({"bytes_sent", facts.bytes_sent});
  e.fields.push_back({"bytes_received", facts.bytes_received});
  e.fields.push_back({"seconds", seconds});
  e.fields.push_back({"sent_mb_per_s", sent_rate});
  e.fields.push_back({"received_mb_per_s", received_rate});
  add_closing_fields(e, watch, facts.role);

  // The text is rendered here, where its words depend on the values (a server receives first,
  // "the client" or "the server"); it holds no braces, so as a template it renders as itself.
  const std::string received = fmt::format("received {} bytes ({})", facts.bytes_received, format_rate(received_rate * 1e6));
  const std::string sent = fmt::format("sent {} bytes ({})", facts.bytes_sent, format_rate(sent_rate * 1e6));
  std::string text = fmt::format("  Session with {}: {}, {} in {}; the {} closed first ({})", facts.peer,
                                 facts.role == "server" ? received : sent, facts.role == "server" ? sent : received,
                                 format_duration(seconds), closed_by, how_in_words(watch.how()));
  if (const auto& figures = watch.final_figures()) {
    e.fields.push_back({"tcp_state", std::string(figures->state)});
    e.fields.push_back({"rtt_us", std::uint64_t{figures->rtt_us}});
    e.fields.push_back({"rttvar_us", std::uint64_t{figures->rttvar_us}});
    e.fields.push_back({"snd_cwnd", std::uint64_t{figures->snd_cwnd}});
    e.fields.push_back({"snd_mss_bytes", std::uint64_t{figures->snd_mss_bytes}});
    if (figures->snd_wnd_bytes) e.fields.push_back({"snd_wnd_bytes", std::uint64_t{*figures->snd_wnd_bytes}});
    e.fields.push_back({"retransmits", std::uint64_t{figures->retransmits}});
    e.fields.push_back({"total_retrans", std::uint64_t{figures->total_retrans}});
    text += fmt::format("; rtt {:.3g} ms, cwnd {}, {} retransmitted", figures->rtt_us / 1e3, figures->snd_cwnd,
                        figures->total_retrans);
  }
  e.text = text;
  report.emit(e);
}

void report_session(reporter& report, connection& conn, std::string_view role, std::uint64_t conn_id) {
  report_session(report, conn.closing(), conn.socket(),
                 {role, conn_id, conn.peer(), conn.traffic().bytes_sent(), conn.traffic().bytes_received(),
                  clock::now() - conn.opened()});
}

std::string add_segment_counts(event& session, std::string_view text, const segment_counts& counts) {
  session.fields.push_back({"segments_sent", counts.sent});
  session.fields.push_back({"segments_received", counts.received});
  session.fields.push_back({"segments_retransmitted", counts.retransmitted});
  session.fields.push_back({"zero_window_segments", counts.zero_windows});
  return fmt::format("{}; {} segments sent, {} received, {} retransmitted, {} with a zero window", text, counts.sent,
                     counts.received, counts.retransmitted, counts.zero_windows);
}

}  // namespace tcpkit

