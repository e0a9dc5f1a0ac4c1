// The wire layer's pure parts on synthetic packets: decoding link, IP and TCP headers, and the
// ladder's relative numbers, window scaling, counts and lessons. No capture, no privilege.
#include "tcpkit/wire/ladder.hpp"
#include "tcpkit/wire/pcap_file.hpp"
#include "tcpkit/wire/segment.hpp"

#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include <vector>

namespace tcpkit::wire {
namespace {

using bytes = std::vector<std::byte>;

void put16(bytes& b, std::uint16_t v) {
  b.push_back(std::byte(v >> 8));
  b.push_back(std::byte(v & 0xff));
}
void put32(bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}

struct tcp_fields {
  std::uint16_t source_port = 50000;
  std::uint16_t destination_port = 1060;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  bytes options = {};  // a multiple of 4 bytes
  std::size_t payload = 0;
};

bytes tcp_header(const tcp_fields& f) {
  bytes b;
  put16(b, f.source_port);
  put16(b, f.destination_port);
  put32(b, f.seq);
  put32(b, f.ack);
  b.push_back(std::byte(((20 + f.options.size()) / 4) << 4));
  b.push_back(std::byte(f.flags));
  put16(b, f.window);
  put32(b, 0);  // checksum, urgent pointer
  b.insert(b.end(), f.options.begin(), f.options.end());
  b.insert(b.end(), f.payload, std::byte('x'));
  return b;
}

// Ethernet + IPv4 (127.0.0.1 -> 127.0.0.2 unless swapped) + TCP.
bytes ethernet_ipv4(const tcp_fields& f, bool swapped = false, std::uint16_t fragment = 0, std::uint8_t protocol = 6) {
  const bytes tcp = tcp_header(f);
  bytes b(12, std::byte(0));
  put16(b, 0x0800);
  b.push_back(std::byte(0x45));
  b.push_back(std::byte(0));
  put16(b, static_cast<std::uint16_t>(20 + tcp.size()));
  put16(b, 0);
  put16(b, fragment);
  b.push_back(std::byte(64));
  b.push_back(std::byte(protocol));
  put16(b, 0);
  put32(b, swapped ? 0x7f000002 : 0x7f000001);
  put32(b, swapped ? 0x7f000001 : 0x7f000002);
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

// Linux cooked capture v1 + IPv6 (::1 -> ::1) + TCP.
bytes cooked_ipv6(const tcp_fields& f) {
  const bytes tcp = tcp_header(f);
  bytes b(14, std::byte(0));
  put16(b, 0x86dd);
  put32(b, 0x60000000);
  put16(b, static_cast<std::uint16_t>(tcp.size()));
  b.push_back(std::byte(6));
  b.push_back(std::byte(64));
  for (int side = 0; side < 2; ++side) {
    b.insert(b.end(), 15, std::byte(0));
    b.push_back(std::byte(1));
  }
  b.insert(b.end(), tcp.begin(), tcp.end());
  return b;
}

const bytes kSynOptions{std::byte(2), std::byte(4), std::byte(0xff), std::byte(0xd7),   // MSS 65495
                        std::byte(1), std::byte(3), std::byte(3),    std::byte(7)};     // NOP, WS 7

TEST(WireDecode, Ipv4SynOnEthernetWithItsOptions) {
  const auto s = decode_frame(DLT_EN10MB, ethernet_ipv4({.seq = 1000, .flags = kSyn, .window = 65495, .options = kSynOptions}), {});
  ASSERT_TRUE(s);
  EXPECT_EQ(format_endpoint(s->source), "127.0.0.1:50000");
  EXPECT_EQ(format_endpoint(s->destination), "127.0.0.2:1060");
  EXPECT_EQ(s->seq, 1000u);
  EXPECT_EQ(s->flags, kSyn);
  EXPECT_EQ(s->window, 65495);
  EXPECT_EQ(s->mss, 65495);
  EXPECT_EQ(s->window_scale, 7);
  EXPECT_EQ(s->payload_bytes, 0u);
  EXPECT_EQ(s->sequence_length(), 1u);
}

TEST(WireDecode, Ipv6OnLinuxCookedCaptureCountsThePayload) {
  const auto s = decode_frame(DLT_LINUX_SLL, cooked_ipv6({.seq = 5, .ack = 9, .flags = kPsh | kAck, .window = 512, .payload = 16}), {});
  ASSERT_TRUE(s);
  EXPECT_EQ(format_endpoint(s->source), "[::1]:50000");
  EXPECT_EQ(s->payload_bytes, 16u);
  EXPECT_EQ(s->ack, 9u);
  EXPECT_FALSE(s->window_scale);
}

TEST(WireDecode, ASnapshotCutAfterTheHeaderStillCountsThePayloadFromTheIpLength) {
  bytes frame = ethernet_ipv4({.flags = kAck, .payload = 1000});
  frame.resize(14 + 20 + 20);
  const auto s = decode_frame(DLT_EN10MB, frame, {});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->payload_bytes, 1000u);
}

TEST(WireDecode, FragmentsOtherProtocolsCutHeadersAndUnknownLinksAreNotSegments) {
  EXPECT_FALSE(decode_frame(DLT_EN10MB, ethernet_ipv4({.flags = kAck}, false, 0x2000), {}));  // more fragments
  EXPECT_FALSE(decode_frame(DLT_EN10MB, ethernet_ipv4({.flags = kAck}, false, 0, 17), {}));   // UDP
  bytes cut = ethernet_ipv4({.flags = kAck});
  cut.resize(14 + 20 + 10);
  EXPECT_FALSE(decode_frame(DLT_EN10MB, cut, {}));
  EXPECT_FALSE(decode_frame(DLT_EN10MB, bytes(3, std::byte(0)), {}));
  EXPECT_FALSE(decode_frame(9999, ethernet_ipv4({.flags = kAck}), {}));
}

TEST(WireDecode, FlagsAreNamedSynFinRstPshUrgThenAck) {
  EXPECT_EQ(format_flags(kSyn), "SYN");
  EXPECT_EQ(format_flags(kSyn | kAck), "SYN-ACK");
  EXPECT_EQ(format_flags(kFin | kPsh | kAck), "FIN-PSH-ACK");
  EXPECT_EQ(format_flags(kRst), "RST");
  EXPECT_EQ(format_flags(0), "none");
}

// A conversation between the client 127.0.0.1:50000 (this side) and 127.0.0.2:1060.
class WireLadder : public ::testing::Test {
 protected:
  ladder steps{[](const tcp::endpoint& e) { return e.port() == 50000; }};
  std::chrono::system_clock::time_point now{};

