#include "tcpkit/core/tcp_info.hpp"

// linux/tcp.h rather than netinet/tcp.h: only the kernel's header has the newer tcp_info
// fields (tcpi_snd_wnd). The two cannot be included together.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace tcpkit {
namespace {

// The kernel's TCP states (include/net/tcp_states.h), in its numbering.
std::string_view state_name(std::uint8_t state) noexcept {
  static constexpr std::string_view kNames[] = {"UNKNOWN",   "ESTABLISHED", "SYN_SENT",   "SYN_RECV",
                                                "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",  "CLOSE",
                                                "CLOSE_WAIT", "LAST_ACK",   "LISTEN",     "CLOSING"};
  return state < std::size(kNames) ? kNames[state] : "UNKNOWN";
}

}  // namespace

std::optional<tcp_figures> read_tcp_info(int fd) noexcept {
  if (fd < 0) return std::nullopt;
  struct tcp_info info {};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  tcp_figures figures;
  figures.state = state_name(info.tcpi_state);
  figures.rtt_us = info.tcpi_rtt;
  figures.rttvar_us = info.tcpi_rttvar;
  figures.snd_cwnd = info.tcpi_snd_cwnd;
  figures.snd_mss_bytes = info.tcpi_snd_mss;
  figures.retransmits = info.tcpi_retransmits;
  figures.total_retrans = info.tcpi_total_retrans;
  // An older kernel fills a shorter struct and says so in `length`.
  if (length >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof info.tcpi_snd_wnd) figures.snd_wnd_bytes = info.tcpi_snd_wnd;
  return figures;
}

}  // namespace tcpkit
