// What the kernel's TCP stack knows about one connection (Linux TCP_INFO): round-trip time,
// congestion window, the peer's advertised window, retransmissions, the connection's state.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tcpkit {

struct tcp_figures {
  std::string_view state;            // "ESTABLISHED", "FIN_WAIT1", "CLOSE_WAIT", ...
  std::uint32_t rtt_us = 0;          // smoothed round-trip time
  std::uint32_t rttvar_us = 0;       // its mean deviation
  std::uint32_t snd_cwnd = 0;        // congestion window, in segments
  std::uint32_t snd_mss_bytes = 0;   // bytes per segment
  std::optional<std::uint32_t> snd_wnd_bytes;  // the peer's advertised window (kernel 5.19+)
  std::uint32_t retransmits = 0;     // retransmissions of the segment now waiting for an ACK
  std::uint32_t total_retrans = 0;   // segments retransmitted over the connection's life
};

// Reads TCP_INFO from a socket descriptor. std::nullopt if the descriptor is not a TCP socket
// or the system cannot tell. Never throws; safe to call from a thread other than the one doing
// the connection's I/O.
std::optional<tcp_figures> read_tcp_info(int fd) noexcept;

}  // namespace tcpkit
