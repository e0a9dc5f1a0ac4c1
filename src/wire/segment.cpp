#include "tcpkit/wire/segment.hpp"

#include <pcap/dlt.h>

#include <array>

namespace tcpkit::wire {

namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint8_t kProtoTcp = 6;

// Bounds-checked big-endian reads over the captured bytes.
class reader {
 public:
  explicit reader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool has(std::size_t offset, std::size_t n) const { return offset <= bytes_.size() && n <= bytes_.size() - offset; }
  std::uint8_t u8(std::size_t at) const { return std::to_integer<std::uint8_t>(bytes_[at]); }
  std::uint16_t u16(std::size_t at) const { return static_cast<std::uint16_t>(u8(at) << 8 | u8(at + 1)); }
  std::uint32_t u32(std::size_t at) const { return std::uint32_t{u16(at)} << 16 | u16(at + 2); }
  std::span<const std::byte> from(std::size_t at) const { return bytes_.subspan(at); }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
};

// Where the IP packet starts and which version it is (from the link header), if it is IP.
struct network_start {
  std::size_t offset;
  std::uint16_t ether_type;
};

std::optional<network_start> find_network(int link_type, const reader& r) {
  switch (link_type) {
    case DLT_EN10MB: {
      if (!r.has(0, 14)) return std::nullopt;
      std::size_t at = 12;
      while (r.u16(at) == kEtherVlan && r.has(at, 6)) at += 4;  // 802.1Q tags
      return network_start{at + 2, r.u16(at)};
    }
    case DLT_LINUX_SLL:
      if (!r.has(0, 16)) return std::nullopt;
      return network_start{16, r.u16(14)};
    case DLT_LINUX_SLL2:
      if (!r.has(0, 20)) return std::nullopt;
      return network_start{20, r.u16(0)};
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: {
      const std::size_t at = (link_type == DLT_NULL || link_type == DLT_LOOP) ? 4 : 0;
      if (!r.has(at, 1)) return std::nullopt;
      const int version = r.u8(at) >> 4;  // the IP header says which it is
      return network_start{at, version == 6 ? kEtherIpv6 : kEtherIpv4};
    }
    default: return std::nullopt;
  }
}

// The TCP header's offset and the TCP length (header + payload) inside an IP packet, with the
// addresses filled into `s`; nothing for a fragment, a non-TCP packet or a cut header.
struct transport_start {
  std::size_t offset;
  std::size_t tcp_length;
};

std::optional<transport_start> parse_ipv4(const reader& r, std::size_t at, segment& s) {
  if (!r.has(at, 20) || r.u8(at) >> 4 != 4) return std::nullopt;
  const std::size_t header = (r.u8(at) & 0x0f) * 4u;
  const std::size_t total = r.u16(at + 2);
  const bool fragment = (r.u16(at + 6) & 0x3fff) != 0;  // MF set or an offset: not the whole segment
  if (header < 20 || total < header || fragment || r.u8(at + 9) != kProtoTcp) return std::nullopt;
  s.source.address(asio::ip::address_v4(r.u32(at + 12)));
  s.destination.address(asio::ip::address_v4(r.u32(at + 16)));
  return transport_start{at + header, total - header};
}

asio::ip::address_v6 read_v6(const reader& r, std::size_t at) {
  asio::ip::address_v6::bytes_type bytes;
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = r.u8(at + i);
  return asio::ip::address_v6(bytes);
}

std::optional<transport_start> parse_ipv6(const reader& r, std::size_t at, segment& s) {
  if (!r.has(at, 40) || r.u8(at) >> 4 != 6) return std::nullopt;
  std::size_t remaining = r.u16(at + 4);
  std::uint8_t next = r.u8(at + 6);
  s.source.address(read_v6(r, at + 8));
  s.destination.address(read_v6(r, at + 24));
  std::size_t offset = at + 40;
  // Hop-by-hop, routing and destination options may precede TCP; a fragment header (44) means
  // the segment is not whole here.
  while (next == 0 || next == 43 || next == 60) {
    if (!r.has(offset, 8)) return std::nullopt;
    const std::size_t length = (r.u8(offset + 1) + 1u) * 8u;
    if (length > remaining) return std::nullopt;
    next = r.u8(offset);
    offset += length;
    remaining -= length;
  }
  if (next != kProtoTcp) return std::nullopt;
  return transport_start{offset, remaining};
}

// MSS and window scale, the options a ladder needs; a malformed list ends the walk quietly.
void parse_tcp_options(const reader& r, std::size_t at, std::size_t end, segment& s) {
  while (at < end && r.has(at, 1)) {
    const std::uint8_t kind = r.u8(at);
    if (kind == 0) return;  // end of options
    if (kind == 1) {        // no-operation padding
      ++at;
      continue;
    }
    if (!r.has(at, 2) || r.u8(at + 1) < 2 || at + r.u8(at + 1) > end || !r.has(at, r.u8(at + 1))) return;
    const std::uint8_t length = r.u8(at + 1);
    if (kind == 2 && length == 4) s.mss = r.u16(at + 2);
    if (kind == 3 && length == 3) s.window_scale = r.u8(at + 2);
    at += length;
  }
}

}  // namespace

std::optional<segment> decode_frame(int link_type, std::span<const std::byte> frame,
                                    std::chrono::system_clock::time_point time) {
  const reader r(frame);
  const auto network = find_network(link_type, r);
  if (!network) return std::nullopt;
  segment s;
  s.time = time;
  std::optional<transport_start> transport;
  if (network->ether_type == kEtherIpv4) transport = parse_ipv4(r, network->offset, s);
  if (network->ether_type == kEtherIpv6) transport = parse_ipv6(r, network->offset, s);
  if (!transport) return std::nullopt;

  const std::size_t at = transport->offset;
  if (!r.has(at, 20)) return std::nullopt;
  const std::size_t header = (r.u8(at + 12) >> 4) * 4u;
  if (header < 20 || header > transport->tcp_length) return std::nullopt;
  s.source.port(r.u16(at));
  s.destination.port(r.u16(at + 2));
  s.seq = r.u32(at + 4);
  s.ack = r.u32(at + 8);
  s.flags = r.u8(at + 13);
  s.window = r.u16(at + 14);
  s.payload_bytes = static_cast<std::uint32_t>(transport->tcp_length - header);
  parse_tcp_options(r, at + 20, at + header, s);
  return s;
}

std::string format_flags(std::uint8_t flags) {
  static constexpr std::array<std::pair<std::uint8_t, const char*>, 6> kNames{
      {{kSyn, "SYN"}, {kFin, "FIN"}, {kRst, "RST"}, {kPsh, "PSH"}, {kUrg, "URG"}, {kAck, "ACK"}}};
  std::string text;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) == 0) continue;
    if (!text.empty()) text += '-';
    text += name;
  }
  return text.empty() ? "none" : text;
}

}  // namespace tcpkit::wire
