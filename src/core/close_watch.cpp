#include "tcpkit/core/close_watch.hpp"

#include <system_error>

namespace tcpkit {

void close_watch::note_closing(tcp::socket& socket) noexcept {
  if (!enabled_ || noted_ || !socket.is_open()) return;
  noted_ = true;
  // Before our shutdown only the peer can have moved the connection out of ESTABLISHED.
  const std::optional<tcp_figures> now = read_tcp_info(socket.native_handle());
  if (!now) return;
  if (now->state == "CLOSE_WAIT") peer_fin_first_ = true;
  if (now->state == "CLOSE") peer_reset_ = true;
}

void close_watch::note_cut(close_how how) noexcept {
  if (enabled_ && !cut_) cut_ = how;
}

void close_watch::note_failure(tcp::socket& socket, const std::exception& failure) noexcept {
  if (!enabled_) return;
  if (const auto* e = dynamic_cast<const std::system_error*>(&failure)) {
    switch (const close_how how = classify_ending(e->code())) {
      case close_how::idle_timeout:
      case close_how::stall_timeout:
      case close_how::interrupted: note_cut(how); break;
      case close_how::reset: peer_reset_ = true; break;
      default: break;  // the peer's FIN or an error: note_closing() reads which from the kernel
    }
  }
  if (!noted_) failed_first_ = true;
  note_closing(socket);
}

void close_watch::note_final(tcp::socket& socket) noexcept {
  if (!enabled_ || !socket.is_open()) return;
  final_ = read_tcp_info(socket.native_handle());
}

closer close_watch::closed_by() const noexcept {
  if (cut_) return closer::local;
  return peer_reset_ || peer_fin_first_ ? closer::peer : closer::local;
}

close_how close_watch::how() const noexcept {
  if (cut_) return *cut_;
  if (peer_reset_) return close_how::reset;
  if (peer_fin_first_) return close_how::fin;
  return failed_first_ ? close_how::error : close_how::fin;
}

}  // namespace tcpkit
