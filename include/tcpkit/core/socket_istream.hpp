// A connected socket as a std::istream: the lab's `f = sock.makefile('rb')` for blocking C++
// code, so that std::getline, operator>> and anything else that takes a std::istream& (a
// parser, a CSV reader) reads from the network as it would from a file.
//
//   tcp::socket socket = tcpkit::connect_to(io, "127.0.0.1", 1060);
//   tcpkit::socket_istream in(socket);
//   for (std::string text; std::getline(in, text);) use(text);  // stops at the peer's EOF
//
// What std::getline cannot say, and tcpkit::line_reader can: whether a line ended in CRLF
// (the '\r' stays in `text`) and whether the final line had a newline (only `in.eof()` right
// after the last successful getline tells). Use line_reader when those matter, and in
// coroutines: an istream can only block.
//
// Bounded like line_reader: the stream buffer holds one fixed chunk, and a line longer than
// `max_line` (ending included; 0 means no limit) is never handed out whole. The stream
// delivers the first max_line bytes of it and then fails. Errors (that one, a reset) are
// thrown as tcpkit::error naming the peer: badbit is in exceptions(), so a failure is never
// mistaken for a clean EOF. The stream does not own the socket (see line_reader.hpp).
#pragma once

#include "tcpkit/core/endpoint.hpp"
#include "tcpkit/core/line_reader.hpp"

#include <cstddef>
#include <istream>
#include <memory>
#include <streambuf>
#include <string>

namespace tcpkit {

inline constexpr std::size_t kSocketStreamChunk = 64 * 1024;

// The std::streambuf behind socket_istream: one chunk refilled with blocking reads.
class socket_streambuf final : public std::streambuf {
 public:
  explicit socket_streambuf(tcp::socket& socket, std::size_t max_line = kDefaultMaxLine, std::string peer = {});

 protected:
  int_type underflow() override;

 private:
  void count_consumed();  // updates line_run_ with the get area just used up

  tcp::socket& socket_;
  std::size_t max_line_;
  std::unique_ptr<char[]> chunk_;
  std::string peer_;
  std::size_t line_run_ = 0;  // bytes of the current line handed out in earlier chunks
  bool too_long_ = false;     // the get area stops where the line passed max_line
};

class socket_istream : public std::istream {
 public:
  explicit socket_istream(tcp::socket& socket, std::size_t max_line = kDefaultMaxLine, std::string peer = {});

 private:
  socket_streambuf buffer_;
};

}  // namespace tcpkit
