// The lifecycle every tcpkit client shares, beside server::run's for sessions:
//
//   connect (with its deadline) ──> connected ──> exchange ──> graceful close ──> summary ──> finished
//      │ stop requested                              │ throws
//      └──> stopped                                  └──> note the failure ──> summary ──> [reset] ──> error, end
//
// A client's session body (the exchange) only moves bytes through its connection and judges
// what came back: the summary, the close and the run's failure events are all said here.
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/report.hpp"

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>

namespace tcpkit {

struct client_session {
  client_target target;
  // Called once connected (the `connection` event), then the exchange; throwing ends the run.
  std::function<void(connection&)> connected;
  // The session body. An exchange that closed its connection itself (connection::close(), cut
  // short by this side) is not closed again: the summary follows at once.
  std::function<asio::awaitable<void>(connection&)> exchange;
  // After a failed exchange and its summary: true to reset the connection rather than close it
  // (a transfer cut short must not look complete to the peer). Unset: closed.
  std::function<bool()> reset_on_failure;
  // After the graceful close and the summary: the run's `end`.
  std::function<void(connection&)> finished;
  // A stop request (from any thread) while connecting abandons the connect; the run then ends
  // by `stopped` (its `end`), without an error. Once connected, the exchange watches it itself.
  std::stop_token stop;
  std::function<void()> stopped;
};

// Runs `session` to its end. A failure (connecting, the exchange) is reported (the session's
// summary if connected, then tcpkit/lifecycle/run_outcome.hpp's `error` and `end`) and rethrown. `report`
// must outlive the coroutine.
asio::awaitable<void> async_run_client(client_session session, reporter& report);

}  // namespace tcpkit
