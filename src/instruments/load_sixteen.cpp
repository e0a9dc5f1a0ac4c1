#include "tcpkit/instruments/load_sixteen.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"
#include "tcpkit/core/io.hpp"
#include "tcpkit/programs/sixteen.hpp"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <array>

namespace tcpkit {
namespace {

asio::awaitable<void> exchange_sixteen(tcp::socket& socket) {
  co_await async_send_all(socket, asio::buffer(kGreeting));
  std::array<char, kSixteenOctets> reply{};
  co_await async_recv_exact(socket, asio::buffer(reply));
  const std::string_view got(reply.data(), reply.size());
  if (got != kFarewell) {
    throw error(errc::data_mismatch, "reply", peer_name(socket), "expected " + quote_bytes(kFarewell) + ", got " + quote_bytes(got));
  }
  std::array<char, 64> extra{};
  std::error_code ec;
  const std::size_t n = co_await socket.async_read_some(asio::buffer(extra), asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::eof) co_return;
  if (ec) throw error(ec, "recv", peer_name(socket));
  throw error(errc::data_mismatch, "reply", peer_name(socket),
              "more than 16 bytes: " + quote_bytes(kFarewell) + " then " + quote_bytes(std::string_view(extra.data(), n)));
}

}  // namespace

load_job sixteen_load_job() {
  return [](tcp::socket& socket, load_slot&) { return exchange_sixteen(socket); };
}

}  // namespace tcpkit
