// One JSON object, written by nlohmann::json member by member in the caller's order (an
// event's "event" and "schema_version" come first). Private to the library: nlohmann stays
// out of the public headers, and the installed package does not depend on it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tcpkit {

// Keys and text are UTF-8; a sequence that is not valid UTF-8 becomes U+FFFD (docs/JSON.md).
// Two forms nlohmann has no setting for stay tcpkit's own: payload bytes as \u00XX, and
// doubles as tcpkit has always printed them ("{:.6g}": nlohmann would print the shortest
// round trip, 0.0 for zero and 1234567.0 for 1.23457e+06).
class json_object {
 public:
  json_object& text(std::string_view key, std::string_view value);
  json_object& payload(std::string_view key, std::string_view bytes);
  json_object& number(std::string_view key, std::int64_t value);
  json_object& number(std::string_view key, std::uint64_t value);
  json_object& number(std::string_view key, double value);  // 6 significant digits
  json_object& fixed(std::string_view key, double value, int decimals);
  json_object& boolean(std::string_view key, bool value);

  // The object so far, closed: one line without its newline.
  std::string str() const { return out_ + '}'; }

 private:
  void key(std::string_view name);  // `,"name":` (no comma before the first member)
  std::string out_ = "{";
};

// Bytes from the wire as a JSON string literal: printable ASCII as is (with \" and \\),
// \n \r \t, and every other byte as \u00XX of its value, so that a consumer gets the byte
// values back as code points U+0000-U+00FF whatever the bytes were.
std::string json_payload(std::string_view bytes);

}  // namespace tcpkit
