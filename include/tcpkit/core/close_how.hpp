// How a connection ended: the one vocabulary of the session summary (`closed_by`, `close_how`),
// a graceful close's result (the `close` value), and the load generator's failure columns.
//
//   closer     who closed first: this side (local) or the peer
//   close_how  how: fin, reset, a timeout of this side's (idle, stall, or a graceful close's
//              drain), a stop, or an error of this side's finding
//   classify_ending(code)  what a failure's error code alone says of that
#pragma once

#include <string_view>
#include <system_error>

namespace tcpkit {

// How the side that closed first closed (the JSON "close_how" value), or how a graceful
// close ended (the JSON "close" value: fin, drain_timeout or reset).
enum class close_how {
  fin,            // an orderly close or half-close
  reset,          // the peer reset the connection
  idle_timeout,   // this side gave up: no progress for its idle timeout (or the exchange's deadline)
  stall_timeout,  // the naive uppercase client's stall watchdog fired (--stall-timeout)
  interrupted,    // this side was stopped: SIGINT/SIGTERM, a server shutting down
  error,          // this side ended the session because of a failure of its own finding
  drain_timeout,  // a graceful close only: the peer kept the connection open past the drain; closed anyway
};

std::string_view to_string(close_how how) noexcept;

// Which end of the connection closed first.
enum class closer { local, peer };

// What a failure's code says of how the connection ended: a timeout or a stop of this side's,
// the peer's reset (ECONNRESET, EPIPE, ECONNABORTED), the peer's FIN before the exchange was
// complete (short_read, EOF: fin), else an error of this side's finding.
close_how classify_ending(const std::error_code& code) noexcept;

}  // namespace tcpkit
