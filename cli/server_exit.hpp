// How every server command ends: the summary line, then the exit status (SPEC §2).
#pragma once

#include "run_guard.hpp"

#include "tcpkit/report.hpp"
#include "tcpkit/server.hpp"

namespace tcpkit::cli {

// Prints "Served N connections: F failed, R refused" and returns the exit status: 0 for a
// server stopped by a signal (it has done its job), the last session's error class for --once,
// else what the server's loop returned.
int end_server(reporter& report, const server& srv, const run_result& result, bool once);

}  // namespace tcpkit::cli
