// tcpkit proxy (SPEC §3.5): forwards each accepted connection to an upstream server, and shapes
// each direction on purpose (tcpkit/programs/shaper.hpp), so that a learner's single recv() sees part of
// a message whenever they want to see it.
//
//              up: client -> server
//   client ──> [read ≤ buffer] ──shaper──> [write slices] ──> upstream
//   client <── [write slices] <──shaper── [read ≤ buffer] <── upstream
//              down: server -> client
//
// Each direction owns one fixed buffer and reads again only once the last read has been
// written in full: a side that stops reading stops the other side's reads (backpressure, as in
// OpenBSD netcat's readwrite()), so a connection costs two buffers whatever its peers do.
// The close passes through as it came: a FIN from one side is a half-close (shutdown(SHUT_WR))
// on the other, a reset is a reset (SO_LINGER 0, close) on the other.
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/lifecycle/server.hpp"
#include "tcpkit/programs/shaper.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpkit {

inline constexpr std::size_t kProxyBuffer = 64 * 1024;  // per direction and connection

struct proxy_options {
  std::string upstream_host;
  std::uint16_t upstream_port = 0;
  connect_options connect;  // to the upstream, for each accepted connection
  shaping up;               // client -> server
  shaping down;             // server -> client
  std::uint64_t seed = 0;   // slice sizes: the same seed, the same slices (mixed with conn and direction)
  std::size_t buffer_bytes = kProxyBuffer;
};

// How one direction ended (the JSON "up_end"/"down_end" values).
enum class flow_end {
  fin,          // the source's FIN, passed on as a half-close
  reset,        // the source reset, or the destination refused our bytes: both sides reset
  close_after,  // --close-after: the destination half-closed by us, the source's later bytes discarded
  reset_after,  // --reset-after: both sides reset by us
  aborted,      // the other direction reset the connection first
};

std::string_view to_string(flow_end end) noexcept;

// The session handler for tcpkit::server: per connection, connects to the upstream (a failure
// resets the client and is the session's error), relays both directions at once until both
// have ended, and reports a `connection` event and an `end` event saying what it did.
session_handler proxy_handler(proxy_options options);

}  // namespace tcpkit
