// tcpkit uppercase server|client, once parsed: wiring options to tcpkit/programs/uppercase_server.hpp and
// tcpkit/programs/uppercase_client.hpp.
#include "actions.hpp"
#include "client_command.hpp"
#include "server_command.hpp"
#include "tracing.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/programs/uppercase_client.hpp"
#include "tcpkit/programs/uppercase_server.hpp"

#include <stop_token>

namespace tcpkit::cli {

int uppercase_server_main(const common_options& options, std::size_t chunk) {
  return server_runner(options).run({.name = "uppercase",
                                     .serving = options.server(),
                                     .announced = {{"chunk_bytes", std::uint64_t{chunk}}},
                                     .handler = [chunk](server&) { return uppercase_handler(chunk); }});
}

int uppercase_client_main(const common_options& options, const uppercase_client_options& settings) {
  client_runner runner(options);
  uppercase_client_options client = runner.aimed(settings);
  const std::unique_ptr<tracer> trace = open_trace(options);
  client.trace = trace.get();
  std::stop_source stop;
  return runner.run_blocking([&] { run_uppercase_client(client, runner.report(), stop.get_token()); },
                             [&] { stop.request_stop(); });
}

}  // namespace tcpkit::cli
