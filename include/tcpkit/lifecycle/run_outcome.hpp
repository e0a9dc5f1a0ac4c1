// How a run that fails ends in its event stream (SPEC §5): `end` is the last event of every run,
// and a failed run reports its failure as an `error` event too, besides the CLI's line on stderr.
//
//   client  start, connection, progress..., session, end            the exchange succeeded
//           start, [connection, progress..., session,] error, end   it failed: refused, timed
//                                                                   out, broken, interrupted
//   server  error, end                                              it could not listen
#pragma once

#include "tcpkit/core/report.hpp"
#include "tcpkit/instruments/session_summary.hpp"

#include <exception>
#include <string_view>

namespace tcpkit {

// For a run that failed with `failure`: an `error` event (operation, message and exit_status;
// no text, since the CLI prints the failure's one line on stderr itself), then the run's `end`
// with its exit_status and, if a connection to `peer` was made (`peer` not empty), how it
// closed as `watch` noted it. A client calls it after its session's summary.
void report_run_failure(reporter& report, const std::exception& failure, const close_watch& watch = {},
                        std::string_view peer = {});

}  // namespace tcpkit
