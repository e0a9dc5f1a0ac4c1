#include "tcpkit/programs/sixteen.hpp"

#include "tcpkit/lifecycle/client.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/instruments/session_summary.hpp"

#include <fmt/format.h>

#include <array>

namespace tcpkit {
server_options sixteen_server_options(server_options base) {
  base.waiting_text = "Waiting to accept a new connection";
  return base;
}

asio::awaitable<void> async_serve_sixteen_client(connection& conn, session_context& context) {
  // Events are built only for a reporter that shows them: under -q their strings and the
  // getsockname() for "local" would be most of the work of an exchange.
  reporter& report = context.report;
  if (report.wants(event_type::connection)) {
    report.emit({event_type::connection,
                 "We have accepted a connection from {peer}\n  Socket name: {local}\n  Socket peer: {peer}",
                 {{"conn", context.id}, {"local", local_name(conn.socket())}, {"peer", conn.peer()}}});
  }
  // No TCP_NODELAY here: the server writes once, with nothing unacknowledged in flight, so
  // Nagle's algorithm never holds the reply back (one setsockopt() per connection saved).

  std::array<char, kSixteenOctets> message{};
  co_await conn.async_recv_exact(asio::buffer(message));
  if (report.wants(event_type::progress)) {
    report.emit({event_type::progress,
                 "  Incoming sixteen-octet message: {message}",
                 {{"conn", context.id},
                  {"message", payload{std::string(message.data(), message.size())}},
                  {"bytes_received", std::uint64_t{kSixteenOctets}}}});
  }

  co_await conn.async_send_all(asio::buffer(kFarewell));
  // Nobody reads how the close went (-q): it is left to the server, which closes what a handler
  // leaves open, gracefully, without keeping this session's frames until the client's FIN.
  if (!report.wants(event_type::end)) co_return;
  const close_how outcome = co_await conn.async_graceful_close();
  report.emit({event_type::end,
               "  Reply sent, socket closed",
               {{"conn", context.id},
                {"peer", conn.peer()},
                {"bytes_sent", std::uint64_t{kFarewell.size()}},
                {"bytes_received", std::uint64_t{kSixteenOctets}},
                {"seconds", seconds_since(conn.opened())},
                {"close", std::string(to_string(outcome))}}});
}

session_handler sixteen_handler() { return async_serve_sixteen_client; }

namespace {

// The run's last event: its totals (the people's text was the reply) and how the connection closed.
void report_end(reporter& report, const sixteen_result& result, const connection& conn) {
  event end{event_type::end,
            {},
            {{"peer", conn.peer()},
             {"reply", payload{result.reply}},
             {"bytes_sent", conn.traffic().bytes_sent()},
             {"bytes_received", std::uint64_t{result.reply.size()}},
             {"seconds", result.seconds}}};
  add_closing_fields(end, conn.closing(), "client");
  report.emit(end);
}

// The exchange: send, half-close, read the reply, within the idle deadline.
asio::awaitable<void> exchange_sixteen(connection& conn, const sixteen_client_options& options, reporter& report,
                                       sixteen_result& result, clock::time_point start) {
  std::array<char, kSixteenOctets> reply{};
  auto exchange = [&]() -> asio::awaitable<void> {
    co_await conn.async_send_all(asio::buffer(options.message));
    // Half-close: "that is all I will send". A server still waiting for 16 bytes now sees EOF
    // at once and says how many arrived, instead of both sides waiting for each other.
    // If the server has already reset the connection (a server at --max-conns closes at once),
    // shutdown fails with ENOTCONN, which says nothing useful: the receive below reports what
    // really happened (the reset, or EOF after N bytes).
    (void)conn.half_close();
    co_await conn.async_recv_exact(asio::buffer(reply));
  };
  if (!co_await run_until(exchange(), conn.idle().expired())) {
    throw error(errc::timed_out, "recv", conn.peer(),
                fmt::format("no reply for {:g} s", std::chrono::duration<double>(options.io_timeout).count()));
  }
  result = {std::string(reply.data(), reply.size()), seconds_since(start)};
  report.emit({event_type::progress, "The server said {reply}", {{"reply", payload{result.reply}}}});
}

}  // namespace

asio::awaitable<sixteen_result> async_run_sixteen_client(sixteen_client_options options, reporter& report) {
  const auto start = clock::now();
  report.emit({event_type::start,
               {},
               {{"program", std::string("sixteen")},
                {"role", std::string("client")},
                {"host", options.host},
                {"port", std::uint64_t{options.port}},
                {"message", payload{options.message}}}});
  sixteen_result result;
  client_session session;
  session.target = options;
  session.target.connect.no_delay = true;
  session.connected = [&](connection& conn) {
    report.emit({event_type::connection,
                 "Client has been assigned socket name {local}",
                 {{"local", local_name(conn.socket())}, {"peer", conn.peer()}}});
  };
  session.exchange = [&](connection& conn) { return exchange_sixteen(conn, options, report, result, start); };
  session.finished = [&](connection& conn) { report_end(report, result, conn); };
  co_await async_run_client(std::move(session), report);
  co_return result;
}

}  // namespace tcpkit
