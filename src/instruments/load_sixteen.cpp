#include "tcpkit/instruments/load_sixteen.hpp"

#include "tcpkit/core/connection.hpp"
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"
#include "tcpkit/programs/sixteen.hpp"

#include <asio/error.hpp>

#include <array>

namespace tcpkit {
namespace {

asio::awaitable<void> exchange_sixteen(connection& conn) {
  co_await conn.async_send_all(asio::buffer(kGreeting));
  std::array<char, kSixteenOctets> reply{};
  co_await conn.async_recv_exact(asio::buffer(reply));
  const std::string_view got(reply.data(), reply.size());
  if (got != kFarewell) {
    throw error(errc::data_mismatch, "reply", conn.peer(), "expected " + quote_bytes(kFarewell) + ", got " + quote_bytes(got));
  }
  std::array<char, 64> extra{};
  std::error_code ec;
  const std::size_t n = co_await conn.async_read_some(asio::buffer(extra), ec);
  if (ec == asio::error::eof) co_return;
  if (ec) throw error(ec, "recv", conn.peer());
  throw error(errc::data_mismatch, "reply", conn.peer(),
              "more than 16 bytes: " + quote_bytes(kFarewell) + " then " + quote_bytes(std::string_view(extra.data(), n)));
}

}  // namespace

load_job sixteen_load_job() {
  return [](connection& conn, load_slot&) { return exchange_sixteen(conn); };
}

}  // namespace tcpkit
