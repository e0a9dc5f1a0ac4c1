#include "tcpkit/core/socket_istream.hpp"

#include "tcpkit/core/errors.hpp"

#include <asio/error.hpp>
#include <fmt/format.h>

#include <cstring>

namespace tcpkit {

socket_streambuf::socket_streambuf(tcp::socket& socket, std::size_t max_line, std::string peer)
    : socket_(socket),
      max_line_(max_line),
      chunk_(std::make_unique_for_overwrite<char[]>(kSocketStreamChunk)),
      peer_(peer.empty() ? peer_name(socket) : std::move(peer)) {}

void socket_streambuf::count_consumed() {
  const char* first = eback();
  const char* last = egptr();
  if (first == nullptr || first == last) return;
  const auto* newline = static_cast<const char*>(::memrchr(first, '\n', static_cast<std::size_t>(last - first)));
  line_run_ = newline != nullptr ? static_cast<std::size_t>(last - newline - 1)
                                 : line_run_ + static_cast<std::size_t>(last - first);
}

socket_streambuf::int_type socket_streambuf::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  if (too_long_) {
    // Thrown through the istream, which sets badbit and rethrows (badbit is in exceptions()).
    throw error(errc::line_too_long, "recv", peer_, fmt::format("line too long (over {} bytes)", max_line_));
  }
  count_consumed();

  std::error_code ec;
  const std::size_t n = socket_.read_some(asio::buffer(chunk_.get(), kSocketStreamChunk), ec);
  if (ec == asio::error::eof) {
    setg(nullptr, nullptr, nullptr);
    return traits_type::eof();
  }
  if (ec) throw error(ec, "recv", peer_);

  char* first = chunk_.get();
  char* last = first + n;
  if (max_line_ != 0) {
    // Walk the lines of this chunk; stop the get area where a line passes max_line.
    std::size_t run = line_run_;
    for (char* p = first; p < last;) {
      auto* newline = static_cast<char*>(std::memchr(p, '\n', static_cast<std::size_t>(last - p)));
      char* segment_end = newline != nullptr ? newline + 1 : last;
      if (run + static_cast<std::size_t>(segment_end - p) > max_line_) {
        last = p + (max_line_ - run);
        too_long_ = true;
        break;
      }
      if (newline == nullptr) break;
      run = 0;
      p = segment_end;
    }
    if (last == first) {  // not one byte of this chunk may be handed out
      setg(first, first, first);
      return underflow();
    }
  }
  setg(first, first, last);
  return traits_type::to_int_type(*gptr());
}

socket_istream::socket_istream(tcp::socket& socket, std::size_t max_line, std::string peer)
    : std::istream(nullptr), buffer_(socket, max_line, std::move(peer)) {
  rdbuf(&buffer_);
  exceptions(std::ios::badbit);
}

}  // namespace tcpkit
