#include "tcpkit/lifecycle/client.hpp"

#include "tcpkit/lifecycle/run_outcome.hpp"
#include "tcpkit/instruments/session_summary.hpp"

#include <optional>

namespace tcpkit {
namespace {

// The exchange on a connected connection, up to its summary; its failure is noted and
// summarised before it goes on.
asio::awaitable<void> run_connected(client_session& session, connection& conn, reporter& report) {
  try {
    co_await session.exchange(conn);
  } catch (const std::exception& e) {
    conn.note_failure(e);
    report_session(report, conn, "client");
    if (session.reset_on_failure && session.reset_on_failure() && conn.is_open()) abort_connection(conn.socket());
    throw;
  }
  if (conn.is_open()) co_await conn.async_graceful_close();
  report_session(report, conn, "client");
  if (session.finished) session.finished(conn);
}

}  // namespace

asio::awaitable<void> async_run_client(client_session session, reporter& report) {
  std::optional<connection> conn;
  try {
    std::optional<tcp::socket> socket = co_await async_connect_unless_stopped(session.target, session.stop);
    if (!socket) {
      if (session.stopped) session.stopped();
      co_return;
    }
    std::string peer = peer_name(*socket);
    conn.emplace(std::move(*socket), std::move(peer),
                 connection_options{session.target.io_timeout, report.wants(event_type::session)});
    if (session.connected) session.connected(*conn);
    co_await run_connected(session, *conn, report);
  } catch (const std::exception& e) {
    report_run_failure(report, e, conn ? conn->closing() : close_watch{}, conn ? conn->peer() : std::string());
    throw;
  }
}

}  // namespace tcpkit
