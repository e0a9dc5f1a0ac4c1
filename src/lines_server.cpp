#include "tcpkit/lines_server.hpp"

#include "tcpkit/close.hpp"
#include "tcpkit/errors.hpp"
#include "tcpkit/io.hpp"

#include <fmt/format.h>

#include <optional>

namespace tcpkit {
namespace {

double seconds_since(clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); }

// Tells the client why it is cut off, then closes. Best effort: a client that does not read
// gets the reset alone. The drain after the shutdown gives the explanation time to arrive
// before the close resets a connection that still has unread input. Co_await it at once:
// `context` is a reference.
asio::awaitable<void> refuse(tcp::socket& socket, const error& reason, session_context& context) {
  const std::string notice = fmt::format("{}{}\n", kRefusalPrefix, reason.reason());
  auto tell = [&]() -> asio::awaitable<void> {
    co_await async_send_all(socket, asio::buffer(notice));
    context.traffic.add_sent(notice.size());
  };
  context.closing.note_failure(socket, reason);  // this side ends the session, before any FIN of its own
  try {
    co_await complete_within(tell(), kRefusalDrain);
  } catch (const error&) {
    // The client is gone already; closing is all that is left.
  }
  co_await async_graceful_close(socket, kRefusalDrain, &context.closing);
}

// Waits for the sink. A sink that fails (a broken stdout) is this side's failure, not the
// client's: the session is noted as ended by us over an error, and the error goes on to the
// session's root, so that nothing is acknowledged.
asio::awaitable<void> await_sink(asio::awaitable<void> op, session_context& context) {
  const auto hold = context.idle.hold();  // waiting for the sink is not the client's inactivity
  try {
    co_await std::move(op);
  } catch (const error&) {
    context.closing.note_cut(close_how::error);
    throw;
  }
}

}  // namespace

asio::awaitable<void> serve_lines_client(tcp::socket& socket, session_context& context, line_sink& sink,
                                         lines_server_options options) {
  const auto start = clock::now();
  const std::string peer(context.peer);
  context.report.emit({event_type::connection,
                       "Reading lines from {peer}",
                       {{"conn", context.id}, {"local", local_name(socket)}, {"peer", peer}}});

  line_reader reader(socket, options.max_line, &context.idle, peer);
  std::optional<error> too_long;
  try {
    while (auto block = co_await reader.async_read_lines()) {
      context.traffic.add_received(reader.bytes_read() - context.traffic.bytes_received());
      co_await await_sink(sink.async_write(*block), context);
    }
  } catch (const error& e) {
    if (e.code() != errc::line_too_long) throw;
    too_long = e;  // refused below: a catch handler cannot co_await
  }
  const line_count received{reader.lines_read(), reader.bytes_read()};

  if (too_long) {
    co_await refuse(socket, *too_long, context);
    throw error(too_long->code(), too_long->operation(), too_long->endpoint(),
                fmt::format("{}; connection closed after {}", too_long->reason(), describe(received)));
  }

  co_await await_sink(sink.async_flush(), context);
  const std::string ack = format_ack(received);
  co_await async_send_all(socket, asio::buffer(ack), &context.idle, peer);
  context.traffic.add_sent(ack.size());
  const close_outcome outcome = co_await async_graceful_close(socket, kDefaultDrain, &context.closing);
  // send() only queued the acknowledgement. A reset in answer to it means the client had
  // gone (closed without reading) or reset: it never got it, and the exchange failed.
  if (outcome == close_outcome::reset) {
    throw error(std::make_error_code(std::errc::connection_reset), "acknowledge", peer,
                "the client reset the connection; the acknowledgement was not delivered");
  }
  context.report.emit({event_type::end,
                       "  {peer}: received {lines_received} lines, {bytes_received} bytes; acknowledged, socket closed",
                       {{"conn", context.id},
                        {"peer", peer},
                        {"lines_received", received.lines},
                        {"bytes_received", received.bytes},
                        {"seconds", seconds_since(start)},
                        {"close", std::string(to_string(outcome))}}});
}

session_handler lines_session(line_sink& sink, lines_server_options options) {
  return [&sink, options](tcp::socket& socket, session_context& context) {
    return serve_lines_client(socket, context, sink, options);
  };
}

}  // namespace tcpkit
