#include "tcpkit/sixteen.hpp"

#include "tcpkit/close.hpp"
#include "tcpkit/errors.hpp"
#include "tcpkit/io.hpp"
#include "tcpkit/run_outcome.hpp"

#include <fmt/format.h>

#include <array>

namespace tcpkit {
namespace {

double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

}  // namespace

server_options sixteen_server_options(server_options base) {
  base.waiting_text = "Waiting to accept a new connection";
  return base;
}

asio::awaitable<void> serve_sixteen_client(tcp::socket& socket, session_context& context) {
  const auto start = clock::now();
  const std::string_view peer = context.peer;
  // Events are built only for a reporter that shows them: under -q their strings and the
  // getsockname() for "local" would be most of the work of an exchange.
  reporter& report = context.report;
  if (report.wants(event_type::connection)) {
    report.emit({event_type::connection,
                 "We have accepted a connection from {peer}\n  Socket name: {local}\n  Socket peer: {peer}",
                 {{"conn", context.id}, {"local", local_name(socket)}, {"peer", std::string(peer)}}});
  }
  // No TCP_NODELAY here: the server writes once, with nothing unacknowledged in flight, so
  // Nagle's algorithm never holds the reply back (one setsockopt() per connection saved).

  std::array<char, kSixteenOctets> message{};
  try {
    co_await async_recv_exact(socket, asio::buffer(message), &context.idle, peer);
  } catch (const short_read& e) {
    context.traffic.add_received(e.received());  // the session's summary counts what did arrive
    throw;
  }
  context.traffic.add_received(message.size());
  if (report.wants(event_type::progress)) {
    report.emit({event_type::progress,
                 "  Incoming sixteen-octet message: {message}",
                 {{"conn", context.id},
                  {"message", payload{std::string(message.data(), message.size())}},
                  {"bytes_received", std::uint64_t{kSixteenOctets}}}});
  }

  co_await async_send_all(socket, asio::buffer(kFarewell), &context.idle, peer);
  context.traffic.add_sent(kFarewell.size());
  const close_outcome outcome = co_await async_graceful_close(socket, kDefaultDrain, &context.closing);
  if (!report.wants(event_type::end)) co_return;
  report.emit({event_type::end,
               "  Reply sent, socket closed",
               {{"conn", context.id},
                {"peer", std::string(peer)},
                {"bytes_sent", std::uint64_t{kFarewell.size()}},
                {"bytes_received", std::uint64_t{kSixteenOctets}},
                {"seconds", seconds_since(start)},
                {"close", std::string(to_string(outcome))}}});
}

namespace {

// The run's last event: its totals (the people's text was the reply) and how the connection closed.
void report_end(reporter& report, const sixteen_result& result, const std::string& peer, std::uint64_t bytes_sent,
                const close_watch& closing) {
  event end{event_type::end,
            {},
            {{"peer", peer},
             {"reply", payload{result.reply}},
             {"bytes_sent", bytes_sent},
             {"bytes_received", std::uint64_t{result.reply.size()}},
             {"seconds", result.seconds}}};
  add_closing_fields(end, closing, "client");
  report.emit(end);
}

// The exchange on a connected socket, up to its session's summary and the run's end.
asio::awaitable<sixteen_result> exchange_sixteen(tcp::socket& socket, const sixteen_client_options& options,
                                                 reporter& report, close_watch& closing, clock::time_point start) {
  const std::string peer = peer_name(socket);
  const auto connected = clock::now();
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  auto summarize = [&] {
    report_session(report, closing, socket, {"client", 0, peer, bytes_sent, bytes_received, clock::now() - connected});
  };
  idle_deadline idle(options.io_timeout);
  std::array<char, kSixteenOctets> reply{};
  auto exchange = [&]() -> asio::awaitable<void> {
    co_await async_send_all(socket, asio::buffer(options.message), &idle, peer);
    bytes_sent = options.message.size();
    // Half-close: "that is all I will send". A server still waiting for 16 bytes now sees EOF
    // at once and says how many arrived, instead of both sides waiting for each other.
    // If the server has already reset the connection (a server at --max-conns closes at once),
    // shutdown fails with ENOTCONN, which says nothing useful: the receive below reports what
    // really happened (the reset, or EOF after N bytes).
    closing.note_closing(socket);
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    try {
      co_await async_recv_exact(socket, asio::buffer(reply), &idle, peer);
    } catch (const short_read& e) {
      bytes_received = e.received();
      throw;
    }
    bytes_received = reply.size();
  };
  try {
    if (!co_await run_until(exchange(), idle.expired())) {
      throw error(errc::timed_out, "recv", peer,
                  fmt::format("no reply for {:g} s", std::chrono::duration<double>(options.io_timeout).count()));
    }
  } catch (const std::exception& e) {
    // Interrupted (the exchange cancelled), timed out, or broken: still a session to summarize.
    closing.note_failure(socket, e);
    summarize();
    throw;
  }
  sixteen_result result{std::string(reply.data(), reply.size()), seconds_since(start)};
  report.emit({event_type::progress, "The server said {reply}", {{"reply", payload{result.reply}}}});
  co_await async_graceful_close(socket, kDefaultDrain, &closing);
  summarize();
  report_end(report, result, peer, bytes_sent, closing);
  co_return result;
}

}  // namespace

asio::awaitable<sixteen_result> run_sixteen_client(sixteen_client_options options, reporter& report) {
  const auto start = clock::now();
  report.emit({event_type::start,
               {},
               {{"program", std::string("sixteen")},
                {"role", std::string("client")},
                {"host", options.host},
                {"port", std::uint64_t{options.port}},
                {"message", payload{options.message}}}});
  close_watch closing(report.wants(event_type::session));
  std::string peer;
  try {
    connect_options connect = options.connect;
    connect.no_delay = true;
    tcp::socket socket = co_await async_connect_to(options.host, options.port, connect);
    peer = peer_name(socket);
    report.emit({event_type::connection,
                 "Client has been assigned socket name {local}",
                 {{"local", local_name(socket)}, {"peer", peer}}});
    co_return co_await exchange_sixteen(socket, options, report, closing, start);
  } catch (const std::exception& e) {
    report_run_failure(report, e, closing, peer);
    throw;
  }
}

}  // namespace tcpkit
