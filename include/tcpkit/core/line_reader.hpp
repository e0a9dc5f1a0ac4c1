// Reading a connection line by line: the C++ counterpart of Python's `sock.makefile('rb')`
// followed by `for line in f:` (the lab task in the seeds).
//
// TCP delivers a byte stream, not lines: one recv() may hold half a line or twenty lines. So
// the reader keeps ONE buffer across reads, cuts complete lines out of it, and leaves the bytes
// after the last newline where they are for the next read to complete. The buffer has a hard
// cap: a line longer than `max_line` is an error (errc::line_too_long), never an allocation.
//
// Lines end in LF; a CRLF line is an LF line whose text ends in CR, and `line::text()` drops
// both. The last line of a stream may have no newline at all: it is still returned, flagged
// `terminated == false` (asio::read_until cannot do this: at EOF it only reports eof).
//
// The reader does not own the socket. It holds a reference, never closes, dups or shuts down
// anything, and its destruction does nothing to the connection; closing the socket closes the
// connection at once whatever readers exist. (Python's file object from makefile() holds its
// own reference: `sock.close()` leaves the connection open until the file is closed too, and
// the peer waits forever for the EOF. That cannot happen here.) The other side of the same
// rule: like std::string_view, a reader must not outlive the socket it reads.
//
// The framing (buffer, cap, line splitting) is tcpkit::line_buffer in tcpkit/core/line_buffer.hpp,
// which does no I/O; this file adds the socket.
//
// Why an explicit reader and not (only) a std::istream: see docs/LINES.md. For blocking code
// that wants std::getline, tcpkit/core/socket_istream.hpp wraps a socket as a std::istream.
#pragma once

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/line_buffer.hpp"

#include <asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace tcpkit {

class connection;

// Lines from a connected socket, in coroutine form (for servers) and blocking form (for
// threads). Counts what it has returned, for acknowledgements.
//
// Errors are thrown as tcpkit::error naming the peer: "recv ADDR:PORT: line too long (over N
// bytes)" with errc::line_too_long, or the socket's error. EOF is not an error: the final
// unterminated line, if any, is returned, then nullopt.
class line_reader {
 public:
  // A reader of a socket; `peer` names it in errors (asked from the socket when empty).
  explicit line_reader(tcp::socket& socket, std::size_t max_line = kDefaultMaxLine, std::string peer = {});
  // A reader of a connection: every read touches its idle deadline, and the connection counts
  // as received the bytes of the lines handed out (what the program has taken; an over-long
  // line's bytes are not). The coroutine forms only.
  explicit line_reader(connection& conn, std::size_t max_line = kDefaultMaxLine);

  // The next line, or nullopt at EOF. The line's bytes stay valid until the next read.
  asio::awaitable<std::optional<line>> async_read_line();

  // Every complete line that has arrived (at least one, reading as needed), as one block; at
  // EOF the final unterminated line as a block of one; nullopt at EOF once all was returned.
  asio::awaitable<std::optional<line_block>> async_read_lines();

  // The blocking form of async_read_line(), for a socket used from a thread.
  std::optional<line> read_line();

  std::uint64_t lines_read() const noexcept { return lines_; }
  std::uint64_t bytes_read() const noexcept { return bytes_; }
  std::size_t max_line() const noexcept { return buffer_.max_line(); }

 private:
  std::optional<line> take_line();        // from the buffer, or nullopt; throws line_too_long
  std::optional<line_block> take_lines();
  std::optional<line> take_rest();
  void received(std::size_t n, const std::error_code& ec);  // commit n bytes or note EOF; throws on errors
  [[noreturn]] void throw_error(const std::error_code& ec) const;

  asio::awaitable<void> async_fill();  // one read into the buffer
  void took(std::size_t lines, std::size_t bytes) noexcept;  // lines handed out

  tcp::socket& socket_;
  connection* conn_ = nullptr;
  line_buffer buffer_;
  std::string peer_;
  bool eof_ = false;
  std::uint64_t lines_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace tcpkit
