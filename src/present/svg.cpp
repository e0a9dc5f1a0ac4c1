#include "tcpkit/present/svg.hpp"

#include <fmt/format.h>

namespace tcpkit {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 at all.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += '?';
        else out += c;
    }
  }
  return out;
}

svg_document::svg_document(double width, double height) : width_(width), height_(height) {}

void svg_document::rect(double x, double y, double width, double height, std::string_view fill, std::string_view stroke) {
  body_ += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" stroke="{}"/>)", x, y,
                       width, height, fill, stroke);
  body_ += '\n';
}

void svg_document::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
                        std::string_view dash) {
  body_ += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="{:g}")", x1,
                       y1, x2, y2, stroke, width);
  if (!dash.empty()) body_ += fmt::format(R"( stroke-dasharray="{}")", dash);
  body_ += "/>\n";
}

void svg_document::polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke, double width,
                            std::string_view series) {
  body_ += "<polyline";
  if (!series.empty()) body_ += fmt::format(R"( data-series="{}")", xml_escape(series));
  body_ += fmt::format(R"( fill="none" stroke="{}" stroke-width="{:g}" stroke-linejoin="round" points=")", stroke, width);
  for (const auto& [x, y] : points) body_ += fmt::format("{:.1f},{:.1f} ", x, y);
  body_ += "\"/>\n";
}

void svg_document::text(double x, double y, std::string_view content, double size, std::string_view anchor,
                        std::string_view fill, bool bold, double rotate) {
  body_ += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" font-size="{:g}" text-anchor="{}" fill="{}")", x, y, size, anchor,
                       fill);
  if (bold) body_ += R"( font-weight="bold")";
  if (rotate != 0) body_ += fmt::format(R"x( transform="rotate({:g} {:.1f} {:.1f})")x", rotate, x, y);
  body_ += '>';
  body_ += xml_escape(content);
  body_ += "</text>\n";
}

std::string svg_document::str() const {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:g}\" height=\"{1:g}\" viewBox=\"0 0 {0:g} {1:g}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      "{2}</svg>\n",
      width_, height_, body_);
}

}  // namespace tcpkit
