#include "tcpkit/present/trace_plot.hpp"

#include "tcpkit/present/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tcpkit {
namespace {

// Layout, in SVG units (pixels).
constexpr double kWidth = 960;
constexpr double kLeft = 80;            // room for the y labels
constexpr double kPlotWidth = 660;
constexpr double kLegendX = kLeft + kPlotWidth + 20;
constexpr double kTitleHeight = 28;
constexpr double kTopChart = 170;      // bytes sent / received
constexpr double kBottomChart = 120;   // kernel queues
constexpr double kChartGap = 34;
constexpr double kAxisRoom = 36;        // time labels under the lower chart
constexpr double kPanelHeight = kTitleHeight + kTopChart + kChartGap + kBottomChart + kAxisRoom + 16;
constexpr double kStallSeconds = 1.0;   // no movement for this long is shaded
constexpr std::size_t kMaxPoints = 2000;  // per series; longer traces are thinned evenly

struct series_style {
  std::string_view key;
  std::string_view label;
  std::string_view color;
};
constexpr series_style kSent{"bytes_sent", "bytes sent (application)", "#1f77b4"};
constexpr series_style kReceived{"bytes_received", "bytes received (application)", "#ff7f0e"};
constexpr series_style kSendQueue{"send_queue_bytes", "send queue (SIOCOUTQ)", "#2ca02c"};
constexpr series_style kReceiveQueue{"receive_queue_bytes", "receive queue (SIOCINQ)", "#d62728"};

// 1, 2 or 5 times a power of ten, so that about `count` steps cover `range`.
double nice_step(double range, int count) {
  if (range <= 0) return 1;
  const double raw = range / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

// Decimal units, like the programs' MB/s.
std::string format_bytes(double value, double scale_max) {
  if (scale_max >= 1e9) return fmt::format("{:g} GB", value / 1e9);
  if (scale_max >= 1e6) return fmt::format("{:g} MB", value / 1e6);
  if (scale_max >= 1e3) return fmt::format("{:g} kB", value / 1e3);
  return fmt::format("{:g} B", value);
}

struct axis {
  double max;   // top of the scale (a whole number of steps)
  double step;
};

axis byte_axis(double max_value) {
  const double step = nice_step(std::max(max_value, 1.0), 4);
  return {std::max(step, std::ceil(max_value / step) * step), step};
}

double value_of(const trace_point& p, std::string_view key) {
  if (key == kSent.key) return static_cast<double>(p.bytes_sent);
  if (key == kReceived.key) return static_cast<double>(p.bytes_received);
  if (key == kSendQueue.key) return static_cast<double>(p.send_queue_bytes);
  return static_cast<double>(p.receive_queue_bytes);
}

struct chart_frame {
  double top;
  double height;
  double time_max;
  axis y;
  double x(double t) const { return kLeft + kPlotWidth * std::clamp(t / time_max, 0.0, 1.0); }
  double y_of(double v) const { return top + height - height * std::clamp(v / y.max, 0.0, 1.0); }
};

void draw_frame(svg_document& svg, const chart_frame& f, std::string_view y_title, bool time_labels, double time_step) {
  svg.rect(kLeft, f.top, kPlotWidth, f.height, "#fbfbfb", "#999");
  for (double v = 0; v <= f.y.max + f.y.step / 2; v += f.y.step) {
    const double y = f.y_of(v);
    if (v > 0) svg.line(kLeft, y, kLeft + kPlotWidth, y, "#e2e2e2");
    svg.text(kLeft - 6, y + 4, format_bytes(v, f.y.max), 11, "end", "#444");
  }
  for (double t = 0; t <= f.time_max + time_step / 2; t += time_step) {
    const double x = f.x(t);
    if (t > 0) svg.line(x, f.top, x, f.top + f.height, "#e2e2e2");
    if (time_labels) svg.text(x, f.top + f.height + 15, fmt::format("{:g}", t), 11, "middle", "#444");
  }
  svg.text(14, f.top + f.height / 2, y_title, 11, "middle", "#444", false, -90);
}

void draw_series(svg_document& svg, const chart_frame& f, const std::vector<trace_point>& points, double t0,
                 const series_style& style) {
  const std::size_t stride = points.size() > kMaxPoints ? (points.size() + kMaxPoints - 1) / kMaxPoints : 1;
  std::vector<std::pair<double, double>> xy;
  for (std::size_t i = 0; i < points.size(); i += stride) {
    xy.emplace_back(f.x(points[i].time_s - t0), f.y_of(value_of(points[i], style.key)));
  }
  if (!points.empty() && (points.size() - 1) % stride != 0) {
    xy.emplace_back(f.x(points.back().time_s - t0), f.y_of(value_of(points.back(), style.key)));
  }
  svg.polyline(xy, style.color, 2, style.key);
}

void draw_legend(svg_document& svg, double top, std::initializer_list<series_style> styles) {
  double y = top + 14;
  for (const auto& s : styles) {
    svg.line(kLegendX, y - 4, kLegendX + 22, y - 4, s.color, 3);
    svg.text(kLegendX + 28, y, s.label, 11);
    y += 18;
  }
}

// Spans with neither byte count moving for kStallSeconds or more: [start, end] in trace time.
std::vector<std::pair<double, double>> find_stalls(const std::vector<trace_point>& points) {
  std::vector<std::pair<double, double>> stalls;
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= points.size(); ++i) {
    const bool moved = i == points.size() || points[i].bytes_sent != points[begin].bytes_sent ||
                       points[i].bytes_received != points[begin].bytes_received;
    if (!moved) continue;
    // points[begin .. i-1] share one pair of counts.
    if (points[i - 1].time_s - points[begin].time_s >= kStallSeconds) {
      stalls.emplace_back(points[begin].time_s, points[i - 1].time_s);
    }
    begin = i;
  }
  return stalls;
}

constexpr series_style kZeroLocal{"zero_window_local", "zero window, this side", "#9467bd"};
constexpr series_style kZeroPeer{"zero_window_peer", "zero window, the peer", "#8c564b"};

// One thin vertical line per zero-window moment of this connection, at most one per pixel
// column and side; says whether there was any.
bool draw_zero_windows(svg_document& svg, const chart_frame& upper, double bottom, const trace_series& s, double t0,
                       const std::vector<plot_mark>& marks) {
  std::vector<std::pair<long, bool>> drawn;
  for (const auto& m : marks) {
    if (m.local != s.local || m.peer != s.peer) continue;
    const double x = upper.x(m.time_s - t0);
    const std::pair<long, bool> column{std::lround(x), m.by_local};
    if (std::find(drawn.begin(), drawn.end(), column) != drawn.end()) continue;
    drawn.push_back(column);
    const series_style& style = m.by_local ? kZeroLocal : kZeroPeer;
    svg.polyline({{x, upper.top}, {x, bottom}}, style.color, 1, style.key);
  }
  return !drawn.empty();
}

void draw_panel(svg_document& svg, double top, const std::string& source, const trace_series& s, double time_max,
                double time_step, const std::vector<plot_mark>& zero_windows) {
  const double t0 = s.points.empty() ? 0 : s.points.front().time_s;
  const std::string arrow = s.side == "client" ? fmt::format("{} → {}", s.local, s.peer) : fmt::format("{} ← {}", s.local, s.peer);
  svg.text(kLeft, top + 18, fmt::format("{} side, connection {}: {}", s.side, s.conn, arrow), 14, "start", "#111", true);
  svg.text(kLeft + kPlotWidth, top + 18, source, 11, "end", "#666");

  double max_bytes = 1;
  double max_queue = 1;
  for (const auto& p : s.points) {
    max_bytes = std::max({max_bytes, static_cast<double>(p.bytes_sent), static_cast<double>(p.bytes_received)});
    max_queue = std::max({max_queue, static_cast<double>(p.send_queue_bytes), static_cast<double>(p.receive_queue_bytes)});
  }
  const chart_frame upper{top + kTitleHeight, kTopChart, time_max, byte_axis(max_bytes)};
  const chart_frame lower{upper.top + kTopChart + kChartGap, kBottomChart, time_max, byte_axis(max_queue)};
  draw_frame(svg, upper, "bytes", false, time_step);
  draw_frame(svg, lower, "queued in the kernel", true, time_step);
  svg.text(kLeft + kPlotWidth / 2, lower.top + kBottomChart + 32, "time since the connection opened (s)", 11, "middle", "#444");

  for (const auto& [begin, end] : find_stalls(s.points)) {
    const double x1 = upper.x(begin - t0);
    const double x2 = upper.x(end - t0);
    svg.rect(x1, upper.top, x2 - x1, lower.top + kBottomChart - upper.top, "#f4cccc", "none");
    svg.text((x1 + x2) / 2, upper.top + 14, fmt::format("no progress for {:.1f} s", end - begin), 11, "middle", "#a00",
             true);
  }
  const bool marked = draw_zero_windows(svg, upper, lower.top + kBottomChart, s, t0, zero_windows);
  draw_series(svg, upper, s.points, t0, kSent);
  draw_series(svg, upper, s.points, t0, kReceived);
  draw_series(svg, lower, s.points, t0, kSendQueue);
  draw_series(svg, lower, s.points, t0, kReceiveQueue);
  draw_legend(svg, upper.top, {kSent, kReceived});
  draw_legend(svg, lower.top, {kSendQueue, kReceiveQueue});
  if (marked) draw_legend(svg, upper.top + 2 * 18 + 8, {kZeroLocal, kZeroPeer});
}

}  // namespace

