// libFuzzer target: the bounded line buffer behind tcpkit::line_reader (tcpkit/core/line_buffer.hpp),
// driven the way the reader drives it, with the fuzz input choosing the limits, the bytes and
// how they are cut into reads. Invariants are checked, not just the absence of crashes.
//
// Input layout:
//   byte 0-1  max_line  = 1 + (little-endian u16 % 300)
//   byte 2    read_size = 1 + byte % 64
//   byte 3    bit 0: take lines one at a time (next_line) or in blocks (next_lines)
//   then      records [n][n bytes]: each record is what one recv() delivers (cut further when
//             prepare() offers less room); a last record shorter than n is delivered as is.
#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/line_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

// The line starting at `from` in `stream`: up to and including its '\n', or to the end.
std::size_t line_length(std::string_view stream, std::size_t from) {
  const std::size_t newline = stream.find('\n', from);
  return newline == std::string_view::npos ? stream.size() - from : newline - from + 1;
}

void check_line(const tcpkit::line& l, std::size_t max_line) {
  require(!l.bytes.empty() && l.bytes.size() <= max_line);
  const std::size_t newline = l.bytes.find('\n');
  if (l.terminated) {
    require(newline == l.bytes.size() - 1);  // exactly one LF, at the end
    std::string_view text = l.bytes.substr(0, l.bytes.size() - 1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    require(l.text() == text);  // CRLF is kept in bytes, dropped by text()
  } else {
    require(newline == std::string_view::npos);
    require(l.text() == l.bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const std::size_t max_line = 1 + (static_cast<std::size_t>(data[0] | (data[1] << 8)) % 300);
  const std::size_t read_size = 1 + data[2] % 64;
  const bool blocks = (data[3] & 1) != 0;

  // What the peer sends, and how the network cuts it.
  std::vector<std::string_view> reads;
  std::string stream;
  for (std::size_t at = 4; at < size;) {
    const std::size_t n = std::min<std::size_t>(data[at], size - at - 1);
    reads.emplace_back(reinterpret_cast<const char*>(data + at + 1), n);
    stream.append(reads.back());
    at += 1 + n;
  }

  tcpkit::line_buffer buffer(max_line, read_size);
  require(buffer.capacity() == max_line + read_size);
  std::string got;  // every line handed out, concatenated
  std::size_t next_read = 0;
  std::size_t read_offset = 0;
  std::size_t delivered = 0;  // bytes committed so far
  bool too_long = false;
  bool finished = false;
  std::error_code ec;

  while (!finished) {
    if (blocks) {
      while (auto block = buffer.next_lines(ec)) {
        require(!ec && block->terminated && block->lines > 0 && !block->bytes.empty());
        require(block->bytes.back() == '\n');
        require(static_cast<std::uint64_t>(std::count(block->bytes.begin(), block->bytes.end(), '\n')) == block->lines);
        for (std::string_view rest = block->bytes; !rest.empty();) {
          const std::size_t length = rest.find('\n') + 1;
          require(length <= max_line);
          rest.remove_prefix(length);
        }
        got.append(block->bytes);
      }
    } else {
      while (auto l = buffer.next_line(ec)) {
        require(!ec && l->terminated);
        check_line(*l, max_line);
        got.append(l->bytes);
      }
    }
    if (ec) {
      require(ec == tcpkit::errc::line_too_long);
      too_long = true;
      break;
    }
    // No complete line left: what stays buffered is the start of one line, within the cap.
    require(buffer.buffered() <= max_line);
    require(buffer.buffered() == delivered - got.size());  // nothing dropped, nothing invented

    if (next_read == reads.size()) {  // EOF
      const auto rest = buffer.take_rest(ec);
      if (ec) {
        require(ec == tcpkit::errc::line_too_long);
        too_long = true;
      } else if (rest) {
        require(!rest->terminated);
        check_line(*rest, max_line);
        got.append(rest->bytes);
      }
      finished = true;
      break;
    }
    const asio::mutable_buffer space = buffer.prepare();
    require(space.size() >= read_size);
    const std::string_view piece = reads[next_read].substr(read_offset);
    const std::size_t n = std::min(piece.size(), space.size());
    std::memcpy(space.data(), piece.data(), n);
    buffer.commit(n);
    delivered += n;
    require(buffer.buffered() <= buffer.capacity());
    read_offset += n;
    if (read_offset == reads[next_read].size()) {
      ++next_read;
      read_offset = 0;
    }
  }

  // The lines are the stream's bytes, in order, none lost or changed.
  require(got.size() <= stream.size() && stream.compare(0, got.size(), got) == 0);
  if (too_long) {
    require(line_length(stream, got.size()) > max_line);  // only a real over-long line stops it
  } else {
    require(got == stream);
  }
  return 0;
}
