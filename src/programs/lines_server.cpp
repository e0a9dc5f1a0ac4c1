#include "tcpkit/programs/lines_server.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"

#include <fmt/format.h>

#include <optional>

namespace tcpkit {
namespace {

// Tells the client why it is cut off, then closes. Best effort: a client that does not read
// gets the reset alone. The drain after the shutdown gives the explanation time to arrive
// before the close resets a connection that still has unread input. Co_await it at once:
// `conn` is a reference.
asio::awaitable<void> refuse(connection& conn, const error& reason) {
  const std::string notice = fmt::format("{}{}\n", kRefusalPrefix, reason.reason());
  conn.note_failure(reason);  // this side ends the session, before any FIN of its own
  try {
    co_await complete_within(conn.async_send_all(asio::buffer(notice)), kRefusalDrain);
  } catch (const error&) {
    // The client is gone already; closing is all that is left.
  }
  co_await conn.async_graceful_close(kRefusalDrain);
}

// Waits for the sink. A sink that fails (a broken stdout) is this side's failure, not the
// client's: the session is noted as ended by us over an error, and the error goes on to the
// session's root, so that nothing is acknowledged.
asio::awaitable<void> await_sink(asio::awaitable<void> op, connection& conn) {
  const auto hold = conn.idle().hold();  // waiting for the sink is not the client's inactivity
  try {
    co_await std::move(op);
  } catch (const error&) {
    conn.note_cut(close_how::error);
    throw;
  }
}

// Reads lines into the sink until EOF. A line over max_line is returned as the error to refuse.
asio::awaitable<std::optional<error>> pass_lines(line_reader& reader, line_sink& sink, connection& conn) {
  try {
    while (auto block = co_await reader.async_read_lines()) co_await await_sink(sink.async_write(*block), conn);
  } catch (const error& e) {
    if (e.code() != errc::line_too_long) throw;
    co_return e;  // refused by the caller: a catch handler cannot co_await
  }
  co_return std::nullopt;
}

}  // namespace

asio::awaitable<void> async_serve_lines_client(connection& conn, session_context& context, line_sink& sink,
                                         lines_server_options options) {
  const auto start = clock::now();
  context.report.emit({event_type::connection,
                       "Reading lines from {peer}",
                       {{"conn", context.id}, {"local", local_name(conn.socket())}, {"peer", conn.peer()}}});

  line_reader reader(conn, options.max_line);
  const std::optional<error> too_long = co_await pass_lines(reader, sink, conn);
  const line_count received{reader.lines_read(), reader.bytes_read()};
  if (too_long) {
    co_await refuse(conn, *too_long);
    throw error(too_long->code(), too_long->operation(), too_long->endpoint(),
                fmt::format("{}; connection closed after {}", too_long->reason(), describe(received)));
  }

  co_await await_sink(sink.async_flush(), conn);
  co_await conn.async_send_all(asio::buffer(format_ack(received)));
  const close_how outcome = co_await conn.async_graceful_close();
  // send() only queued the acknowledgement. A reset in answer to it means the client had
  // gone (closed without reading) or reset: it never got it, and the exchange failed.
  if (outcome == close_how::reset) {
    throw error(std::make_error_code(std::errc::connection_reset), "acknowledge", conn.peer(),
                "the client reset the connection; the acknowledgement was not delivered");
  }
  context.report.emit({event_type::end,
                       "  {peer}: received {lines_received} lines, {bytes_received} bytes; acknowledged, socket closed",
                       {{"conn", context.id},
                        {"peer", conn.peer()},
                        {"lines_received", received.lines},
                        {"bytes_received", received.bytes},
                        {"seconds", seconds_since(start)},
                        {"close", std::string(to_string(outcome))}}});
}

session_handler lines_handler(line_sink& sink, lines_server_options options) {
  return [&sink, options](connection& conn, session_context& context) {
    return async_serve_lines_client(conn, context, sink, options);
  };
}

}  // namespace tcpkit
