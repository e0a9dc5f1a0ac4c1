// The whole command line of tcpkit, parsed without running anything (SPEC §2).
//
// main() is parse_command_line() followed by running what it chose; the argument fuzzer
// (tests/fuzz/args_fuzz.cpp) calls parse_command_line() alone, with arbitrary argv.
#pragma once

#include "command_options.hpp"
#include "commands.hpp"

#include <memory>
#include <string>

namespace tcpkit::cli {

struct parsed_command_line {
  enum class outcome {
    run,    // `action` is what to run (its result is the exit status)
    print,  // --help or --version: print `text` on stdout, exit 0
    usage,  // a usage error: print `text` on stderr, exit 2
  };
  outcome kind = outcome::usage;
  action run;
  std::string text;
  // The values parsed: `run` reads them, so they live as long as this result (or a copy of it).
  std::shared_ptr<const command_options> options{};
};

// Builds the CLI11 app and parses argv (argv[0] is the program's name). Throws only what
// building the app or a command's option storage may throw (std::bad_alloc); every parse
// error becomes outcome::usage.
// Each call parses into option values of its own, so a second parse in one process starts from
// the defaults, whatever the first one set.
parsed_command_line parse_command_line(int argc, const char* const* argv);

}  // namespace tcpkit::cli
