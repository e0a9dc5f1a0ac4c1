#include "tcpkit/programs/lines_client.hpp"

#include "tcpkit/lifecycle/client.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"
#include "tcpkit/instruments/session_summary.hpp"
#include "tcpkit/core/socket_queues.hpp"

#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <array>
#include <exception>
#include <optional>

namespace tcpkit {
namespace {

// An acknowledgement is one short line; a server that says more is not a lines server.
constexpr std::size_t kMaxReply = 4096;

asio::awaitable<void> wait_forever() {
  asio::steady_timer never(co_await asio::this_coro::executor, clock::time_point::max());
  co_await never.async_wait(asio::use_awaitable);
}

std::string_view first_line(std::string_view text) {
  const auto newline = text.find('\n');
  return newline == std::string_view::npos ? text : text.substr(0, newline);
}

// What both directions of the exchange found. Socket errors are kept here rather than thrown,
// so that a server which refuses the data and resets the connection is still heard: its
// explanation is read even after our sending has failed.
struct exchange_state {
  line_counter sent;
  bool sent_all = false;  // every byte sent and the sending side shut down
  std::error_code send_error;
  std::string reply;
  bool peer_closed = false;  // the server's EOF arrived
  std::error_code recv_error;
};

asio::awaitable<void> send_input(connection& conn, byte_source& input, exchange_state& state) {
  for (;;) {
    std::string_view chunk;
    {
      const auto hold = conn.idle().hold();  // a person typing is not the connection stalling
      chunk = co_await input.async_read_chunk();
    }
    if (chunk.empty()) break;
    state.sent.add(chunk);
    try {
      co_await conn.async_send_all(asio::buffer(chunk));
    } catch (const error& e) {
      state.send_error = e.code();
      co_return;
    }
  }
  // Half-close: "that is all". The server's reading loop ends at this EOF and it replies.
  state.send_error = conn.half_close();
  state.sent_all = !state.send_error;
}

// Reads what the server sends: until its EOF, or (expecting an acknowledgement) until the first
// line is one, since the acknowledgement is one line and a server may keep its side open after
// it. Any other first line (a refusal) is followed by the server's close: read on to it, so that
// the summary says who closed first. After an acknowledgement, the graceful close still waits
// (within its drain) for the server's EOF: the server's close says it is done.
asio::awaitable<void> receive_reply(connection& conn, bool expect_ack, exchange_state& state) {
  std::array<char, 1024> chunk;
  while (state.reply.size() <= kMaxReply) {
    if (expect_ack && state.reply.find('\n') != std::string::npos && parse_ack(first_line(state.reply))) co_return;
    std::error_code ec;
    const std::size_t n = co_await conn.async_read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::eof) {
      state.peer_closed = true;
      co_return;
    }
    if (ec) {
      state.recv_error = ec;
      co_return;
    }
    state.reply.append(chunk.data(), n);
  }
}

// Turns what the exchange found into the acknowledged count, or the error that explains it.
line_count check_reply(const exchange_state& state, const std::string& peer) {
  const line_count sent = state.sent.count();
  if (state.reply.empty()) {
    if (state.send_error) throw error(state.send_error, "send", peer);
    if (state.recv_error) throw error(state.recv_error, "recv", peer);
    throw error(errc::short_read, "recv", peer,
                fmt::format("the server closed the connection without an acknowledgement ({} sent); if it sends "
                            "none, run with --no-ack",
                            describe(sent)));
  }
  const std::string_view said = first_line(state.reply);
  const auto ack = parse_ack(said);
  if (!ack || state.reply.size() > kMaxReply) {
    const bool refused = said.starts_with(kRefusalPrefix);
    throw error(errc::data_mismatch, refused ? "send" : "recv", peer,
                fmt::format("{} {}", refused ? "the server refused the data:" : "not an acknowledgement:",
                            quote_bytes(refused ? said.substr(kRefusalPrefix.size()) : said)));
  }
  if (!state.sent_all) {  // acknowledged, but not all was sent
    if (state.send_error) throw error(state.send_error, "send", peer);
    throw error(errc::data_mismatch, "ack", peer,
                fmt::format("the server acknowledged {} before the end of the input", describe(*ack)));
  }
  if (*ack != sent) {
    throw error(errc::data_mismatch, "ack", peer,
                fmt::format("the server received {}, but {} were sent", describe(*ack), describe(sent)));
  }
  return *ack;
}

// Without an acknowledgement, success is the server's clean close after taking in everything.
void check_close(const exchange_state& state, const std::string& peer) {
  if (state.send_error) throw error(state.send_error, "send", peer);
  if (state.recv_error) throw error(state.recv_error, "recv", peer);
  if (!state.sent_all) {
    throw error(errc::short_read, "send", peer,
                fmt::format("the server closed the connection before the end of the input ({} sent)",
                            describe(state.sent.count())));
  }
  if (!state.peer_closed) {
    throw error(errc::data_mismatch, "recv", peer,
                fmt::format("the server sent more than {} bytes instead of closing the connection", kMaxReply));
  }
}

// No progress for io_timeout: what we were waiting for, and what our socket's queues say about
// why. A server that has taken in everything (our send queue empty) and neither answers nor
// closes is the makefile() pitfall: closing the socket alone sends no FIN while the file made
// from it is open.
error no_progress_error(tcp::socket& socket, const exchange_state& state, const lines_client_options& options,
                        const std::string& peer) {
  const std::string limit = fmt::format("no progress for {:g} s", std::chrono::duration<double>(options.io_timeout).count());
  if (!state.sent_all) return error(errc::timed_out, "send", peer, limit);
  const std::string_view waiting = options.expect_ack ? " waiting for the acknowledgement" : " waiting for the server to close";
  const std::optional<socket_queues> queues = read_socket_queues(socket);
  std::string why;
  if (queues && queues->send_queue > 0) {
    why = fmt::format(": {} bytes sent are still in our send queue (the server is not reading)", queues->send_queue);
  } else if (queues && state.reply.empty()) {
    why = fmt::format(": the server has read everything sent (our send queue is empty) but {} the connection; a "
                      "server that reads through makefile() must close that file as well as the socket",
                      options.expect_ack ? "neither answers nor closes" : "does not close");
  }
  return error(errc::timed_out, "recv", peer, fmt::format("{}{}{}", limit, waiting, why));
}

// Sends the input and receives the reply at once, until the server's side ends the exchange or
// no progress is made for io_timeout (thrown). The exchange ends when the server's side does (an
// acknowledgement, its EOF, a refusal): sending stops there even if input is left, since nobody
// would read it. Sending ends it early only when reading the input fails (rethrown).
asio::awaitable<void> exchange_lines(connection& conn, byte_source& input, const lines_client_options& options,
                                     exchange_state& state) {
  std::exception_ptr input_failure;
  auto sending = [&]() -> asio::awaitable<void> {
    try {
      co_await send_input(conn, input, state);
    } catch (...) {
      input_failure = std::current_exception();
      co_return;
    }
    co_await wait_forever();  // for the reply; cancelled once it has come
  };
  bool server_finished = false;
  auto exchange = [&]() -> asio::awaitable<void> {
    server_finished = co_await run_until(receive_reply(conn, options.expect_ack, state), sending());
  };
  if (!co_await run_until(exchange(), conn.idle().expired())) {
    throw no_progress_error(conn.socket(), state, options, conn.peer());
  }
  if (!server_finished && input_failure) std::rethrow_exception(input_failure);
}

// What the run reports last: the verdict people read and how the connection closed.
void report_end(reporter& report, const lines_client_options& options, const lines_client_result& result,
                const std::string& peer, std::string_view reply, const close_watch& closing) {
  const double mb_per_s = result.seconds > 0 ? static_cast<double>(result.sent.bytes) / 1e6 / result.seconds : 0.0;
  event end{event_type::end,
            options.expect_ack
                ? "{lines_sent} lines, {bytes_sent} bytes sent and acknowledged in {seconds:.3f} s ({mb_per_s:.1f} MB/s)"
                : "{lines_sent} lines, {bytes_sent} bytes sent in {seconds:.3f} s ({mb_per_s:.1f} MB/s); the server "
                  "closed the connection (no acknowledgement expected)",
            {{"peer", peer}, {"lines_sent", result.sent.lines}, {"bytes_sent", result.sent.bytes}}};
  if (options.expect_ack) {
    end.fields.push_back({"reply", payload{std::string(reply)}});
    end.fields.push_back({"lines_acknowledged", result.acknowledged.lines});
    end.fields.push_back({"bytes_acknowledged", result.acknowledged.bytes});
  }
  end.fields.push_back({"seconds", result.seconds});
  end.fields.push_back({"mb_per_s", mb_per_s});
  add_closing_fields(end, closing, "client");
  report.emit(end);
}

// The session body: the exchange, judged, and what the server said.
asio::awaitable<void> run_connected(connection& conn, const lines_client_options& options, byte_source& input,
                                    reporter& report, exchange_state& state, lines_client_result& result,
                                    clock::time_point start) {
  co_await exchange_lines(conn, input, options, state);
  if (options.expect_ack) {
    result.acknowledged = check_reply(state, conn.peer());
  } else {
    check_close(state, conn.peer());
  }
  result.sent = state.sent.count();
  result.seconds = seconds_since(start);
  if (!state.reply.empty()) {
    report.emit({event_type::progress, "The server said {reply}", {{"reply", payload{std::string(first_line(state.reply))}}}});
  }
}

}  // namespace

