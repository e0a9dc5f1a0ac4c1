// What a connection's summary needs to know of its close, recorded by the code that closes it.
//
// The kernel's view has to be read while the socket is still open, at two moments that only
// the code closing it sees:
//
//   this side's first shutdown()/close() ── TCP state then: CLOSE_WAIT = the peer's FIN came
//                                           first, CLOSE = the peer reset the connection
//   just before close()                  ── the final TCP_INFO (rtt, cwnd, retransmissions)
//
// A close_watch records both, and what cut the session short (idle timeout, a stop, an error).
// A disabled watch does nothing and makes no system call. Reporting the summary is
// tcpkit/instruments/session_summary.hpp's: this mechanism knows nothing of reporters.
#pragma once

#include "tcpkit/core/close_how.hpp"
#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/tcp_info.hpp"

#include <exception>
#include <optional>
#include <string_view>

namespace tcpkit {

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
  // The session failed with `failure`: classifies it (classify_ending: a timeout, a stop, the
  // peer's reset, or an error of this side's finding if nothing was closed yet) and notes the closing.
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

}  // namespace tcpkit
