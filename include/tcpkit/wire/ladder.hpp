// The connections' segments drawn as a ladder between the two endpoints, with what the seeds
// teach written beside the rungs:
//
//   this side 127.0.0.1:41234 (left)                           the peer 127.0.0.1:1060 (right)
//      0.000 ms  |-- SYN seq=0 win=65495 mss=65495 ws=7 ------------------->|
//      0.011 ms  |<------------- SYN-ACK seq=0 ack=1 win=65483 mss=65495 ws=7 --|
//      0.019 ms  |-- ACK seq=1 ack=1 win=65536 -------------------------------->|  handshake complete
//
// Per connection (keyed by its two endpoints) the ladder keeps each side's initial sequence
// number (so seq/ack read from 0), its window scale (a window is scaled only when both SYNs
// offered the option, RFC 7323 §2.2), the highest sequence it has sent (a segment wholly below
// it is a retransmission), the FINs and who sent the first (that side holds TIME_WAIT).
// Pure state: no capture, no clock of its own, no output.
#pragma once

#include "tcpkit/instruments/session_summary.hpp"
#include "tcpkit/wire/segment.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace tcpkit::wire {

// One segment placed on its connection's ladder.
struct step {
  tcp::endpoint local;  // this side's endpoint of the connection
  tcp::endpoint peer;
  bool outgoing = false;       // sent by this side
  bool first = false;          // the connection's first segment seen: draw its header first
  std::uint8_t flags = 0;
  std::uint32_t seq = 0;       // relative to the sender's initial sequence number
  std::uint32_t ack = 0;       // relative to the receiver's; meaningful with kAck only
  std::uint32_t payload_bytes = 0;
  std::uint64_t window_bytes = 0;  // scaled by the sender's window scale when both SYNs had one
  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;
  bool retransmission = false;
  bool zero_window = false;
  std::string note;            // the lesson this segment shows; empty for most
  double seconds = 0;          // since the connection's first segment
};

class ladder {
 public:
  // Connections whose state is kept: past this many, those that have ended are forgotten (a
  // long-running server must not grow without bound); their counts go with them.
  static constexpr std::size_t kMaxConnections = 1024;

  // Tells which endpoint of a segment is this side's: the listening address for a server, for
  // a client whatever is not the server.
  using side_test = std::function<bool(const tcp::endpoint&)>;

  explicit ladder(side_test is_local) : is_local_(std::move(is_local)) {}

  // The segment on its connection's ladder, updating that connection's state; std::nullopt
  // when neither endpoint is this side's.
  std::optional<step> place(const segment& s);

  // The counts of the most recent connection with `peer` (as format_endpoint writes it), if
  // any segment of it was seen.
  std::optional<segment_counts> counts_with(std::string_view peer) const;
  // Counts over every connection seen.
  segment_counts total() const;
  // Every connection seen has ended: a reset, or both FINs sent and the last one acknowledged.
  bool all_closed() const;

 private:
  struct side {
    std::optional<std::uint32_t> isn;    // the base of relative numbers
    std::optional<std::uint8_t> scale;   // from its SYN; nullopt: not offered (or SYN not seen)
    bool syn_seen = false;
    bool sent_any = false;
    std::uint32_t next_seq = 0;          // relative: one past the highest sequence sent
    std::optional<std::uint32_t> fin_seq;  // relative sequence number of its FIN
    bool zero_window = false;            // its latest advertisement was a zero window
  };
  struct connection {
    side local;
    side peer;
    std::chrono::system_clock::time_point first_time;
    std::uint64_t order = 0;              // when it was first seen, for counts_with
    bool handshake_done = false;
    std::optional<bool> local_closed_first;
    bool time_wait_noted = false;
    bool closed = false;
    segment_counts counts;
  };
  using key = std::pair<tcp::endpoint, tcp::endpoint>;  // local, peer

  std::string note_for(connection& c, const segment& s, bool outgoing, step& out);
  // The connection between `endpoints`, new (and `first` set) if unseen or if a SYN reopens it.
  connection& connection_for(const key& endpoints, const segment& s, bool& first);
  void forget_ended(const key& keep);

  side_test is_local_;
  std::map<key, connection> connections_;
  std::uint64_t next_order_ = 0;
};

// The rung of a step: time, arrow with its label, and the note. With `peer_prefix` the line
// starts with the peer's endpoint, so a server's connections stay apart.
std::string format_step(const step& s, bool peer_prefix);

// The line naming the ladder's two sides, drawn before a connection's first rung.
std::string format_ladder_header(const step& s, bool peer_prefix);

}  // namespace tcpkit::wire
