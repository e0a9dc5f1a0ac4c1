#include "tcpkit/programs/proxy.hpp"

#include "tcpkit/core/close.hpp"
#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/core/socket_queues.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <memory>

namespace tcpkit {
namespace {

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

// --reset-after waits this long at most for the bytes before the cut to be acknowledged: a
// reset discards whatever is still queued, and the peer should see exactly N bytes, then the reset.
constexpr auto kResetDrain = std::chrono::seconds(1);
constexpr auto kResetDrainPoll = std::chrono::milliseconds(1);

// What both directions of one connection share: the two sockets, and whether one direction
// has reset the connection already (the other's failures are then only the echo of that).
struct link {
  tcp::socket& client;
  tcp::socket& upstream;
  close_watch& watch;  // the client's side of the session summary
  bool reset = false;
};

// One direction: where it reads, where it writes, its shaping and its fixed buffer.
struct flow {
  tcp::socket& from;
  tcp::socket& to;
  bool up;  // client -> server
  shaper shape;
  std::size_t size;
  std::unique_ptr<char[]> buffer = std::make_unique<char[]>(size);
  flow_end end = flow_end::fin;
  std::uint64_t discarded = 0;
};

// splitmix64: distinct, well-mixed seeds for each connection and direction from one --seed.
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t conn, bool up) {
  std::uint64_t z = seed + conn * 2 + (up ? 1 : 0) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Both sides get a reset: SO_LINGER 0, then close. Pending operations of the other direction
// end with operation_aborted, which `link.reset` explains. `by_client`: the client's socket
// failed first (it reset, or refused our bytes); otherwise the proxy resets the client.
void reset_both(link& l, bool by_client) {
  if (l.reset) return;
  l.reset = true;
  l.watch.note_closing(l.client);
  if (!by_client) l.watch.note_cut(close_how::reset);
  l.watch.note_final(l.client);
  abort_connection(l.client);
  abort_connection(l.upstream);
}

// A FIN on the destination after the last byte forwarded: the half-close passes through.
void half_close(flow& f, link& l) {
  if (!f.up) l.watch.note_closing(l.client);
  std::error_code ignored;  // a destination that has reset already shows it on the other direction
  f.to.shutdown(tcp::socket::shutdown_send, ignored);
}

// A read (`reading`) or write of `f` failed. Cancellation (the server's idle timeout or stop)
// propagates; anything else is a broken connection, passed on as a reset.
void end_on_error(flow& f, link& l, const std::error_code& ec, bool reading) {
  if (l.reset) {
    if (f.end == flow_end::fin) f.end = flow_end::aborted;
    return;
  }
  if (ec == asio::error::operation_aborted) throw std::system_error(ec);
  f.end = flow_end::reset;
  reset_both(l, reading == f.up);  // up reads from the client, down writes to it
}

// Waits until `when`; time spent waiting on our own shaping is not the peers' inactivity.
asio::awaitable<void> wait_until(clock::time_point when, idle_deadline& idle) {
  const auto now = clock::now();
  if (when <= now) co_return;
  auto held = idle.hold();
  co_await sleep_for(when - now);
}

// Progress, and the client side's byte counts for the session summary: what up reads from the
// client, what down writes to it.
void count(connection& conn, const flow& f, std::size_t n, bool read) {
  conn.note_transfer(f.up && read ? n : 0, !f.up && !read ? n : 0);
}

// Writes the first `n` bytes of the buffer to the destination as the shaper says. False if the
// direction ended meanwhile (a reset); bytes beyond a due cut are discarded.
asio::awaitable<bool> forward(flow& f, link& l, connection& conn, std::size_t n, clock::time_point read_at) {
  clock::time_point not_before = f.shape.release_time(read_at);
  for (std::size_t done = 0; done < n;) {
    co_await wait_until(not_before, conn.idle());
    const std::size_t size = f.shape.next_write(n - done);
    if (size == 0) {
      f.discarded += n - done;
      co_return true;
    }
    const auto [ec, written] = co_await asio::async_write(f.to, asio::buffer(f.buffer.get() + done, size), use_tuple);
    if (ec) {
      end_on_error(f, l, ec, false);
      co_return false;
    }
    count(conn, f, written, false);
    not_before = f.shape.wrote(written, clock::now());
    done += written;
  }
  co_return true;
}

// After --close-after: reads and discards what the source still sends, until its EOF.
asio::awaitable<void> discard_until_eof(flow& f, link& l, connection& conn) {
  for (;;) {
    const auto [ec, n] = co_await f.from.async_read_some(asio::buffer(f.buffer.get(), f.size), use_tuple);
    if (ec == asio::error::eof) co_return;
    if (ec) co_return end_on_error(f, l, ec, true);
    count(conn, f, n, true);
    f.discarded += n;
  }
}

// Until the destination has acknowledged every byte we queued, or kResetDrain has passed.
asio::awaitable<void> wait_acknowledged(tcp::socket& socket, idle_deadline& idle) {
  auto held = idle.hold();
  const auto deadline = clock::now() + kResetDrain;
  while (clock::now() < deadline) {
    const auto queues = read_socket_queues(socket);
    if (!queues || queues->send_queue == 0) co_return;
    co_await sleep_for(kResetDrainPoll);
  }
}

// The cut is due. --reset-after: both sides reset, once the destination has the bytes before
// the cut. --close-after: the destination half-closed, and the source's later bytes discarded.
asio::awaitable<void> cut(flow& f, link& l, connection& conn) {
  if (f.shape.cut() == cut_kind::reset) {
    co_await wait_acknowledged(f.to, conn.idle());
    if (l.reset) co_return;
    f.end = flow_end::reset_after;
    reset_both(l, false);
    co_return;
  }
  half_close(f, l);
  f.end = flow_end::close_after;
  co_await discard_until_eof(f, l, conn);
}

// One direction, from its first read to its end: the proxy's readwrite() loop.
asio::awaitable<void> relay(flow& f, link& l, connection& conn) {
  for (;;) {
    if (f.shape.cut_due()) co_return co_await cut(f, l, conn);
    const auto [ec, n] = co_await f.from.async_read_some(asio::buffer(f.buffer.get(), f.size), use_tuple);
    if (ec == asio::error::eof) {
      half_close(f, l);
      co_return;
    }
    if (ec) co_return end_on_error(f, l, ec, true);
    count(conn, f, n, true);
    if (!co_await forward(f, l, conn, n, clock::now())) co_return;
  }
}

// The upstream connection. A failure resets the client: it learns at once that there is no
// server behind the proxy, as it would have without the proxy.
asio::awaitable<tcp::socket> connect_upstream(connection& client, const proxy_options& options) {
  try {
    co_return co_await async_connect_to(options.upstream_host, options.upstream_port, options.connect);
  } catch (const error&) {
    client.note_cut(close_how::error);  // the proxy ends it; the client did nothing
    client.abort();
    throw;
  }
}

std::string describe_end(const flow& f) {
  switch (f.end) {
    case flow_end::fin: return "then its FIN, passed on as a half-close";
    case flow_end::reset: return "then a reset, passed on as a reset";
    case flow_end::close_after: return fmt::format("then half-closed by --close-after ({} later bytes discarded)", f.discarded);
    case flow_end::reset_after: return "then reset by --reset-after";
    case flow_end::aborted: return "then cut by the other direction's reset";
  }
  return {};
}

void report_end(session_context& context, const connection& client, const std::string& upstream, const flow& up,
                const flow& down, clock::time_point start) {
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  auto line = [](const char* name, const flow& f) {
    return fmt::format("  {}: {} bytes in {} write{}, {}", name, f.shape.forwarded(), f.shape.writes(),
                       f.shape.writes() == 1 ? "" : "s", describe_end(f));
  };
  const std::string text = fmt::format("{}\n{}\n  Connection closed after {:.3f} s", line("up   (client to server)", up),
                                       line("down (server to client)", down), seconds);
  context.report.emit({event_type::end, text,
                       {{"conn", context.id}, {"peer", client.peer()}, {"upstream", upstream},
                        {"up_bytes", up.shape.forwarded()}, {"down_bytes", down.shape.forwarded()},
                        {"up_writes", up.shape.writes()}, {"down_writes", down.shape.writes()},
                        {"up_discarded_bytes", up.discarded}, {"down_discarded_bytes", down.discarded},
                        {"up_end", std::string(to_string(up.end))}, {"down_end", std::string(to_string(down.end))},
                        {"seconds", seconds}}});
}

asio::awaitable<void> proxy_connection(connection& conn, session_context& context, const proxy_options& options) {
  const auto start = clock::now();
  tcp::socket& client = conn.socket();
  tcp::socket upstream = co_await connect_upstream(conn, options);
  const std::string upstream_name = peer_name(upstream);
  context.report.emit({event_type::connection, "Forwarding {peer} to {upstream} (from {upstream_local})",
                       {{"conn", context.id}, {"peer", conn.peer()}, {"local", local_name(client)},
                        {"upstream", upstream_name}, {"upstream_local", local_name(upstream)}}});
  // A shaped direction's slices must leave as they were cut, not be merged again by Nagle.
  if (options.up.shapes()) set_no_delay(upstream);
  if (options.down.shapes()) set_no_delay(client);

  link l{client, upstream, conn.closing()};
  flow up{client, upstream, true, shaper(options.up, mix_seed(options.seed, context.id, true)), options.buffer_bytes};
  flow down{upstream, client, false, shaper(options.down, mix_seed(options.seed, context.id, false)), options.buffer_bytes};
  co_await run_both(relay(up, l, conn), relay(down, l, conn));
  // Both FINs have passed (or both sides were reset): nothing is left unread, so close() is
  // orderly. The client's socket is the server's to close.
  std::error_code ignored;
  upstream.close(ignored);
  report_end(context, conn, upstream_name, up, down, start);
}

}  // namespace

std::string_view to_string(flow_end end) noexcept {
  switch (end) {
    case flow_end::fin: return "fin";
    case flow_end::reset: return "reset";
    case flow_end::close_after: return "close_after";
    case flow_end::reset_after: return "reset_after";
    case flow_end::aborted: return "aborted";
  }
  return "unknown";
}

session_handler proxy_handler(proxy_options options) {
  auto shared = std::make_shared<const proxy_options>(std::move(options));
  return [shared](connection& client, session_context& context) { return proxy_connection(client, context, *shared); };
}

}  // namespace tcpkit
