// The client's half of the uppercase contract over one stream of `total` bytes: what to send at
// each offset, and the check of every block received against the uppercase of what was sent
// at that offset (tcpkit/programs/uppercase.hpp). The uppercase client and `tcpkit bench
// uppercase` both stream through it.
//
//   send:    chunk(sent, max) ─────> capitalize this!capitalize this!...   (the repeated payload)
//   receive: check(offset, block) <─ CAPITALIZE THIS!CAPITALIZE THIS!...   first wrong byte: data_mismatch
//   EOF:     check_complete(received)                                      fewer than total: short_read
//
// The positions are the caller's byte counts, not state of this type: it is immutable once
// built, so one check serves every stream of a load run, and a sender and a receiver thread
// may use it at once.
#pragma once

#include "tcpkit/programs/uppercase.hpp"

#include <asio/buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tcpkit {

// How a wrong reply is named. A person reading the client's error sees the bytes as text:
// `recv PEER: byte 5 of the reply is "x", expected "X" (the uppercase of the "x" sent)`;
// bench's first-failure line sees them in hex: `verify PEER: byte 5 is 0x78, expected 0x58
// (the uppercase of 0x78)`.
enum class uppercase_wording { quoted, hex };

class uppercase_stream_check {
 public:
  // `total` bytes in all (a whole number of messages: round_up_to_messages); every chunk sent
  // and every block checked is at most `max_span` bytes.
  uppercase_stream_check(std::uint64_t total, std::size_t max_span, uppercase_wording wording);

  std::uint64_t total() const noexcept { return total_; }
  std::size_t max_span() const noexcept { return payload_.max_span(); }

  // The payload from stream offset `sent`, at most `max` (<= max_span()) bytes; empty once
  // all `total` bytes are sent.
  asio::const_buffer chunk(std::uint64_t sent, std::size_t max) const noexcept;
  // `n` (<= max_span()) bytes received at stream offset `offset`. Throws tcpkit::error
  // (errc::data_mismatch) naming `peer` and the first wrong byte, or when they run past total().
  void check(std::uint64_t offset, const unsigned char* data, std::size_t n, const std::string& peer) const;
  // At the peer's EOF after `received` bytes: throws short_read if fewer than total() came.
  void check_complete(std::uint64_t received, const std::string& peer) const;

 private:
  std::uint64_t total_;
  repeated_payload payload_;
  uppercase_wording wording_;
};

}  // namespace tcpkit
