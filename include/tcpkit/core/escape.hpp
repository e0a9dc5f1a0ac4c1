// Bytes shown to a person: printable ASCII as is, everything else as a C escape.
#pragma once

#include <string>
#include <string_view>

namespace tcpkit {

// C-style escapes for display: \n \r \t \\ \" and \xNN for other bytes outside 0x20-0x7E.
// The result is never longer than 4x the input. Example: "Hi\n\xff" -> Hi\n\xff
std::string escape_bytes(std::string_view bytes);

// escape_bytes() in double quotes, as the programs print messages: "Hi there, server".
std::string quote_bytes(std::string_view bytes);

}  // namespace tcpkit
