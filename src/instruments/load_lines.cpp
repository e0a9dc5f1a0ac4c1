#include "tcpkit/instruments/load_lines.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"
#include "tcpkit/programs/lines_protocol.hpp"

#include <asio/error.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

namespace tcpkit {
namespace {

constexpr std::size_t kLinesPerBlock = 4096;
constexpr std::size_t kMaxReply = 4096;  // an acknowledgement is one short line

struct lines_transfer_setup {
  lines_load_options options;
  std::string block;  // kLinesPerBlock whole lines, sent over and over
  lines_load_totals* totals;
};

std::string make_block() {
  std::string block;
  block.reserve(kLinesPerBlock * kLoadLineBytes);
  for (std::size_t i = 0; i < kLinesPerBlock; ++i) {
    block += fmt::format("{:07} the quick brown fox jumps over the lazy dog.\n", i);
  }
  return block;
}

asio::awaitable<void> send_lines(connection& conn, load_slot& slot, const lines_transfer_setup& setup) {
  const std::uint64_t total = setup.options.bytes;
  const std::size_t block_size = setup.block.size();
  std::uint64_t sent = 0;
  while (sent < total) {
    const auto at = static_cast<std::size_t>(sent % block_size);
    const auto span = static_cast<std::size_t>(
        std::min<std::uint64_t>({total - sent, block_size - at, setup.options.send_size}));
    const std::size_t n = co_await conn.async_write_some(asio::buffer(setup.block.data() + at, span));
    sent += n;
    setup.totals->bytes_sent += n;
    slot.touch();
  }
  // "That is all": the server acknowledges.
  if (const std::error_code ec = conn.half_close()) throw error(ec, "shutdown", conn.peer());
}

asio::awaitable<void> receive_acknowledgement(connection& conn, load_slot& slot, const lines_transfer_setup& setup) {
  std::string reply;
  std::array<char, kMaxReply> buffer{};
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await conn.async_read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::eof) break;
    if (ec) throw error(ec, "recv", conn.peer());
    slot.touch();
    reply.append(buffer.data(), n);
    if (reply.size() > kMaxReply) {
      throw error(errc::data_mismatch, "recv", conn.peer(), "more than an acknowledgement line: " + quote_bytes(reply.substr(0, 80)));
    }
  }
  if (reply.empty()) throw error(errc::short_read, "recv", conn.peer(), "closed without an acknowledgement");
  const line_count expected{setup.options.bytes / kLoadLineBytes, setup.options.bytes};
  const auto acknowledged = parse_ack(reply);
  if (!acknowledged || *acknowledged != expected) {
    throw error(errc::data_mismatch, "acknowledgement", conn.peer(),
                fmt::format("sent {}, the server said {}", describe(expected), quote_bytes(reply)));
  }
  setup.totals->lines_acknowledged += acknowledged->lines;
  setup.totals->bytes_acknowledged += acknowledged->bytes;
}

asio::awaitable<void> transfer_lines(connection& conn, load_slot& slot, const lines_transfer_setup& setup) {
  co_await run_both(send_lines(conn, slot, setup), receive_acknowledgement(conn, slot, setup));
}

}  // namespace

load_job lines_load_job(lines_load_options options, lines_load_totals& totals) {
  options.bytes = round_up_to_lines(options.bytes);
  options.send_size = std::max<std::size_t>(options.send_size, 1);
  auto setup = std::make_shared<const lines_transfer_setup>(lines_transfer_setup{options, make_block(), &totals});
  // By reference into the job's own state, which the runner keeps until every exchange ends.
  return [setup](connection& conn, load_slot& slot) { return transfer_lines(conn, slot, *setup); };
}

}  // namespace tcpkit