  step out(tcp_fields f) { return place(f, false); }
  step in(tcp_fields f) {
    std::swap(f.source_port, f.destination_port);
    return place(f, true);
  }

 private:
  step place(const tcp_fields& f, bool swapped) {
    now += std::chrono::microseconds(10);
    auto s = decode_frame(DLT_EN10MB, ethernet_ipv4(f, swapped), now);
    EXPECT_TRUE(s);
    auto placed = steps.place(*s);
    EXPECT_TRUE(placed);
    return placed.value_or(step{});
  }
};

TEST_F(WireLadder, ASixteenExchangeReadsFromZeroWithItsLessons) {
  const std::uint32_t c = 4'000'000'000u;  // the client's ISN: relative numbers must wrap
  const std::uint32_t s = 77;
  const step syn = out({.seq = c, .flags = kSyn, .window = 65495, .options = kSynOptions});
  EXPECT_TRUE(syn.first);
  EXPECT_EQ(syn.seq, 0u);
  EXPECT_EQ(syn.window_bytes, 65495u);  // a SYN's window is never scaled
  const step syn_ack = in({.seq = s, .ack = c + 1, .flags = kSyn | kAck, .window = 65483, .options = kSynOptions});
  EXPECT_FALSE(syn_ack.first);
  EXPECT_FALSE(syn_ack.outgoing);
  EXPECT_EQ(syn_ack.ack, 1u);
  const step ack = out({.seq = c + 1, .ack = s + 1, .flags = kAck, .window = 512});
  EXPECT_EQ(ack.note, "handshake complete");
  EXPECT_EQ(ack.window_bytes, 512u << 7);
  const step request = out({.seq = c + 1, .ack = s + 1, .flags = kPsh | kAck, .window = 512, .payload = 16});
  EXPECT_EQ(request.payload_bytes, 16u);
  EXPECT_EQ(request.note, "");
  const step fin = out({.seq = c + 17, .ack = s + 1, .flags = kFin | kAck, .window = 512});
  EXPECT_EQ(fin.seq, 17u);
  EXPECT_EQ(fin.note, "this side half-closed: FIN");
  const step reply = in({.seq = s + 1, .ack = c + 18, .flags = kPsh | kAck, .window = 512, .payload = 16});
  EXPECT_EQ(reply.ack, 18u);
  const step peer_fin = in({.seq = s + 17, .ack = c + 18, .flags = kFin | kAck, .window = 512});
  EXPECT_EQ(peer_fin.note, "the peer half-closed: FIN");
  EXPECT_FALSE(steps.all_closed());
  const step last = out({.seq = c + 18, .ack = s + 18, .flags = kAck, .window = 512});
  EXPECT_EQ(last.note, "TIME_WAIT is on this side: it closed first");
  EXPECT_TRUE(steps.all_closed());

  const auto counts = steps.counts_with("127.0.0.2:1060");
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->sent, 5u);
  EXPECT_EQ(counts->received, 3u);
  EXPECT_EQ(counts->retransmitted, 0u);
  EXPECT_FALSE(steps.counts_with("127.0.0.2:9"));
}

TEST_F(WireLadder, WindowsAreScaledOnlyWhenBothSynsOfferedTheOption) {
  out({.seq = 10, .flags = kSyn, .window = 65495, .options = kSynOptions});
  in({.seq = 20, .ack = 11, .flags = kSyn | kAck, .window = 65483});  // no window scale option
  EXPECT_EQ(out({.seq = 11, .ack = 21, .flags = kAck, .window = 512}).window_bytes, 512u);
}

TEST_F(WireLadder, AZeroWindowItsProbeARetransmissionAndTheReopeningAreNamed) {
  out({.seq = 10, .flags = kSyn, .window = 65495, .options = kSynOptions});
  in({.seq = 20, .ack = 11, .flags = kSyn | kAck, .window = 65483, .options = kSynOptions});
  out({.seq = 11, .ack = 21, .flags = kAck, .window = 512});
  out({.seq = 11, .ack = 21, .flags = kAck, .window = 512, .payload = 100});
  const step full = in({.seq = 21, .ack = 111, .flags = kAck, .window = 0});
  EXPECT_TRUE(full.zero_window);
  EXPECT_EQ(full.note, "zero window: the receiver's buffer is full (the peer's)");
  const step probe = out({.seq = 110, .ack = 21, .flags = kAck, .window = 512});
  EXPECT_EQ(probe.note, "window probe: is there room yet?");
  const step again = out({.seq = 11, .ack = 21, .flags = kAck, .window = 512, .payload = 100});
  EXPECT_TRUE(again.retransmission);
  EXPECT_EQ(again.note, "retransmission");
  const step open = in({.seq = 21, .ack = 111, .flags = kAck, .window = 300});
  EXPECT_FALSE(open.zero_window);
  EXPECT_EQ(open.note, "the window opens again");
  const segment_counts total = steps.total();
  EXPECT_EQ(total.zero_windows, 1u);
  EXPECT_EQ(total.retransmitted, 1u);
}

TEST_F(WireLadder, AResetAfterTheHandshakeAbortsTheConnection) {
  out({.seq = 10, .flags = kSyn, .window = 65495});
  in({.seq = 20, .ack = 11, .flags = kSyn | kAck, .window = 65483});
  out({.seq = 11, .ack = 21, .flags = kAck, .window = 512});
  EXPECT_FALSE(steps.all_closed());
  EXPECT_EQ(out({.seq = 11, .ack = 21, .flags = kRst | kAck}).note, "reset: this side aborts the connection");
  EXPECT_TRUE(steps.all_closed());
}

TEST_F(WireLadder, AResetEndsTheConnectionAndSegmentsOfOthersAreNotPlaced) {
  out({.seq = 10, .flags = kSyn, .window = 65495});
  const step refused = in({.seq = 0, .ack = 11, .flags = kRst | kAck});
  EXPECT_EQ(refused.note, "reset: connection refused, nothing listens there");
  EXPECT_TRUE(steps.all_closed());
  auto stranger = decode_frame(DLT_EN10MB, ethernet_ipv4({.source_port = 7, .destination_port = 8, .flags = kAck}), {});
  ASSERT_TRUE(stranger);
  EXPECT_FALSE(steps.place(*stranger));
}

TEST(WireLadderMemory, PastItsLimitTheLadderForgetsConnectionsThatEnded) {
  ladder steps{[](const tcp::endpoint& e) { return e.port() != 1060; }};
  auto place = [&](std::uint16_t port, std::uint8_t flags) {
    auto s = decode_frame(DLT_EN10MB, ethernet_ipv4({.source_port = port, .seq = 1, .flags = flags, .window = 9}), {});
    ASSERT_TRUE(s);
    ASSERT_TRUE(steps.place(*s));
  };
  place(20000, kSyn);  // never ends: kept
  for (std::uint16_t i = 0; i < ladder::kMaxConnections; ++i) {
    place(static_cast<std::uint16_t>(30000 + i), kSyn);
    place(static_cast<std::uint16_t>(30000 + i), kRst);
  }
  EXPECT_TRUE(steps.counts_with("127.0.0.2:1060"));  // the kept one, or the last
  EXPECT_EQ(steps.total().sent, 3u);  // the open one, and the newest (SYN, RST) that had just ended
  EXPECT_FALSE(steps.all_closed());
}

TEST(WireSummary, ASessionSummaryGainsTheSegmentCountsInFieldsAndWords) {
  event session{event_type::session, "  Session with 127.0.0.2:1060: sent 16 bytes", {{"peer", std::string("127.0.0.2:1060")}}};
  const std::string text = add_segment_counts(session, session.text, {.sent = 6, .received = 4, .retransmitted = 1, .zero_windows = 2});
  EXPECT_EQ(text, "  Session with 127.0.0.2:1060: sent 16 bytes; 6 segments sent, 4 received, 1 retransmitted, 2 with a zero window");
  session.text = text;
  EXPECT_EQ(render_json(session),
            R"({"event":"session","schema_version":1,"peer":"127.0.0.2:1060","segments_sent":6,"segments_received":4,)"
            R"("segments_retransmitted":1,"zero_window_segments":2})");
}

TEST(WireFormat, ARungPointsFromItsSenderAndCarriesItsNote) {
  step s;
  s.local = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 50000);
  s.peer = tcp::endpoint(asio::ip::make_address("::1"), 1060);
  s.outgoing = true;
  s.flags = kAck;
  s.seq = 1;
  s.ack = 1;
  s.window_bytes = 65536;
  s.seconds = 0.000035;
  s.note = "handshake complete";
  const std::string sent = format_step(s, false);
  EXPECT_EQ(sent, "    0.035 ms  |-- ACK seq=1 ack=1 win=65536 -------------------------------->|  handshake complete");
  s.outgoing = false;
  s.note.clear();
  s.payload_bytes = 16;
  s.flags = kPsh | kAck;
  const std::string received = format_step(s, true);
  EXPECT_EQ(received, "[::1]:1060     0.035 ms  |<--------------------- PSH-ACK seq=1 ack=1 len=16 win=65536 --|");
  // Both uprights line up: every rung has the same width, whichever way it points.
  EXPECT_EQ(received.size() - std::string("[::1]:1060 ").size(), sent.size() - std::string("  handshake complete").size());
  EXPECT_EQ(format_ladder_header(s, false),
            "Packets between this side 127.0.0.1:50000 (left) and the peer [::1]:1060 (right):");
}

