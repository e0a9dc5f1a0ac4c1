// One TCP segment as it was seen on the wire: the fields of its IP and TCP headers that the
// lessons talk about, decoded from a captured link-layer frame (libpcap's bytes).
//
//   frame:  [link header][IPv4 or IPv6 header (+ extension headers)][TCP header + options][payload]
//                         addresses                                   ports, seq, ack, flags,
//                                                                     window, MSS, window scale
//
// Decoding is pure: no capture, no privilege, no state; anything that is not a complete,
// unfragmented TCP header is "not a segment" (std::nullopt), never an error.
#pragma once

#include "tcpkit/core/endpoint.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tcpkit::wire {

// TCP header flag bits (RFC 9293 §3.1).
enum tcp_flag : std::uint8_t {
  kFin = 0x01,
  kSyn = 0x02,
  kRst = 0x04,
  kPsh = 0x08,
  kAck = 0x10,
  kUrg = 0x20,
};

struct segment {
  std::chrono::system_clock::time_point time;  // when the capture saw it
  tcp::endpoint source;
  tcp::endpoint destination;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;                  // as sent: unscaled
  std::uint32_t payload_bytes = 0;           // from the IP length, so a short snapshot still counts
  std::optional<std::uint8_t> window_scale;  // the option, in SYNs only
  std::optional<std::uint16_t> mss;          // the option, in SYNs only

  bool has(tcp_flag flag) const noexcept { return (flags & flag) != 0; }
  // Sequence space the segment occupies: its payload, plus one each for SYN and FIN.
  std::uint32_t sequence_length() const noexcept {
    return payload_bytes + (has(kSyn) ? 1u : 0u) + (has(kFin) ? 1u : 0u);
  }
};

// The link layers a capture may deliver, by libpcap's DLT_ value: Ethernet (lo on Linux),
// Linux cooked v1 and v2 ("any"), BSD loopback, and raw IP. Others decode to nothing.
// `frame` holds the captured bytes (possibly cut at the snapshot length).
std::optional<segment> decode_frame(int link_type, std::span<const std::byte> frame,
                                    std::chrono::system_clock::time_point time);

// "SYN", "SYN-ACK", "ACK", "PSH-ACK", "FIN-ACK", "RST", "RST-ACK": the set flags, SYN, FIN,
// RST, PSH, URG first and ACK last, joined by '-'; "none" when no flag is set.
std::string format_flags(std::uint8_t flags);

}  // namespace tcpkit::wire
