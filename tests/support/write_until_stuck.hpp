// A client that sends and never reads: writes until the peer stops taking data.
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <gtest/gtest.h>

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace tcpkit::test {

// Writes without reading until the kernel has taken nothing for `stuck_after` (the peer has
// stopped reading from us), or fails the test at `deadline`. Returns how much was written.
// Leaves the socket non-blocking.
inline std::uint64_t write_until_stuck(tcp::socket& socket, std::chrono::steady_clock::time_point deadline,
                                       std::chrono::milliseconds stuck_after = std::chrono::milliseconds(500)) {
  socket.non_blocking(true);
  static const std::string block(64 * 1024, 'x');
  std::uint64_t written = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    written += socket.write_some(asio::buffer(block), ec);
    if (ec == asio::error::would_block) {
      pollfd pfd{socket.native_handle(), POLLOUT, 0};
      if (::poll(&pfd, 1, static_cast<int>(stuck_after.count())) == 0) return written;
    } else if (ec) {
      ADD_FAILURE() << "write failed before the peer stopped reading: " << ec.message();
      return written;
    }
  }
  ADD_FAILURE() << "the peer kept reading from a client that never reads (" << written << " bytes)";
  return written;
}

}  // namespace tcpkit::test
