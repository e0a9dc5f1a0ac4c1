// A small SVG writer: just the shapes a chart needs, as one self-contained document with no
// scripts, fonts or external references, so it looks the same in a browser and on GitHub.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpkit {

// Text made safe for XML character data and attribute values.
std::string xml_escape(std::string_view text);

class svg_document {
 public:
  svg_document(double width, double height);

  void rect(double x, double y, double width, double height, std::string_view fill, std::string_view stroke = "none");
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            std::string_view dash = {});
  // A data series: `series` becomes the element's data-series attribute (what it shows).
  void polyline(const std::vector<std::pair<double, double>>& points, std::string_view stroke, double width,
                std::string_view series = {});
  // `anchor`: start, middle or end. `rotate`: degrees around (x, y).
  void text(double x, double y, std::string_view content, double size = 12, std::string_view anchor = "start",
            std::string_view fill = "#222", bool bold = false, double rotate = 0);

  // The whole document, XML declaration included.
  std::string str() const;

 private:
  double width_;
  double height_;
  std::string body_;
};

}  // namespace tcpkit
