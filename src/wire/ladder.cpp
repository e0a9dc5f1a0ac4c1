#include "tcpkit/wire/ladder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tcpkit::wire {

namespace {

// Sequence numbers wrap: a is before b when the signed distance is negative (RFC 1982).
bool seq_before_or_at(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) <= 0; }

constexpr std::size_t kArrowWidth = 64;  // the rung, between the two uprights

}  // namespace

std::optional<step> ladder::place(const segment& s) {
  const bool source_local = is_local_(s.source);
  if (!source_local && !is_local_(s.destination)) return std::nullopt;
  const tcp::endpoint& local = source_local ? s.source : s.destination;
  const tcp::endpoint& peer = source_local ? s.destination : s.source;

  step out;
  out.local = local;
  out.peer = peer;
  out.outgoing = source_local;
  const key endpoints{local, peer};
  connection& c = connection_for(endpoints, s, out.first);
  side& sender = source_local ? c.local : c.peer;
  side& receiver = source_local ? c.peer : c.local;
  // Numbers read from 0 at the SYN; for a side first seen mid-stream, from its first segment.
  if (!sender.isn) sender.isn = s.seq;
  if (!receiver.isn && s.has(kAck)) receiver.isn = s.ack;
  if (s.has(kSyn)) {
    sender.syn_seen = true;
    sender.scale = s.window_scale;
  }

  out.flags = s.flags;
  out.seq = s.seq - *sender.isn;
  out.ack = s.has(kAck) && receiver.isn ? s.ack - *receiver.isn : 0;
  out.payload_bytes = s.payload_bytes;
  out.mss = s.mss;
  out.window_scale = s.window_scale;
  // Windows in SYNs are never scaled; later ones are, if both ends offered the option.
  const bool scaled = !s.has(kSyn) && c.local.scale && c.peer.scale;
  out.window_bytes = std::uint64_t{s.window} << (scaled ? std::min<std::uint8_t>(*sender.scale, 14) : 0);
  out.seconds = std::chrono::duration<double>(s.time - c.first_time).count();

  const std::uint32_t length = s.sequence_length();
  out.retransmission = length > 0 && sender.sent_any && seq_before_or_at(out.seq + length, sender.next_seq);
  if (length > 0 && (!sender.sent_any || !seq_before_or_at(out.seq + length, sender.next_seq))) {
    sender.next_seq = out.seq + length;
  }
  sender.sent_any = sender.sent_any || length > 0;
  out.zero_window = s.window == 0 && !s.has(kSyn) && !s.has(kRst);

  (source_local ? c.counts.sent : c.counts.received) += 1;
  c.counts.retransmitted += out.retransmission ? 1 : 0;
  c.counts.zero_windows += out.zero_window ? 1 : 0;
  out.note = note_for(c, s, source_local, out);
  if (connections_.size() > kMaxConnections) forget_ended(endpoints);
  return out;
}

ladder::connection& ladder::connection_for(const key& endpoints, const segment& s, bool& first) {
  auto [it, inserted] = connections_.try_emplace(endpoints);
  connection& c = it->second;
  if (inserted || (s.has(kSyn) && !s.has(kAck) && c.closed)) {  // a new SYN reuses the endpoints
    c = connection{};
    c.first_time = s.time;
    c.order = next_order_++;
    first = true;
  }
  return c;
}

void ladder::forget_ended(const key& keep) {
  std::erase_if(connections_, [&keep](const auto& entry) { return entry.second.closed && entry.first != keep; });
}

