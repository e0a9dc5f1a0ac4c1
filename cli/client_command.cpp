#include "client_command.hpp"

#include "run_guard.hpp"
#include "values.hpp"

namespace tcpkit::cli {
namespace {

const common_options& with_destination_port(const common_options& options) {
  require_destination_port(options);
  return options;
}

asio::awaitable<int> exit_zero(asio::awaitable<void> session) {
  co_await std::move(session);
  co_return 0;
}

}  // namespace

client_runner::client_runner(const common_options& options)
    : options_(with_destination_port(options)), out_(options), wire_(options, out_.report()) {
  wire_.start_client(options);  // the interface HOST:PORT is reached by
}

connect_options client_runner::connect() {
  connect_options connect = options_.connect();
  connect.before_connect = wire_.before_connect();  // --packets: capture from the SYN on
  return connect;
}

client_target client_runner::target() {
  return {.host = options_.host, .port = options_.port, .connect = connect(), .io_timeout = seconds(options_.idle_timeout_s)};
}

int client_runner::run(asio::io_context& io, asio::awaitable<void> session) {
  const int status = run_with_signals(io, exit_zero(std::move(session))).status;
  wire_.finish();
  return status;
}

int client_runner::run_blocking(const std::function<void()>& body, const std::function<void()>& stop) {
  auto exit_zero_body = [&body] {
    body();
    return 0;
  };
  const int status = run_blocking_with_signals(exit_zero_body, stop).status;
  wire_.finish();
  return status;
}

}  // namespace tcpkit::cli
