// What every client command (sixteen, uppercase, lines) does the same way: refuse port 0, open
// its output and the --packets capture toward HOST:PORT, run the exchange with signals, and
// finish the capture once it ends (SPEC §2). A client says only how it exchanges.
#pragma once

#include "common_options.hpp"
#include "packets.hpp"

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/report.hpp"

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <functional>

namespace tcpkit::cli {

class client_runner {
 public:
  // Throws tcpkit::error: port 0 (exit 2), capturing asked for but not permitted (exit 3).
  explicit client_runner(const common_options& options);

  // The run's own events (an error before any connection); report(): what the client reports
  // to, with segment counts in its session summary.
  reporter& out() noexcept { return out_.report(); }
  reporter& report() noexcept { return wire_.report(); }
  // options.connect(), with the capture told each attempt's 4-tuple before its SYN leaves.
  connect_options connect();
  // The client's options as parsed, aimed where the common options say (HOST, -p, -4/-6,
  // --connect-timeout, --idle-timeout): the one place the shared part is filled in.
  template <class Options>
  Options aimed(Options client) {
    static_cast<client_target&>(client) = target();
    return client;
  }

  // Runs `session` on `io` until it ends or SIGINT/SIGTERM cancels it (130, 143), then waits
  // for the capture's last segments. Returns the exit status; `session`'s exceptions propagate.
  int run(asio::io_context& io, asio::awaitable<void> session);
  // The same for blocking work: a signal calls `stop`, which must make `body` return soon.
  int run_blocking(const std::function<void()>& body, const std::function<void()>& stop);

 private:
  client_target target();

  const common_options& options_;
  output out_;
  packets wire_;
};

}  // namespace tcpkit::cli
