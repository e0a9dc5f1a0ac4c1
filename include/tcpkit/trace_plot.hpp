// A trace as a picture (docs/TRACE.md): one panel per connection and side, each with the
// application's bytes sent and received over time above, and the socket's two kernel queues
// below. Spans where neither byte count moved for a second or more are shaded: a stall.
#pragma once

#include "tcpkit/trace_file.hpp"

#include <string>
#include <vector>

namespace tcpkit {

struct plot_source {
  std::string name;                  // shown in the panel titles (e.g. the file name)
  std::vector<trace_series> series;  // read_trace()
};

// Connections drawn per source at most; the picture says how many more there were.
inline constexpr std::size_t kMaxPanelsPerTrace = 4;

// The chart as a self-contained SVG document. Time on every panel counts from that
// connection's first sample, on one common scale, so a client's and a server's panels line up.
std::string plot_traces(const std::vector<plot_source>& sources);

}  // namespace tcpkit