TEST(WirePlot, ZeroWindowsAreFoundPerConnectionOnTheTraceClockAlignedOnTheHandshake) {
  using namespace std::chrono_literals;
  const std::chrono::system_clock::time_point t0 = std::chrono::system_clock::time_point(1000s);
  auto at = [](const bytes& frame, std::chrono::system_clock::time_point when) {
    return decode_frame(DLT_EN10MB, frame, when).value();
  };
  // 127.0.0.1:50000 (the traced client) with 127.0.0.2:1060, and a stranger on port 50001.
  const std::vector<segment> capture{
      at(ethernet_ipv4({.seq = 1, .flags = kSyn, .window = 100}), t0),
      at(ethernet_ipv4({.source_port = 1060, .destination_port = 50000, .seq = 9, .ack = 2, .flags = kSyn | kAck, .window = 100}, true), t0 + 1ms),
      at(ethernet_ipv4({.seq = 2, .ack = 10, .flags = kAck, .window = 100}), t0 + 2ms),  // the anchor
      at(ethernet_ipv4({.source_port = 1060, .destination_port = 50000, .seq = 10, .ack = 2, .flags = kAck, .window = 0}, true), t0 + 502ms),
      at(ethernet_ipv4({.seq = 2, .ack = 10, .flags = kAck, .window = 0}), t0 + 1002ms),
      at(ethernet_ipv4({.source_port = 50001, .flags = kAck, .window = 0}), t0 + 3ms),
      at(ethernet_ipv4({.seq = 2, .ack = 10, .flags = kRst, .window = 0}), t0 + 1500ms),  // a reset is no window
  };
  trace_series series;
  series.local = "127.0.0.1:50000";
  series.peer = "127.0.0.2:1060";
  series.points.push_back({.time_s = 2.0});
  const auto moments = find_zero_windows(capture, series);
  ASSERT_EQ(moments.size(), 2u);
  EXPECT_NEAR(moments[0].time_s, 2.5, 1e-9);
  EXPECT_FALSE(moments[0].by_local);
  EXPECT_NEAR(moments[1].time_s, 3.0, 1e-9);
  EXPECT_TRUE(moments[1].by_local);
  series.peer = "127.0.0.2:9";
  EXPECT_TRUE(find_zero_windows(capture, series).empty());
}

}  // namespace
}  // namespace tcpkit::wire
