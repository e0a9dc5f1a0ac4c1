// What every server command (sixteen, uppercase, lines) does the same way: open its server from
// the common options, announce it, and end with the summary and the exit status (SPEC §2).
#pragma once

#include "common_options.hpp"
#include "run_guard.hpp"

#include "tcpkit/report.hpp"
#include "tcpkit/server.hpp"
#include "tcpkit/trace.hpp"

#include <asio/io_context.hpp>

#include <string_view>
#include <vector>

namespace tcpkit::cli {

// A server listening where HOST, -p and -4/-6 say, with `serving` (the program's server
// options, usually options.server()) and, if not null, every session traced into `trace`.
// If it cannot listen, reports the run's error and end (tcpkit/run_outcome.hpp) and throws.
server open_server(asio::io_context& io, const common_options& options, reporter& report, server_options serving,
                   tracer* trace);

// "Listening at ADDR:PORT", with the program's name and its own `extra` fields in JSON.
void announce_listening(reporter& report, const server& srv, std::string_view program, std::vector<field> extra = {});

// Serves with `handler` until the server ends by itself (--once, an accept failure) or is
// stopped. Every server stops the same way, through server::stop(): on SIGINT, SIGTERM or SIGHUP
// (SPEC §2), or when the program calls it (the lines server's stdout broke). It stops accepting
// and closes each live session FIN-first; this returns once they have ended with their
// summaries (within the drain deadline), or at once on a second signal. `status` stays 0.
run_result serve_until_stopped(asio::io_context& io, server& srv, session_handler handler);

// Waits for the sessions of the other loops (--threads), prints "Served N connections: F
// failed, R refused" and returns the exit status: 0 for a server stopped by a signal (it has
// done its job), the last session's error class for --once, else what the server's loop returned.
int end_server(reporter& report, server& srv, const run_result& result, bool once);

}  // namespace tcpkit::cli
