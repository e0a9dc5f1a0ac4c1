// A bounded line buffer: TCP's byte stream cut into lines, without any I/O.
//
// This is the framing half of tcpkit/core/line_reader.hpp, on its own so that it can be driven by
// anything that produces bytes (a socket, a test, a fuzzer): ask for free space with prepare(),
// write into it, commit() what was written, then take lines out with next_line() or
// next_lines(); after the end of the stream, take_rest() hands out a final line without "\n".
// It has no coroutines and no sockets (the fuzzing build compiles it with clang; see
// docs/DESIGN.md).
#pragma once

#include <asio/buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

// How many '\n' bytes `bytes` holds (vectorised where SSE2 is available).
std::uint64_t count_newlines(std::string_view bytes) noexcept;

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

}  // namespace tcpkit
