#include "app.hpp"

#include "help_format.hpp"
#include "usage.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

namespace tcpkit::cli {
namespace {

void describe_app(CLI::App& app) {
  app.set_version_flag("--version", "tcpkit " TCPKIT_VERSION);
  app.require_subcommand(1);
  // Left-over arguments are not CLI11's error but reject_leftovers()'s, which can say what they are.
  app.allow_extras();
  app.formatter(std::make_shared<help_format>());
  app.footer(
      "Programs: sixteen (alias simple), uppercase, lines. Each has a server and a client role:\n"
      "  tcpkit sixteen server \"\"            tcpkit sixteen client 127.0.0.1\n"
      "Load generator for any server of those programs: tcpkit bench sixteen|uppercase|lines HOST -p PORT\n"
      "Shaping proxy (partial reads on purpose): tcpkit proxy HOST -p PORT --to HOST:PORT --slice 1\n"
      "Check your own program, case by case: tcpkit check --list\n"
      "  tcpkit check sixteen server -- python3 my_server.py {host} {port}   (docs/CHECK.md)\n"
      "Traces: --trace FILE on every server and the uppercase client; tcpkit plot FILE [FILE2] -o chart.svg\n"
      "Numbers are decimal; sizes take K M G T (1024-based) or KB MB GB TB (1000-based); HOST:PORT works.\n"
      "Exit codes: 0 ok, 1 failure, 2 usage, 3 cannot connect/listen, 4 timeout,\n"
      "            5 name resolution, 6 peer broke the exchange, 7 deadlock, 8 check failed,\n"
      "            130 client interrupted (SIGINT); a server stopped by SIGINT/SIGTERM/SIGHUP exits 0.");
}

// `tcpkit check ... -- COMMAND...`: COMMAND is the program under test's own command line, so
// tcpkit's parser never sees it (its -p is the program's, not ours). Returns it, and shortens
// argc to what comes before the `--`.
std::vector<std::string> split_check_command(int& argc, const char* const* argv) {
  if (argc <= 1 || std::string_view(argv[1]) != "check") return {};
  auto dashes = std::find_if(argv + 1, argv + argc, [](const char* a) { return std::string_view(a) == "--"; });
  if (dashes == argv + argc) return {};
  std::vector<std::string> command(dashes + 1, argv + argc);
  argc = static_cast<int>(dashes - argv);
  return command;
}

void add_commands(CLI::App& app, command_options& options, action& chosen) {
  add_sixteen_command(app, options.sixteen, chosen);
  add_uppercase_command(app, options.uppercase, chosen);
  add_lines_command(app, options.lines, chosen);
  add_bench_command(app, options.bench, chosen);
  add_plot_command(app, options.plot, chosen);
  add_proxy_command(app, options.proxy, chosen);
  add_check_command(app, options.check, chosen);
}

}  // namespace

parsed_command_line parse_command_line(int argc, const char* const* argv) {
  // What CLI11 writes into: made before the app, which refers to it, and kept by the result.
  const auto options = std::make_shared<command_options>();
  options->check.settings.command = split_check_command(argc, argv);
  // Settings that subcommands inherit (formatter, extras) must be made before they are added.
  CLI::App app("tcpkit: the classic TCP client/server programs, done properly", "tcpkit");
  describe_app(app);
  parsed_command_line result;
  add_commands(app, *options, result.run);

  using outcome = parsed_command_line::outcome;
  command_path path{&app, {}};
  try {
    path = find_command(app, argc, argv);
    app.parse(argc, argv);
    reject_leftovers(app, path);
    result.kind = outcome::run;
    result.options = options;
  } catch (const CLI::CallForHelp&) {
    result = {outcome::print, {}, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    result = {outcome::print, {}, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::CallForVersion& e) {
    result = {outcome::print, {}, std::string(e.what()) + "\n"};
  } catch (const CLI::ParseError& e) {
    result = {outcome::usage, {}, format_usage_error(explain(e, path))};
  } catch (const usage_error& e) {
    result = {outcome::usage, {}, format_usage_error(e)};
  }
  return result;
}

}  // namespace tcpkit::cli
