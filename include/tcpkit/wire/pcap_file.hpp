// Reading a capture file back (--pcap, tcpdump -w, Wireshark), and finding in it when each side
// of a traced connection advertised a zero window, on that trace's clock, for `tcpkit plot`.
#pragma once

#include "tcpkit/instruments/trace_file.hpp"
#include "tcpkit/wire/segment.hpp"

#include <string>
#include <vector>

namespace tcpkit::wire {

// The TCP segments of a pcap file, in file order (other packets are skipped). Throws
// tcpkit::error ("read FILE: <libpcap's reason>") if it cannot be read as a capture.
std::vector<segment> read_pcap_file(const std::string& path);

struct zero_window_moment {
  double time_s = 0;     // on the trace's clock (trace_point::time_s)
  bool by_local = true;  // advertised by the trace's side (its receive buffer was full), else by the peer
};

// The zero-window advertisements among `segments` that belong to `series`' connection (its
// local and peer endpoints, either way). A trace and a capture have no common clock; they are
// aligned on the handshake: the trace's first row is taken when connect() or accept() returns,
// which is when the handshake's last ACK has just passed (its first segment, if no handshake
// was captured). Empty if the capture has none of the connection.
std::vector<zero_window_moment> find_zero_windows(const std::vector<segment>& segments, const trace_series& series);

}  // namespace tcpkit::wire