// The lessons, in the order a connection teaches them. Several can apply to one segment (a
// zero window advertised in a retransmission); they are joined with "; ".
std::string ladder::note_for(connection& c, const segment& s, bool outgoing, step& out) {
  side& sender = outgoing ? c.local : c.peer;
  side& receiver = outgoing ? c.peer : c.local;
  std::string note;
  auto add = [&note](std::string_view text) {
    if (!note.empty()) note += "; ";
    note += text;
  };
  const char* who = outgoing ? "this side" : "the peer";
  if (s.has(kRst)) {
    // A reset that answers a SYN is connect() failing: nothing listens at that port.
    const bool refusal = !c.handshake_done && receiver.syn_seen && !sender.syn_seen;
    add(refusal ? std::string("reset: connection refused, nothing listens there")
                : fmt::format("reset: {} aborts the connection", who));
    c.closed = true;
  }
  if (!c.handshake_done && s.has(kAck) && !s.has(kSyn) && sender.syn_seen && receiver.syn_seen) {
    c.handshake_done = true;
    add("handshake complete");
  }
  if (out.retransmission) add("retransmission");
  // Linux probes a closed window with an empty segment one below what it has sent (RFC 9293
  // §3.8.6.1): the reply carries the current window.
  const bool probe = s.sequence_length() == 0 && sender.sent_any && out.seq + 1 == sender.next_seq && !s.has(kRst);
  if (probe && receiver.zero_window) add("window probe: is there room yet?");
  if (out.zero_window) {
    add(outgoing ? "zero window: the receiver's buffer is full (this side's)"
                 : "zero window: the receiver's buffer is full (the peer's)");
  } else if (sender.zero_window && !s.has(kRst)) {
    add("the window opens again");
  }
  sender.zero_window = out.zero_window;
  if (s.has(kFin) && !sender.fin_seq) {
    sender.fin_seq = out.seq + s.payload_bytes;
    if (!c.local_closed_first) c.local_closed_first = outgoing;
    add(fmt::format("{} half-closed: FIN", who));
  }
  // The first closer acknowledges the other's FIN: it now waits in TIME_WAIT, the other is done.
  const bool first_closer = c.local_closed_first && *c.local_closed_first == outgoing;
  if (first_closer && !c.time_wait_noted && receiver.fin_seq && s.has(kAck) &&
      seq_before_or_at(*receiver.fin_seq + 1, out.ack)) {
    c.time_wait_noted = true;
    c.closed = true;
    add(outgoing ? "TIME_WAIT is on this side: it closed first" : "TIME_WAIT is on the peer's side: it closed first");
  }
  return note;
}

std::optional<segment_counts> ladder::counts_with(std::string_view peer) const {
  const connection* latest = nullptr;
  for (const auto& [endpoints, c] : connections_) {
    if (format_endpoint(endpoints.second) != peer) continue;
    if (latest == nullptr || c.order > latest->order) latest = &c;
  }
  if (latest == nullptr) return std::nullopt;
  return latest->counts;
}

segment_counts ladder::total() const {
  segment_counts sum;
  for (const auto& [endpoints, c] : connections_) {
    sum.sent += c.counts.sent;
    sum.received += c.counts.received;
    sum.retransmitted += c.counts.retransmitted;
    sum.zero_windows += c.counts.zero_windows;
  }
  return sum;
}

bool ladder::all_closed() const {
  return std::all_of(connections_.begin(), connections_.end(), [](const auto& entry) { return entry.second.closed; });
}

namespace {

std::string label_of(const step& s) {
  std::string label = fmt::format("{} seq={}", format_flags(s.flags), s.seq);
  if (s.flags & kAck) label += fmt::format(" ack={}", s.ack);
  if (s.payload_bytes > 0) label += fmt::format(" len={}", s.payload_bytes);
  label += fmt::format(" win={}", s.window_bytes);
  if (s.mss) label += fmt::format(" mss={}", *s.mss);
  if (s.window_scale) label += fmt::format(" ws={}", *s.window_scale);
  return label;
}

}  // namespace

std::string format_step(const step& s, bool peer_prefix) {
  const std::string label = label_of(s);
  // "|-- LABEL ----->|" for this side's segments, "|<----- LABEL --|" for the peer's.
  const std::size_t used = label.size() + 8;
  const std::string fill(used < kArrowWidth ? kArrowWidth - used : 0, '-');
  const std::string rung = s.outgoing ? fmt::format("|-- {} {}->|", label, fill) : fmt::format("|<-{} {} --|", fill, label);
  std::string line = peer_prefix ? format_endpoint(s.peer) + " " : std::string();
  line += fmt::format("{:9.3f} ms  {}", s.seconds * 1e3, rung);
  if (!s.note.empty()) line += "  " + s.note;
  return line;
}

std::string format_ladder_header(const step& s, bool peer_prefix) {
  std::string line = peer_prefix ? format_endpoint(s.peer) + " " : std::string();
  return line + fmt::format("Packets between this side {} (left) and the peer {} (right):", format_endpoint(s.local),
                            format_endpoint(s.peer));
}

}  // namespace tcpkit::wire
