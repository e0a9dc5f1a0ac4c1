#include "app.hpp"

#include <CLI/CLI.hpp>

namespace tcpkit::cli {

parsed_command_line parse_command_line(int argc, const char* const* argv) {
  CLI::App app("tcpkit: the classic TCP client/server programs, done properly", "tcpkit");
  app.set_version_flag("--version", "tcpkit " TCPKIT_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Programs: sixteen (alias simple), uppercase, lines. Each has a server and a client role:\n"
      "  tcpkit sixteen server \"\"            tcpkit sixteen client 127.0.0.1\n"
      "Load generator for any server of those programs: tcpkit bench sixteen|uppercase|lines HOST -p PORT\n"
      "Shaping proxy (partial reads on purpose): tcpkit proxy HOST -p PORT --to HOST:PORT --slice 1\n"
      "Traces: --trace FILE on every server and the uppercase client; tcpkit plot FILE [FILE2] -o chart.svg\n"
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 cannot connect/listen, 4 timeout,\n"
      "            5 name resolution, 6 peer broke the exchange, 7 deadlock, 130 SIGINT.");

  parsed_command_line result;
  add_sixteen_command(app, result.run);
  add_lines_command(app, result.run);
  add_uppercase_command(app, result.run);
  add_bench_command(app, result.run);
  add_plot_command(app, result.run);
  add_proxy_command(app, result.run);

  using outcome = parsed_command_line::outcome;
  try {
    app.parse(argc, argv);
    result.kind = outcome::run;
  } catch (const CLI::CallForHelp&) {
    result = {outcome::print, {}, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    result = {outcome::print, {}, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::CallForVersion& e) {
    result = {outcome::print, {}, std::string(e.what()) + "\n"};
  } catch (const CLI::ParseError& e) {
    result = {outcome::usage, {}, std::string("tcpkit: ") + e.what() + "\nRun with --help for more information.\n"};
  }
  return result;
}

}  // namespace tcpkit::cli
