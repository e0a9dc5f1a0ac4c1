#include "tcpkit/programs/uppercase_server.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace tcpkit {
namespace {

// A server may serve many connections, each with its own progress line: fewer updates than
// the client's.
constexpr auto kProgressInterval = std::chrono::milliseconds(250);

// The smallest read once the kernel has refused part of a reply: a connection that is read
// faster than its client drains it peeks at pieces the kernel will probably take.
constexpr std::size_t kMinWindow = 4 * 1024;
// At most this much of a refused reply is held by the connection, to wait for the kernel to
// take it; the rest of the refused bytes stay unread in the kernel's receive queue.
constexpr std::size_t kMaxRest = 1024;

// The buffer every connection of this thread's event loop peeks into, transforms and writes
// from. It is only used between a peek and the write that follows it, with no suspension in
// between, so one per loop (thread) serves all its connections.
unsigned char* loop_buffer(std::size_t size) {
  thread_local std::vector<unsigned char> buffer;
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Peeks at what has arrived, up to `window` bytes, into loop_buffer(chunk); waits if nothing
// has. 0 at the client's EOF. The bytes are there until the caller's next suspension.
asio::awaitable<std::size_t> peek_request(connection& conn, std::size_t chunk, std::size_t window) {
  for (;;) {
    std::error_code ec;
    const std::size_t n = conn.try_peek_some(asio::buffer(loop_buffer(chunk), window), ec);
    if (!ec) co_return n;
    if (ec == asio::error::eof) co_return 0;
    if (ec != asio::error::would_block) throw error(ec, "recv", conn.peer());
    co_await conn.async_wait_readable();
  }
}

// Takes the first `n` of the bytes peeked into `data` from the kernel.
void consume(connection& conn, unsigned char* data, std::size_t n) {
  std::error_code ec;
  conn.try_consume(asio::buffer(data, n), ec);
  if (ec) throw error(ec, "recv", conn.peer());
}

// Sends the `n` transformed bytes at `data` as far as the kernel takes them now, and takes
// that much from the receive queue. If it refused some, up to kMaxRest more are taken, copied
// and sent once it can; the others are left unread, to be peeked at again. Returns the bytes
// taken from the client (and sent), and whether the kernel took all `n`.
asio::awaitable<std::pair<std::size_t, bool>> send_reply(connection& conn, unsigned char* data, std::size_t n) {
  std::error_code ec;
  const std::size_t taken = conn.try_write_some(asio::buffer(data, n), ec);
  if (ec && ec != asio::error::would_block) throw error(ec, "send", conn.peer());
  if (taken == n) {
    consume(conn, data, n);
    co_return std::pair{n, true};
  }
  const std::size_t rest_size = std::min(n - taken, kMaxRest);
  std::array<unsigned char, kMaxRest> rest;  // in this coroutine's frame: only while it waits
  std::memcpy(rest.data(), data + taken, rest_size);
  consume(conn, data, taken + rest_size);
  co_await conn.async_send_all(asio::buffer(rest.data(), rest_size));
  co_return std::pair{taken + rest_size, false};
}

}  // namespace

asio::awaitable<void> async_serve_uppercase_client(connection& conn, session_context& context, std::size_t chunk) {
  const auto start = clock::now();
  context.report.emit({event_type::connection,
                       "Processing up to {chunk_bytes} bytes at a time from {peer}",
                       {{"conn", context.id},
                        {"peer", conn.peer()},
                        {"local", local_name(conn.socket())},
                        {"chunk_bytes", std::uint64_t{chunk}}}});
  const auto executor = co_await asio::this_coro::executor;
  std::uint64_t processed = 0;
  auto last_progress = start;
  std::size_t window = chunk;  // after a refusal, what the kernel took; doubles while replies go whole
  while (const std::size_t n = co_await peek_request(conn, chunk, window)) {
    unsigned char* data = loop_buffer(chunk);
    uppercase_in_place(data, n);
    const auto [sent, whole] = co_await send_reply(conn, data, n);
    window = whole ? std::min(window * 2, chunk) : std::max(kMinWindow, sent);
    processed += sent;
    if (const auto now = clock::now(); now - last_progress >= kProgressInterval) {
      last_progress = now;
      context.report.emit({event_type::progress,
                           "  {bytes_processed} bytes processed so far",
                           {{"conn", context.id}, {"bytes_processed", processed}},
                           true});
    }
    // The whole reply went at once: let the loop's other connections have their turn.
    if (whole) co_await asio::post(executor, asio::use_awaitable);
  }

  // The client's EOF arrived and every reply is sent: our FIN follows the last byte.
  const close_how outcome = co_await conn.async_graceful_close();
  context.report.emit({event_type::end,
                       "  {bytes_received} bytes processed\n  Socket closed",
                       {{"conn", context.id},
                        {"peer", conn.peer()},
                        {"bytes_received", processed},
                        {"bytes_sent", processed},
                        {"seconds", seconds_since(start)},
                        {"close", std::string(to_string(outcome))}}});
}

session_handler uppercase_handler(std::size_t chunk) {
  return [chunk](connection& conn, session_context& context) { return async_serve_uppercase_client(conn, context, chunk); };
}

}  // namespace tcpkit
