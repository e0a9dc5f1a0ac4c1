// Escaping for the XML and HTML reports.
#pragma once

#include <string>
#include <string_view>

namespace tcpkit::check {

// &, <, >, " and ' as entities; control bytes other than \n and \t (not allowed in XML 1.0) as '?'.
inline std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t') ? '?' : ch;
    }
  }
  return out;
}

}  // namespace tcpkit::check
