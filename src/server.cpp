#include "tcpkit/server.hpp"

#include "tcpkit/close.hpp"
#include "tcpkit/errors.hpp"
#include "tcpkit/trace.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <fmt/format.h>

#include <cerrno>

namespace tcpkit {
namespace {

// Accept failures that concern one connection only (it was reset before we took it, or a
// signal interrupted the call): try again at once.
bool is_transient(const std::error_code& ec) {
  const int err = system_errno(ec);
  return err == ECONNABORTED || err == EINTR || err == EPROTO || err == EAGAIN;
}

// Out of descriptors or memory: accepting again at once would fail again and spin the CPU.
// Pause, so that sessions can finish and give descriptors back.
bool is_resource_shortage(const std::error_code& ec) {
  const int err = system_errno(ec);
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

constexpr auto kShortageBackoff = std::chrono::milliseconds(100);

}  // namespace

server::server(tcp::acceptor acceptor, reporter& report, server_options options)
    : acceptor_(std::move(acceptor)), report_(report), options_(options) {}

tcp::endpoint server::local_endpoint() const { return acceptor_.local_endpoint(); }

void server::stop() {
  stopping_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  for (idle_deadline* session : live_) session->expire_now();
}

asio::awaitable<void> server::run(session_handler handler) {
  handler_ = std::move(handler);
  const auto executor = co_await asio::this_coro::executor;
  bool shortage_reported = false;
  announce_waiting();
  while (acceptor_.is_open()) {
    std::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec && is_transient(ec)) continue;
    if (ec && is_resource_shortage(ec)) {
      if (!shortage_reported) {
        report_.emit({event_type::error, "accept {endpoint}: {message}; pausing accepts until connections close",
                      {{"operation", std::string("accept")},
                       {"endpoint", format_endpoint(acceptor_.local_endpoint())},
                       {"message", ec.message()}}});
        shortage_reported = true;
      }
      co_await sleep_for(kShortageBackoff);
      continue;
    }
    if (ec) throw error(ec, "accept", format_endpoint(acceptor_.local_endpoint()));
    shortage_reported = false;

    const std::uint64_t id = ++stats_.accepted;
    if (options_.max_conns != 0 && stats_.active >= options_.max_conns) {
      ++stats_.refused;
      report_.emit({event_type::error, "refusing {peer}: {max_conns} connections are already being served",
                    {{"conn", id}, {"peer", peer_name(socket)}, {"max_conns", std::uint64_t{options_.max_conns}}}});
      socket.close(ec);
      continue;
    }
    if (options_.once) {
      co_await serve(std::move(socket), id);
      break;
    }
    asio::co_spawn(executor, serve(std::move(socket), id), asio::detached);
  }
}

asio::awaitable<void> server::serve(tcp::socket socket, std::uint64_t id) {
  ++stats_.active;
  idle_deadline idle(options_.idle_timeout);
  live_.insert(&idle);
  session_context context{id, report_, idle};
  tracer::connection traced = options_.trace ? options_.trace->attach(socket, "server", id, context.traffic) : tracer::connection{};
  const std::string peer = peer_name(socket);
  std::error_code failure;
  std::string message;
  bool idled_out = false;
  try {
    if (!co_await run_until(handler_(socket, context), idle.expired())) {
      if (idle.expired_early()) {
        message = fmt::format("closing {}: the server is stopping", peer);
      } else {
        failure = make_error_code(errc::timed_out);
        idled_out = true;
        message = fmt::format("idle {}: no progress for {:g} s, connection closed", peer,
                              std::chrono::duration<double>(options_.idle_timeout).count());
      }
    }
  } catch (const std::system_error& e) {
    failure = e.code();
    message = e.what();
  } catch (const std::exception& e) {
    failure = make_error_code(std::errc::io_error);
    message = e.what();
  }
  live_.erase(&idle);
  if (failure) {
    ++stats_.failed;
    last_error_ = failure;
    report_.emit({event_type::error, "  {message}", {{"conn", id}, {"peer", peer}, {"message", message}}});
  } else if (!message.empty()) {
    report_.emit({event_type::note, "  {message}", {{"conn", id}, {"peer", peer}, {"message", message}}});
  }
  // The handler closes the socket when it finishes normally. Otherwise close gracefully here
  // too: a FIN after whatever was already sent, not a reset that could destroy it.
  //
  // Except after an idle timeout: nothing has moved for that long, so a peer that stopped
  // reading would never receive our FIN either (it waits behind the unsent bytes), and the
  // kernel would keep the orphaned socket and its buffers for minutes. A reset frees both ends.
  if (socket.is_open() && idled_out) abort_connection(socket);
  if (socket.is_open()) co_await async_graceful_close(socket);
  traced.close();
  if (--stats_.active == 0 && !options_.once) announce_waiting();
}

void server::announce_waiting() {
  // The seed prints this before every accept(). A concurrent server is always accepting, so
  // it is said whenever the server has become idle: the same lines as the seed's for clients
  // that come one at a time, and no noise between the lines of overlapping sessions.
  if (!options_.waiting_text.empty() && acceptor_.is_open()) report_.emit({event_type::note, options_.waiting_text, {}});
}

}  // namespace tcpkit
