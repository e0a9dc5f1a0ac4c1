// Where a lines server puts the lines it receives: the interface between the network side and
// the program's output, on its own so that a sink (tcpkit/core/fd_sink.hpp) does not depend on the server.
#pragma once

#include "tcpkit/core/line_buffer.hpp"

#include <asio/awaitable.hpp>

namespace tcpkit {

// Where a lines server puts what it receives. The library never prints: the program decides
// (tcpkit's CLI uses an fd_sink on stdout; tests collect in memory).
class line_sink {
 public:
  virtual ~line_sink() = default;

  // Takes one block of whole lines from one connection. A block is taken whole: blocks from
  // different connections may follow each other in any order but never mix inside a line.
  // `block.bytes` is only valid until this completes. Completing late is backpressure: the
  // connection reads no more meanwhile. Throws tcpkit::error if the sink has failed.
  virtual asio::awaitable<void> async_write(const line_block& block) = 0;

  // Completes once everything taken so far has reached its destination (the server waits for
  // this before acknowledging, so an acknowledged line is already written).
  virtual asio::awaitable<void> async_flush() = 0;
};

}  // namespace tcpkit
