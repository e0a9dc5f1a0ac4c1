// A trace as a picture (docs/TRACE.md): one panel per connection and side, each with the
// application's bytes sent and received over time above, and the socket's two kernel queues
// below. Spans where neither byte count moved for a second or more are shaded: a stall. Given
// a capture, the moments either side advertised a zero window are marked across both charts.
#pragma once

#include "tcpkit/instruments/trace_file.hpp"

#include <string>
#include <vector>

namespace tcpkit {

// A moment to mark on one connection's panel: a zero-window advertisement found in a capture
// (tcpkit/wire/pcap_file.hpp), on the trace's clock.
struct plot_mark {
  std::string local;     // the connection, as in its trace_series
  std::string peer;
  double time_s = 0;
  bool by_local = true;  // advertised by the panel's side, else by its peer
};

struct plot_source {
  std::string name;                  // shown in the panel titles (e.g. the file name)
  std::vector<trace_series> series;  // read_trace()
  std::vector<plot_mark> zero_windows = {};  // none without a capture
};

// Connections drawn per source at most; the picture says how many more there were.
inline constexpr std::size_t kMaxPanelsPerTrace = 4;

// The chart as a self-contained SVG document. Time on every panel counts from that
// connection's first sample, on one common scale, so a client's and a server's panels line up.
std::string plot_traces(const std::vector<plot_source>& sources);

}  // namespace tcpkit
