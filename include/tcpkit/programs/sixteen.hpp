// The sixteen-octet exchange (the seeds' tcp_sixteen.py): the client sends exactly sixteen
// bytes, the server answers with exactly sixteen, and both sides read with recv_exact because
// TCP may deliver those sixteen bytes in any number of pieces.
#pragma once

#include "tcpkit/core/connect.hpp"
#include "tcpkit/core/report.hpp"
#include "tcpkit/lifecycle/server.hpp"

#include <asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace tcpkit {

inline constexpr std::size_t kSixteenOctets = 16;
inline constexpr std::string_view kGreeting = "Hi there, server";
inline constexpr std::string_view kFarewell = "Farewell, client";

// The accept loop's settings for this program: the seed's "Waiting to accept..." line.
server_options sixteen_server_options(server_options base);

// One connection: read exactly 16 bytes, reply kFarewell, close gracefully (so that extra
// input, like the seed client's 17th byte, cannot turn the close into a reset that destroys
// the reply). Throws short_read when the peer closes early.
asio::awaitable<void> async_serve_sixteen_client(connection& conn, session_context& context);

// async_serve_sixteen_client as a session handler for tcpkit::server.
session_handler sixteen_handler();

struct sixteen_client_options : client_target {  // io_timeout: no reply for this long, give up
  std::string message = std::string(kGreeting);    // sent as is, whatever its length
};

struct sixteen_result {
  std::string reply;  // exactly 16 bytes
  double seconds = 0;
};

// Connects, sends the message, half-closes (so a message shorter than 16 bytes ends in the
// server's EOF message instead of a wait), reads exactly 16 bytes back, closes gracefully.
// Throws tcpkit::error (connect, resolve, timeout) or short_read. `report` must outlive the
// coroutine; the options are copied into it.
asio::awaitable<sixteen_result> async_run_sixteen_client(sixteen_client_options options, reporter& report);

}  // namespace tcpkit