std::string plot_traces(const std::vector<plot_source>& sources) {
  struct panel {
    const std::string* source;
    const trace_series* series;
    const std::vector<plot_mark>* zero_windows;
  };
  std::vector<panel> panels;
  std::vector<std::string> notes;
  double time_max = 0;
  for (const auto& source : sources) {
    std::size_t shown = 0;
    for (const auto& s : source.series) {
      if (s.points.empty()) continue;
      if (shown == kMaxPanelsPerTrace) {
        notes.push_back(fmt::format("{}: {} more connections not shown", source.name, source.series.size() - shown));
        break;
      }
      ++shown;
      panels.push_back({&source.name, &s, &source.zero_windows});
      time_max = std::max(time_max, s.points.back().time_s - s.points.front().time_s);
    }
    if (shown == 0) notes.push_back(fmt::format("{}: no connection was traced", source.name));
  }
  const double time_step = nice_step(std::max(time_max, 0.1), 8);
  time_max = std::max(time_step, std::ceil(time_max / time_step) * time_step);

  const double height = 16 + kPanelHeight * static_cast<double>(panels.size()) + 20 * static_cast<double>(notes.size()) + 10;
  svg_document svg(kWidth, height);
  svg.rect(0, 0, kWidth, height, "#ffffff");  // opaque: readable on dark themes too
  double top = 8;
  for (const auto& p : panels) {
    draw_panel(svg, top, *p.source, *p.series, time_max, time_step, *p.zero_windows);
    top += kPanelHeight;
  }
  for (const auto& note : notes) {
    svg.text(kLeft, top + 14, note, 12, "start", "#a00");
    top += 20;
  }
  return svg.str();
}

}  // namespace tcpkit
