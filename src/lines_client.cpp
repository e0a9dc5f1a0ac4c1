#include "tcpkit/lines_client.hpp"

#include "tcpkit/close.hpp"
#include "tcpkit/errors.hpp"
#include "tcpkit/escape.hpp"
#include "tcpkit/io.hpp"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <array>
#include <exception>

namespace tcpkit {
namespace {

// An acknowledgement is one short line; a server that says more is not a lines server.
constexpr std::size_t kMaxReply = 4096;

asio::awaitable<void> wait_forever() {
  asio::steady_timer never(co_await asio::this_coro::executor, clock::time_point::max());
  co_await never.async_wait(asio::use_awaitable);
}

double seconds_since(clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); }

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
  std::error_code recv_error;
};

asio::awaitable<void> send_input(tcp::socket& socket, byte_source& input, idle_deadline& idle,
                                 const std::string& peer, exchange_state& state, close_watch& closing) {
  for (;;) {
    std::string_view chunk;
    {
      const auto hold = idle.hold();  // a person typing is not the connection stalling
      chunk = co_await input.async_read_chunk();
    }
    if (chunk.empty()) break;
    state.sent.add(chunk);
    try {
      co_await async_send_all(socket, asio::buffer(chunk), &idle, peer);
    } catch (const error& e) {
      state.send_error = e.code();
      co_return;
    }
  }
  // Half-close: "that is all". The server's reading loop ends at this EOF and it replies.
  closing.note_closing(socket);
  socket.shutdown(tcp::socket::shutdown_send, state.send_error);
  state.sent_all = !state.send_error;
}

asio::awaitable<void> receive_reply(tcp::socket& socket, idle_deadline& idle, exchange_state& state) {
  std::array<char, 1024> chunk;
  while (state.reply.size() <= kMaxReply) {
    std::error_code ec;
    const std::size_t n = co_await socket.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) co_return;
    if (ec) {
      state.recv_error = ec;
      co_return;
    }
    state.reply.append(chunk.data(), n);
    idle.touch();
  }
}

// Turns what the exchange found into the acknowledged count, or the error that explains it.
line_count check_reply(const exchange_state& state, const std::string& peer) {
  const line_count sent = state.sent.count();
  if (state.reply.empty()) {
    if (state.send_error) throw error(state.send_error, "send", peer);
    if (state.recv_error) throw error(state.recv_error, "recv", peer);
    throw error(errc::short_read, "recv", peer,
                fmt::format("the server closed the connection without an acknowledgement ({} sent)", describe(sent)));
  }
  const std::string_view said = first_line(state.reply);
  const auto ack = parse_ack(state.reply);
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

}  // namespace

asio::awaitable<lines_client_result> run_lines_client(const lines_client_options& options, byte_source& input,
                                                      reporter& report) {
  const auto start = clock::now();
  tcp::socket socket = co_await async_connect_to(options.host, options.port, options.connect);
  const std::string peer = peer_name(socket);
  report.emit({event_type::connection,
               "Client has been assigned socket name {local}\nSending the lines of {input} to {peer}",
               {{"local", local_name(socket)}, {"peer", peer}, {"input", options.input_name}}});

  const auto connected = clock::now();
  close_watch closing(report.wants(event_type::session));
  idle_deadline idle(options.io_timeout);
  exchange_state state;
  // A transfer cut short (Ctrl-C, a timeout, a read error) must not look complete: a normal
  // close sends a FIN, which the server would take for our half-close and acknowledge, and an
  // unterminated last line would be printed. A reset tells it the input did not end there.
  struct reset_unless_sent {
    tcp::socket& socket;
    const exchange_state& state;
    ~reset_unless_sent() {
      if (!state.sent_all && socket.is_open()) abort_connection(socket);
    }
  } interrupted_transfer{socket, state};
  // The exchange ends when the server's side does (its EOF after the acknowledgement, or a
  // refusal): sending stops there even if input is left, since nobody would read it. Sending
  // ends it early only when reading the input fails.
  std::exception_ptr input_failure;
  auto sending = [&]() -> asio::awaitable<void> {
    try {
      co_await send_input(socket, input, idle, peer, state, closing);
    } catch (...) {
      input_failure = std::current_exception();
      co_return;
    }
    co_await wait_forever();  // for the reply; cancelled once it has come
  };
  bool server_finished = false;
  auto exchange = [&]() -> asio::awaitable<void> {
    server_finished = co_await run_until(receive_reply(socket, idle, state), sending());
  };
  auto summarize = [&] {
    report_session(report, closing, socket,
                   {"client", 0, peer, state.sent.count().bytes, state.reply.size(), clock::now() - connected});
  };
  line_count acknowledged;
  try {
    if (!co_await run_until(exchange(), idle.expired())) {
      throw error(errc::timed_out, state.sent_all ? "recv" : "send", peer,
                  fmt::format("no progress for {:g} s{}", std::chrono::duration<double>(options.io_timeout).count(),
                              state.sent_all ? " waiting for the acknowledgement" : ""));
    }
    if (!server_finished && input_failure) std::rethrow_exception(input_failure);
    acknowledged = check_reply(state, peer);
  } catch (const std::exception& e) {
    // Before interrupted_transfer resets an unfinished transfer: the socket is still open.
    closing.note_failure(socket, e);
    summarize();
    throw;
  }
  co_await async_graceful_close(socket, kDefaultDrain, &closing);

  lines_client_result result{state.sent.count(), acknowledged, seconds_since(start)};
  const double mb_per_s = result.seconds > 0 ? static_cast<double>(result.sent.bytes) / 1e6 / result.seconds : 0.0;
  report.emit({event_type::end,
               "The server said {reply}\n"
               "  {lines_sent} lines, {bytes_sent} bytes sent and acknowledged in {seconds:.3f} s ({mb_per_s:.1f} MB/s)",
               {{"peer", peer},
                {"reply", payload{std::string(first_line(state.reply))}},
                {"lines_sent", result.sent.lines},
                {"bytes_sent", result.sent.bytes},
                {"lines_acknowledged", result.acknowledged.lines},
                {"bytes_acknowledged", result.acknowledged.bytes},
                {"seconds", result.seconds},
                {"mb_per_s", mb_per_s}}});
  summarize();
  co_return result;
}

}  // namespace tcpkit
