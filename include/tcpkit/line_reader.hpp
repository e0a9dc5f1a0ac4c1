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
// Why an explicit reader and not (only) a std::istream: see docs/LINES.md. For blocking code
// that wants std::getline, tcpkit/socket_istream.hpp wraps a socket as a std::istream.
#pragma once

#include "tcpkit/deadline.hpp"
#include "tcpkit/endpoint.hpp"

#include <asio/awaitable.hpp>
#include <asio/buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace tcpkit {

// The longest line accepted by default, line ending included (--max-line).
inline constexpr std::size_t kDefaultMaxLine = 64 * 1024;

// How much one recv() may fill: the buffer holds max_line + this, so that after a partial line
// is moved to the front there is always room for a large read.
inline constexpr std::size_t kDefaultLineReadSize = 128 * 1024;

// One line, exactly as it was received.
struct line {
  std::string_view bytes;  // with its "\n" or "\r\n" when it has one
  bool terminated = true;  // false only for a final line that ended at EOF without "\n"

  // The line without its ending: "abc\r\n" -> "abc", "abc\n" -> "abc", unterminated "abc" -> "abc".
  std::string_view text() const noexcept;
};

// One or more whole lines, contiguous as received: what a reader hands a consumer in one go,
// so that writing them out costs one call however short the lines are.
struct line_block {
  std::string_view bytes;
  std::uint64_t lines = 0;
  bool terminated = true;  // false when the block is the stream's final line without "\n"
};

// The reader's buffer and line splitting, without any I/O (so every split can be unit-tested).
//
//   storage_: allocated once, never grows
//   +--------------+--------------------------------------+---------------------+
//   |  consumed    |  unread: complete lines, then the    |  free: the next     |
//   |  (dead)      |  start of a line still arriving      |  recv() lands here  |
//   +--------------+--------------------------------------+---------------------+
//   0           begin_       begin_ + scanned_          end_             capacity_
//                  \__ no '\n' in here __/
//
//   0 <= begin_ <= begin_ + scanned_ <= end_ <= capacity_ = max_line + read_size
//   A line is at most max_line bytes (ending included), so when no complete line is left
//   the unread bytes are at most max_line and moving them to the front (prepare) frees at
//   least read_size bytes. scanned_ remembers how far the newline search got, so a long line
//   arriving in many small pieces is searched once, not once per piece.
class line_buffer {
 public:
  explicit line_buffer(std::size_t max_line = kDefaultMaxLine, std::size_t read_size = kDefaultLineReadSize);

  std::size_t max_line() const noexcept { return max_line_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t buffered() const noexcept { return end_ - begin_; }  // unread bytes

  // The next complete line, or nullopt when the unread bytes hold none (read more, then ask
  // again). A line longer than max_line sets `ec` to errc::line_too_long and returns nullopt;
  // the buffer is then left as it was (the over-long line is never returned). The line's
  // bytes stay valid until the next prepare().
  std::optional<line> next_line(std::error_code& ec);

  // Every complete line buffered, as one block, or nullopt if there is none. Lines before an
  // over-long one are returned first; the next call reports the error.
  std::optional<line_block> next_lines(std::error_code& ec);

  // Free space to receive into, at least read_size bytes once no complete line is left
  // (call it only then). Moves the partial line to the front of the buffer first.
  asio::mutable_buffer prepare();

  // Makes `n` bytes written at prepare()'s buffer part of the unread bytes.
  void commit(std::size_t n) noexcept;

  // After EOF: the unread bytes as one unterminated line, or nullopt if nothing is left.
  std::optional<line> take_rest(std::error_code& ec);

 private:
  std::size_t max_line_;
  std::size_t capacity_;
  std::unique_ptr<char[]> storage_;
  std::size_t begin_ = 0;
  std::size_t scanned_ = 0;
  std::size_t end_ = 0;
};

// Lines from a connected socket, in coroutine form (for servers) and blocking form (for
// threads). Counts what it has returned, for acknowledgements.
//
// Errors are thrown as tcpkit::error naming the peer: "recv ADDR:PORT: line too long (over N
// bytes)" with errc::line_too_long, or the socket's error. EOF is not an error: the final
// unterminated line, if any, is returned, then nullopt.
class line_reader {
 public:
  // `idle`, when given, is touched whenever bytes arrive. `peer` names the connection in
  // errors (asked from the socket when empty).
  explicit line_reader(tcp::socket& socket, std::size_t max_line = kDefaultMaxLine, idle_deadline* idle = nullptr,
                       std::string peer = {});

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

  tcp::socket& socket_;
  line_buffer buffer_;
  idle_deadline* idle_;
  std::string peer_;
  bool eof_ = false;
  std::uint64_t lines_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace tcpkit
