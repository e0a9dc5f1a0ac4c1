#include "tcpkit/programs/uppercase_server.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <memory>

namespace tcpkit {
namespace {

// A server may serve many connections, each with its own progress line: fewer updates than
// the client's.
constexpr auto kProgressInterval = std::chrono::milliseconds(250);

// Buffers start at 8 KiB (what one loopback read of a slow stream brings anyway) and all the
// connections of one server may grow theirs by 64 MiB in all: 256 connections at the full
// 256 KiB chunk, or 10,000 at 8 KiB (~80 MB) plus that. docs/BENCHMARKS.md has the figures.
constexpr std::size_t kInitialBuffer = 8 * 1024;
constexpr std::size_t kGrowthBudget = 64 * 1024 * 1024;

}  // namespace

asio::awaitable<void> serve_uppercase_client(connection& conn, session_context& context, std::size_t chunk,
                                             std::shared_ptr<buffer_budget> budget) {
  const auto start = clock::now();
  context.report.emit({event_type::connection,
                       "Processing up to {chunk_bytes} bytes at a time from {peer}",
                       {{"conn", context.id},
                        {"peer", conn.peer()},
                        {"local", local_name(conn.socket())},
                        {"chunk_bytes", std::uint64_t{chunk}}}});

  // Starts small and grows towards `chunk` while the client keeps it full (adaptive_buffer.hpp).
  adaptive_buffer buffer(kInitialBuffer, chunk, budget.get());
  std::uint64_t processed = 0;
  auto last_progress = start;
  while (const std::size_t n = co_await conn.async_read_some(asio::buffer(buffer.data(), buffer.size()))) {
    uppercase_in_place(buffer.data(), n);
    co_await conn.async_send_all(asio::buffer(buffer.data(), n));
    buffer.consumed(n);
    processed += n;
    if (const auto now = clock::now(); now - last_progress >= kProgressInterval) {
      last_progress = now;
      context.report.emit({event_type::progress,
                           "  {bytes_processed} bytes processed so far",
                           {{"conn", context.id}, {"bytes_processed", processed}},
                           true});
    }
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
  auto budget = std::make_shared<buffer_budget>(kGrowthBudget);
  return [chunk, budget](connection& conn, session_context& context) {
    return serve_uppercase_client(conn, context, chunk, budget);
  };
}

}  // namespace tcpkit
