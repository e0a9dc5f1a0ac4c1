#include "server_exit.hpp"

#include "tcpkit/errors.hpp"

namespace tcpkit::cli {

int end_server(reporter& report, const server& srv, const run_result& result, bool once) {
  const server_stats stats = srv.stats();
  report.emit({event_type::end,
               stats.accepted == 1 ? "Served {connections} connection: {failed} failed, {refused} refused"
                                   : "Served {connections} connections: {failed} failed, {refused} refused",
               {{"connections", stats.accepted}, {"failed", stats.failed}, {"refused", stats.refused}}});
  if (result.signal != 0) return 0;
  if (once && srv.last_error()) return static_cast<int>(classify(srv.last_error()));
  return result.status;
}

}  // namespace tcpkit::cli
