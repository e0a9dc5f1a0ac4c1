#include "core/json_object.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tcpkit {
namespace {

// replace: an invalid UTF-8 sequence becomes U+FFFD instead of an exception; ensure_ascii off,
// so "café" stays UTF-8 rather than "caf\u00e9".
std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void json_object::key(std::string_view name) {
  if (out_.size() > 1) out_ += ',';
  out_ += dump(std::string(name));
  out_ += ':';
}

json_object& json_object::text(std::string_view name, std::string_view value) {
  key(name);
  out_ += dump(std::string(value));
  return *this;
}

json_object& json_object::payload(std::string_view name, std::string_view bytes) {
  key(name);
  out_ += json_payload(bytes);
  return *this;
}

json_object& json_object::number(std::string_view name, std::int64_t value) {
  key(name);
  out_ += dump(value);
  return *this;
}

json_object& json_object::number(std::string_view name, std::uint64_t value) {
  key(name);
  out_ += dump(value);
  return *this;
}

json_object& json_object::number(std::string_view name, double value) {
  key(name);
  out_ += fmt::format("{:.6g}", value);
  return *this;
}

json_object& json_object::fixed(std::string_view name, double value, int decimals) {
  key(name);
  out_ += fmt::format("{:.{}f}", value, decimals);
  return *this;
}

json_object& json_object::boolean(std::string_view name, bool value) {
  key(name);
  out_ += dump(value);
  return *this;
}

std::string json_payload(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() + 2);
  out += '"';
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    switch (byte) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte >= 0x20 && byte < 0x7f) {
          out += c;
        } else {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xf];
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace tcpkit
