// The summary of one connection, reported once at its end on either side: bytes each way,
// duration and rates, who closed first and how, and the kernel's last TCP_INFO figures.
//
// What the summary needs from the kernel has to be read while the socket is still open, at two
// moments that only the code closing it sees:
//
//   this side's first shutdown()/close() ── TCP state then: CLOSE_WAIT = the peer's FIN came
//                                           first, CLOSE = the peer reset the connection
//   just before close()                  ── the final TCP_INFO (rtt, cwnd, retransmissions)
//
// A close_watch records both, and what cut the session short (idle timeout, a stop, an error).
// A disabled watch does nothing and makes no system call: servers and clients enable it only
// when their reporter wants `session` events.
#pragma once

#include "tcpkit/deadline.hpp"
#include "tcpkit/endpoint.hpp"
#include "tcpkit/report.hpp"
#include "tcpkit/tcp_info.hpp"

#include <cstdint>
#include <exception>
#include <optional>
#include <string_view>

namespace tcpkit {

// How the side that closed first closed (the JSON "close_how" value).
enum class close_how {
  fin,           // an orderly close or half-close
  reset,         // the peer reset the connection
  idle_timeout,  // this side gave up: no progress for its idle timeout
  stall_timeout, // the naive uppercase client's stall watchdog fired (--stall-timeout)
  interrupted,   // this side was stopped: SIGINT/SIGTERM, a server shutting down
  error,         // this side ended the session because of a failure of its own finding
};

std::string_view to_string(close_how how) noexcept;

// Which end of the connection closed first.
enum class closer { local, peer };

class close_watch {
 public:
  close_watch() noexcept = default;  // disabled
  explicit close_watch(bool enabled) noexcept : enabled_(enabled) {}

  bool enabled() const noexcept { return enabled_; }

  // Call just before this side's first shutdown() or close(): notes whether the peer's FIN or
  // reset had already arrived (one getsockopt). Later calls, and calls on a closed socket, do nothing.
  void note_closing(tcp::socket& socket) noexcept;
  // This side is cutting the session short (a timeout or interrupted). The first cut wins;
  // it decides the summary whatever the peer did before.
  void note_cut(close_how how) noexcept;
  // The session failed with `failure`: classifies it (a timeout, a cancellation, the peer's
  // reset, or an error of this side's finding if nothing was closed yet) and notes the closing.
  void note_failure(tcp::socket& socket, const std::exception& failure) noexcept;
  // Call just before close(): the connection's final TCP_INFO figures (one getsockopt).
  void note_final(tcp::socket& socket) noexcept;

  // What was noted, in order of precedence: a cut of ours; the peer's reset (which ends both
  // directions, so it outweighs an earlier half-close of ours); the peer's FIN before ours; a
  // failure that came before we closed anything; else our own FIN.
  closer closed_by() const noexcept;
  close_how how() const noexcept;
  const std::optional<tcp_figures>& final_figures() const noexcept { return final_; }

 private:
  bool enabled_ = false;
  bool noted_ = false;
  bool peer_fin_first_ = false;
  bool peer_reset_ = false;
  bool failed_first_ = false;
  std::optional<close_how> cut_;
  std::optional<tcp_figures> final_;
};

// The facts of a session that the close_watch does not know.
struct session_facts {
  std::string_view role;  // "server" or "client": names the sides in the text and in closed_by
  std::uint64_t conn = 0; // a server's connection number; 0 for a client (no "conn" key)
  std::string_view peer;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  clock::duration duration{};
};

// Adds `closed_by` and `close_how` as the `session` event has them (nothing if the watch is
// disabled): for a client's `end`, which says how its connection ended.
void add_closing_fields(event& e, const close_watch& watch, std::string_view role);

// Reports the `session` event for a session that `watch` followed (nothing if the watch is
// disabled). If `socket` is still open, its closing and final figures are noted first.
//   "  Session with 127.0.0.1:50000: received 16 bytes (56.9 kB/s), sent 16 bytes (56.9 kB/s) in
//    0.281 ms; the client closed first (FIN); rtt 0.032 ms, cwnd 12, 0 retransmitted"
// A server says what it received first, a client what it sent (`facts.role`).
void report_session(reporter& report, close_watch& watch, tcp::socket& socket, const session_facts& facts);

// What a packet capture (--packets, --pcap) saw of one session: segments each way, those that
// repeated sequence space already sent, and advertisements of a zero receive window.
struct segment_counts {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t retransmitted = 0;
  std::uint64_t zero_windows = 0;
};

// Adds the counts to a `session` event's fields (segments_sent, segments_received,
// segments_retransmitted, zero_window_segments) and returns its text `text` with the words for
// them appended; the caller points the event's text at that string for as long as it emits it.
//   "...; 6 segments sent, 5 received, 0 retransmitted, 0 with a zero window"
std::string add_segment_counts(event& session, std::string_view text, const segment_counts& counts);

}  // namespace tcpkit
