// What every form of the graceful close (tcpkit/core/close.hpp, tcpkit/core/lingering_close.hpp)
// does with the peer's last bytes once this side has sent its FIN: reads and discards them.
#pragma once

#include "tcpkit/core/close_how.hpp"
#include "tcpkit/core/endpoint.hpp"

#include <asio/buffer.hpp>

#include <cstddef>
#include <optional>

namespace tcpkit::detail {

inline constexpr std::size_t kDrainChunk = 16 * 1024;

// Without waiting: reads and discards what is already queued. Returns the outcome if the EOF
// (or an error) is already there, nullopt if the peer has not closed yet.
std::optional<close_how> drain_queued(tcp::socket& socket);

// Where drains put what they read and throw away: one buffer per thread, not one in every
// suspended drain (a 16 KB coroutine frame is a large allocation per connection, and this runs
// for most of them). Nothing ever reads it, so the drains of one loop may share it.
asio::mutable_buffer discarded();

}  // namespace tcpkit::detail
