// tcpkit: parse the command line, run what it asks for, return its exit status (SPEC §2).
#include "commands.hpp"
#include "run_guard.hpp"

#include "tcpkit/errors.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  // A peer that goes away must be an error value, not a silent death: sockets already use
  // MSG_NOSIGNAL, and this covers stdout being a closed pipe (tcpkit ... | head).
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app("tcpkit: the classic TCP client/server programs, done properly", "tcpkit");
  app.set_version_flag("--version", "tcpkit " TCPKIT_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Programs: sixteen (alias simple), uppercase, lines. Each has a server and a client role:\n"
      "  tcpkit sixteen server \"\"            tcpkit sixteen client 127.0.0.1\n"
      "Load generator for any server of those programs: tcpkit bench sixteen|uppercase|lines HOST -p PORT\n"
      "Traces: --trace FILE on every server and the uppercase client; tcpkit plot FILE [FILE2] -o chart.svg\n"
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 cannot connect/listen, 4 timeout,\n"
      "            5 name resolution, 6 peer broke the exchange, 7 deadlock, 130 SIGINT.");

  tcpkit::cli::action chosen;
  tcpkit::cli::add_sixteen_command(app, chosen);
  tcpkit::cli::add_lines_command(app, chosen);
  tcpkit::cli::add_uppercase_command(app, chosen);
  tcpkit::cli::add_bench_command(app, chosen);
  tcpkit::cli::add_plot_command(app, chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tcpkit: %s\nRun with --help for more information.\n", e.what());
    return static_cast<int>(tcpkit::exit_status::usage);
  }
  return tcpkit::cli::guarded(chosen);
}
