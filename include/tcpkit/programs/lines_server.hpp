// The lines service (the lab task in the seeds): the server reads each connection as a stream
// of lines, the makefile() way, hands every line to a sink, and when the client half-closes
// answers with one acknowledgement line (tcpkit/programs/lines_protocol.hpp) and closes.
//
//   socket --recv--> line_reader (one capped buffer) --whole lines--> line_sink (e.g. stdout)
//      <--"received N lines, M bytes\n"-- at EOF, once the sink has everything
//
// Backpressure: a connection reads nothing more until the sink has taken its last lines, so a
// sink that cannot keep up (a blocked stdout) stops the readers, TCP's window stops the
// clients, and nothing queues without bound: per connection there is one line buffer of
// max_line + 128 KiB, and the sink bounds its own queue.
#pragma once

#include "tcpkit/core/line_reader.hpp"
#include "tcpkit/core/line_sink.hpp"
#include "tcpkit/programs/lines_protocol.hpp"
#include "tcpkit/lifecycle/server.hpp"

#include <asio/awaitable.hpp>

#include <cstddef>

namespace tcpkit {

struct lines_server_options {
  std::size_t max_line = kDefaultMaxLine;  // ending included; longer ends the connection
};

// How long a refused client may go on sending before it is cut off (with a reset): long
// enough for our explanation to reach it, short enough that a flood costs little.
inline constexpr clock::duration kRefusalDrain = std::chrono::milliseconds(500);

// One connection: reads lines and passes them to `sink` until EOF, waits for the sink to
// flush, replies format_ack(), closes gracefully. A line over max_line ends the connection:
// the client is sent "error: line too long (over N bytes)\n", the socket is closed, and
// tcpkit::error(errc::line_too_long) is thrown with the counts so far. A sink that fails ends
// the session as this side's (close_how::error), unacknowledged, with the sink's error. A reset
// in answer to the acknowledgement (the client had gone) throws: it was not delivered.
asio::awaitable<void> async_serve_lines_client(connection& conn, session_context& context, line_sink& sink,
                                         lines_server_options options);

// async_serve_lines_client as a session handler for tcpkit::server. `sink` must outlive the server.
session_handler lines_handler(line_sink& sink, lines_server_options options);

}  // namespace tcpkit
