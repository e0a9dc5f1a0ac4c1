#include "tcpkit/instruments/load_uppercase.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/programs/uppercase.hpp"

#include <asio/error.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace tcpkit {
namespace {

constexpr std::size_t kMaxRecvSize = 256 * 1024;
constexpr std::size_t kMinRecvSize = 16 * 1024;

// What every stream of one run shares: the settings, the payload window, the totals.
struct uppercase_stream_setup {
  uppercase_load_options options;
  std::size_t recv_size;
  repeated_payload payload;
  uppercase_load_totals* totals;
};

asio::awaitable<void> send_stream(connection& conn, load_slot& slot, const uppercase_stream_setup& setup) {
  const std::uint64_t total = setup.options.bytes;
  std::uint64_t sent = 0;
  while (sent < total) {
    const auto span = static_cast<std::size_t>(std::min<std::uint64_t>(total - sent, setup.options.send_size));
    const std::size_t n = co_await conn.async_write_some(asio::buffer(setup.payload.at(sent), span));
    sent += n;
    setup.totals->bytes_sent += n;
    slot.touch();
  }
  // Half-close: the server's EOF tells it the stream is over; it answers the rest, then closes.
  if (const std::error_code ec = conn.half_close()) throw error(ec, "shutdown", conn.peer());
}

asio::awaitable<void> receive_stream(connection& conn, load_slot& slot, const uppercase_stream_setup& setup) {
  const std::uint64_t total = setup.options.bytes;
  std::vector<unsigned char> buffer(setup.recv_size);
  std::uint64_t received = 0;
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await conn.async_read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::eof) break;
    if (ec) throw error(ec, "recv", conn.peer());
    slot.touch();
    if (n > total - received) {
      throw error(errc::data_mismatch, "recv", conn.peer(),
                  fmt::format("received more than the {} bytes sent", total));
    }
    // The buffer is at most kMaxRecvSize, the payload window's span: one check covers it.
    const unsigned char* expected = setup.payload.at(received);
    const std::size_t bad = find_uppercase_mismatch(expected, buffer.data(), n);
    if (bad != n) {
      throw error(errc::data_mismatch, "verify", conn.peer(),
                  fmt::format("byte {} is 0x{:02x}, expected 0x{:02x} (the uppercase of 0x{:02x})", received + bad,
                              buffer[bad], uppercase_byte(expected[bad]), expected[bad]));
    }
    received += n;
    setup.totals->bytes_verified += n;
  }
  if (received < total) throw short_read(static_cast<std::size_t>(total), static_cast<std::size_t>(received), conn.peer());
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
  auto setup = std::make_shared<const uppercase_stream_setup>(
      uppercase_stream_setup{options, recv_size, repeated_payload(kMaxRecvSize), &totals});
  // The coroutine takes the setup by reference: the job (and with it `setup`) lives in the
  // runner, which outlives every exchange.
  return [setup](connection& conn, load_slot& slot) { return uppercase_stream(conn, slot, *setup); };
}

}  // namespace tcpkit
