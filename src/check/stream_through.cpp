#include "case_kit.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tcpkit::check {
namespace {

// Checks `got` against the expected reply at stream offset `at`; records the first mismatch.
void verify(stream_outcome& s, std::string_view upper_block, const char* got, std::size_t n) {
  if (s.mismatch_at != UINT64_MAX) return;
  for (std::size_t i = 0; i < n; ++i) {
    auto want = static_cast<unsigned char>(upper_block[(s.received + i) % upper_block.size()]);
    if (static_cast<unsigned char>(got[i]) != want) {
      s.mismatch_at = s.received + i;
      s.expected = want;
      s.got = static_cast<unsigned char>(got[i]);
      return;
    }
  }
}

}  // namespace

std::string uppercased(std::string_view bytes) {
  std::string out(bytes);
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out;
}

stream_outcome stream_through(connection& c, std::string_view block, std::uint64_t total, clock::time_point deadline,
                              bool half_close) {
  const std::string upper_block = uppercased(block);
  stream_outcome s;
  auto begin = clock::now();
  std::vector<char> buffer(256 * 1024);
  bool writing = total > 0, reading = true;
  if (!writing && half_close) c.shutdown_write();
  while (reading && clock::now() < deadline) {
    pollfd p{c.fd(), static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long>(1, std::min<long>(left, 1000)))) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(c.fd(), buffer.data(), buffer.size(), 0);
      if (n > 0) {
        verify(s, upper_block, buffer.data(), static_cast<std::size_t>(n));
        s.received += static_cast<std::uint64_t>(n);
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        s.end = n == 0 ? (s.received >= total ? io_end::complete : io_end::eof) : io_end::reset;
        reading = false;
      }
    }
    if (writing && (p.revents & POLLOUT)) {
      std::size_t at = s.sent % block.size();
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block.size() - at, total - s.sent));
      ssize_t put = ::send(c.fd(), block.data() + at, n, MSG_NOSIGNAL);
      if (put > 0) s.sent += static_cast<std::uint64_t>(put);
      if (put < 0 && errno != EAGAIN && errno != EINTR) writing = false;
      if (s.sent == total) {
        writing = false;
        if (half_close) c.shutdown_write();
      }
    }
  }
  if (reading) s.end = io_end::timeout;
  s.seconds = std::chrono::duration<double>(clock::now() - begin).count();
  return s;
}

std::string describe(const stream_outcome& s) {
  std::string text = fmt::format("sent {} bytes, received {} bytes in {:.3f} s, ended by {}", s.sent, s.received,
                                 s.seconds, s.end == io_end::complete ? "EOF after the last reply" : to_string(s.end));
  if (s.mismatch_at != UINT64_MAX) {
    text += fmt::format("; first wrong byte at offset {}: expected 0x{:02x}, got 0x{:02x}", s.mismatch_at, s.expected, s.got);
  } else if (s.received > 0) {
    text += "; every byte received was checked and correct";
  }
  return text;
}

}  // namespace tcpkit::check
