// The lines client: sends a file (or stdin) to a lines server in large writes, half-closes,
// and checks the server's acknowledgement against what it sent (tcpkit/programs/lines_protocol.hpp).
//
// Sending and receiving run at once, so a server that refuses the data early ("error: line
// too long ...") is heard even while we are still sending, and its words become the error.
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/fd_source.hpp"
#include "tcpkit/programs/lines_protocol.hpp"
#include "tcpkit/core/report.hpp"

#include <asio/awaitable.hpp>

#include <string>

namespace tcpkit {

struct lines_client_options : client_target {  // io_timeout: no progress for this long, give up
  std::string input_name = "stdin";  // for messages
  // false: the server sends no acknowledgement (the lab's own server, which prints the lines
  // and closes at our EOF): success is its clean close (--no-ack).
  bool expect_ack = true;
};

struct lines_client_result {
  line_count sent;
  line_count acknowledged;  // equal to `sent` (nothing when no acknowledgement was expected)
  double seconds = 0;
};

// Connects, sends every byte of `input`, half-closes, and waits for the acknowledgement: once
// its line is in and matches, the exchange has succeeded, whether or not the server closes.
// Without expect_ack it waits for the server's clean close instead. Waiting for `input` (a
// person typing) does not count against io_timeout. Throws tcpkit::error: errc::data_mismatch
// (exit 6) when the acknowledgement differs from what was sent or the server answered
// something else (its words are quoted in the message), errc::short_read when it closed without
// answering, errc::timed_out (saying what the queues show), or the connect/send error.
asio::awaitable<lines_client_result> async_run_lines_client(const lines_client_options& options, byte_source& input,
                                                      reporter& report);

}  // namespace tcpkit
