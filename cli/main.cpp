// tcpkit: parse the command line, run what it asks for, return its exit status (SPEC §2).
#include "app.hpp"
#include "run_guard.hpp"
#include "standard_descriptors.hpp"

#include "tcpkit/core/errors.hpp"

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  // First: until then a descriptor we open could take the number of a closed stdin or stdout.
  tcpkit::cli::reopen_closed_standard_descriptors();
  // A peer that goes away must be an error value, not a silent death: sockets already use
  // MSG_NOSIGNAL, and this covers stdout being a closed pipe (tcpkit ... | head).
  std::signal(SIGPIPE, SIG_IGN);

  auto parsed = tcpkit::cli::parse_command_line(argc, argv);
  switch (parsed.kind) {
    case tcpkit::cli::parsed_command_line::outcome::run:
      return tcpkit::cli::guarded(parsed.run);
    case tcpkit::cli::parsed_command_line::outcome::print:
      std::fputs(parsed.text.c_str(), stdout);
      return 0;
    case tcpkit::cli::parsed_command_line::outcome::usage:
      break;
  }
  std::fputs(parsed.text.c_str(), stderr);
  return static_cast<int>(tcpkit::exit_status::usage);
}
