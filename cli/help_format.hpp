// How --help shows tcpkit's options: by what they hold (HOST, PORT, SECONDS, BYTES, N), the way
// the man page and SPEC §2 write them, not by CLI11's C++ types and validator strings.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace tcpkit::cli {

class help_format : public CLI::Formatter {
 public:
  // "HOST [BYTECOUNT]", "TRACE [TRACE]": an optional positional in brackets, a second one spelled out.
  std::string make_option_usage(const CLI::Option* option) const override;
  // Positionals: nothing after the name (the usage line says what is required); options: their
  // type name, REQUIRED, and what they exclude.
  std::string make_option_opts(const CLI::Option* option) const override;
};

}  // namespace tcpkit::cli
