#include "tcpkit/programs/uppercase_stream.hpp"

#include "tcpkit/core/errors.hpp"
#include "tcpkit/core/escape.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tcpkit {
namespace {

std::string quoted_byte(unsigned char byte) { return quote_bytes(std::string_view(reinterpret_cast<const char*>(&byte), 1)); }

// The byte at `offset` came back as `got` instead of the uppercase of `sent`.
error mismatch_error(uppercase_wording wording, std::uint64_t offset, unsigned char got, unsigned char sent,
                     const std::string& peer) {
  if (wording == uppercase_wording::hex) {
    return error(errc::data_mismatch, "verify", peer,
                 fmt::format("byte {} is 0x{:02x}, expected 0x{:02x} (the uppercase of 0x{:02x})", offset, got,
                             uppercase_byte(sent), sent));
  }
  return error(errc::data_mismatch, "recv", peer,
               fmt::format("byte {} of the reply is {}, expected {} (the uppercase of the {} sent)", offset,
                           quoted_byte(got), quoted_byte(uppercase_byte(sent)), quoted_byte(sent)));
}

error excess_error(uppercase_wording wording, std::uint64_t total, const std::string& peer) {
  if (wording == uppercase_wording::hex) {
    return error(errc::data_mismatch, "recv", peer, fmt::format("received more than the {} bytes sent", total));
  }
  return error(errc::data_mismatch, "recv", peer, fmt::format("the server sent more than the {} bytes it was sent", total));
}

}  // namespace

uppercase_stream_check::uppercase_stream_check(std::uint64_t total, std::size_t max_span, uppercase_wording wording)
    : total_(total), payload_(max_span), wording_(wording) {}

asio::const_buffer uppercase_stream_check::chunk(std::uint64_t sent, std::size_t max) const noexcept {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, total_ - sent));
  return asio::buffer(payload_.at(sent), n);
}

void uppercase_stream_check::check(std::uint64_t offset, const unsigned char* data, std::size_t n,
                                   const std::string& peer) const {
  if (n > total_ - offset) throw excess_error(wording_, total_, peer);
  const unsigned char* sent = payload_.at(offset);
  const std::size_t bad = find_uppercase_mismatch(sent, data, n);
  if (bad != n) throw mismatch_error(wording_, offset + bad, data[bad], sent[bad], peer);
}

void uppercase_stream_check::check_complete(std::uint64_t received, const std::string& peer) const {
  if (received < total_) throw short_read(static_cast<std::size_t>(total_), static_cast<std::size_t>(received), peer);
}

}  // namespace tcpkit
