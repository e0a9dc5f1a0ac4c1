// The summary of one connection, reported once at its end on either side: bytes each way,
// duration and rates, who closed first and how, and the kernel's last TCP_INFO figures.
//
// What it says of the close comes from a close_watch (tcpkit/core/close_watch.hpp), which servers
// and clients enable only when their reporter wants `session` events.
#pragma once

#include "tcpkit/core/close_watch.hpp"
#include "tcpkit/core/deadline.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/report.hpp"

#include <cstdint>
#include <string_view>

namespace tcpkit {

class connection;

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

// report_session for a connection: its bytes, its watch, the time since it was opened. `conn_id`
// is a server's connection number (0 for a client).
void report_session(reporter& report, connection& conn, std::string_view role, std::uint64_t conn_id = 0);

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
