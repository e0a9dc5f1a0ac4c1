#include "tcpkit/core/close_watch.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>

#include <cerrno>
#include <system_error>

namespace tcpkit {
namespace {

// A reset by the peer, as send() and recv() report it.
bool is_peer_reset(const std::error_code& code) noexcept {
  const int err = system_errno(code);
  return err == ECONNRESET || err == EPIPE;
}

// What a failure says about how the session ended, if it was a cut of ours.
std::optional<close_how> cut_of(const std::error_code& code) noexcept {
  if (code == errc::stalled) return close_how::stall_timeout;
  if (code == errc::timed_out) return close_how::idle_timeout;
  if (code == errc::interrupted || code == asio::error::operation_aborted) return close_how::interrupted;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(close_how how) noexcept {
  switch (how) {
    case close_how::fin: return "fin";
    case close_how::reset: return "reset";
    case close_how::idle_timeout: return "idle_timeout";
    case close_how::stall_timeout: return "stall_timeout";
    case close_how::interrupted: return "interrupted";
    case close_how::error: return "error";
  }
  return "unknown";
}

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
    if (const auto cut = cut_of(e->code())) {
      note_cut(*cut);
    } else if (is_peer_reset(e->code())) {
      peer_reset_ = true;
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
