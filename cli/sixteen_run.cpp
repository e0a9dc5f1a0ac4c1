// tcpkit sixteen server|client, once parsed: wiring options to tcpkit/programs/sixteen.hpp.
#include "actions.hpp"
#include "client_command.hpp"
#include "server_command.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/listen.hpp"
#include "tcpkit/programs/sixteen.hpp"

#include <asio/io_context.hpp>

namespace tcpkit::cli {

int sixteen_server_main(const common_options& options) {
  return server_runner(options).run({.name = "sixteen",
                                     .serving = sixteen_server_options(options.server()),
                                     .handler = [](server&) { return sixteen_handler(); }});
}

int sixteen_client_main(const common_options& options, const sixteen_client_options& settings) {
  client_runner runner(options);
  const sixteen_client_options client = runner.aimed(settings);
  auto session = [&]() -> asio::awaitable<void> { co_await async_run_sixteen_client(client, runner.report()); };
  asio::io_context io;
  return runner.run(io, session());
}

}  // namespace tcpkit::cli
