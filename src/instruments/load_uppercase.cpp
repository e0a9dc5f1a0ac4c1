#include "tcpkit/instruments/load_uppercase.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/programs/uppercase_stream.hpp"

#include <asio/error.hpp>

#include <algorithm>
#include <memory>
#include <vector>

namespace tcpkit {
namespace {

constexpr std::size_t kMaxRecvSize = 256 * 1024;
constexpr std::size_t kMinRecvSize = 16 * 1024;

// What every stream of one run shares: the settings, the payload and its check, the totals.
struct uppercase_stream_setup {
  uppercase_load_options options;
  std::size_t recv_size;
  uppercase_stream_check stream;
  uppercase_load_totals* totals;
};

asio::awaitable<void> send_stream(connection& conn, load_slot& slot, const uppercase_stream_setup& setup) {
  // The connection's count of bytes sent is the payload's position.
  auto next_chunk = [&] { return setup.stream.chunk(conn.traffic().bytes_sent(), setup.options.send_size); };
  for (auto chunk = next_chunk(); chunk.size() > 0; chunk = next_chunk()) {
    const std::size_t n = co_await conn.async_write_some(chunk);
    setup.totals->bytes_sent += n;
    slot.touch();
  }
  // Half-close: the server's EOF tells it the stream is over; it answers the rest, then closes.
  if (const std::error_code ec = conn.half_close()) throw error(ec, "shutdown", conn.peer());
}

asio::awaitable<void> receive_stream(connection& conn, load_slot& slot, const uppercase_stream_setup& setup) {
  std::vector<unsigned char> buffer(setup.recv_size);
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await conn.async_read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::eof) break;
    if (ec) throw error(ec, "recv", conn.peer());
    slot.touch();
    // The connection has counted them already: they start where the bytes before them ended.
    setup.stream.check(conn.traffic().bytes_received() - n, buffer.data(), n, conn.peer());
    setup.totals->bytes_verified += n;
  }
  setup.stream.check_complete(conn.traffic().bytes_received(), conn.peer());
}

asio::awaitable<void> uppercase_stream(connection& conn, load_slot& slot, const uppercase_stream_setup& setup) {
  co_await run_both(send_stream(conn, slot, setup), receive_stream(conn, slot, setup));
}

}  // namespace

std::size_t uppercase_recv_size(std::size_t connections) noexcept {
  const std::size_t share = kUppercaseLoadBudget / std::max<std::size_t>(connections, 1);
  return std::clamp(share, kMinRecvSize, kMaxRecvSize);
}

load_job uppercase_load_job(uppercase_load_options options, std::size_t connections, uppercase_load_totals& totals) {
  options.bytes = round_up_to_messages(options.bytes);
  options.send_size = std::clamp<std::size_t>(options.send_size, 1, kMaxRecvSize);
  const std::size_t recv_size = options.recv_size != 0 ? std::min(options.recv_size, kMaxRecvSize)
                                                       : uppercase_recv_size(connections);
  // One window serves every send and every check: any span up to 256 KiB at any offset.
  auto setup = std::make_shared<const uppercase_stream_setup>(uppercase_stream_setup{
      options, recv_size, uppercase_stream_check(options.bytes, kMaxRecvSize, uppercase_wording::hex), &totals});
  // The coroutine takes the setup by reference: the job (and with it `setup`) lives in the
  // runner, which outlives every exchange.
  return [setup](connection& conn, load_slot& slot) { return uppercase_stream(conn, slot, *setup); };
}

}  // namespace tcpkit