asio::awaitable<lines_client_result> async_run_lines_client(const lines_client_options& options, byte_source& input,
                                                      reporter& report) {
  const auto start = clock::now();
  report.emit({event_type::start,
               {},
               {{"program", std::string("lines")},
                {"role", std::string("client")},
                {"host", options.host},
                {"port", std::uint64_t{options.port}},
                {"input", options.input_name},
                {"expect_ack", options.expect_ack}}});
  exchange_state state;
  lines_client_result result;
  client_session session;
  session.target = options;
  session.connected = [&](connection& conn) {
    report.emit({event_type::connection,
                 "Client has been assigned socket name {local}\nSending the lines of {input} to {peer}",
                 {{"local", local_name(conn.socket())}, {"peer", conn.peer()}, {"input", options.input_name}}});
  };
  session.exchange = [&](connection& conn) { return run_connected(conn, options, input, report, state, result, start); };
  // A transfer cut short (Ctrl-C, a timeout, a read error) must not look complete: a normal
  // close sends a FIN, which the server would take for our half-close and acknowledge, and an
  // unterminated last line would be printed. A reset tells it the input did not end there.
  session.reset_on_failure = [&] { return !state.sent_all; };
  session.finished = [&](connection& conn) {
    report_end(report, options, result, conn.peer(), first_line(state.reply), conn.closing());
  };
  co_await async_run_client(std::move(session), report);
  co_return result;
}

}  // namespace tcpkit
