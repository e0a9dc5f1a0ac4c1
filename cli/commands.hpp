// Each program registers its roles as CLI11 subcommands. Parsing only records what to run;
// main() runs it afterwards inside the error guard.
#pragma once

#include "common_options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace tcpkit::cli {

void add_sixteen_command(CLI::App& app, action& chosen);
void add_lines_command(CLI::App& app, action& chosen);
void add_uppercase_command(CLI::App& app, action& chosen);
void add_bench_command(CLI::App& app, action& chosen);
void add_plot_command(CLI::App& app, action& chosen);
void add_proxy_command(CLI::App& app, action& chosen);
// `command` is what followed `--` on the command line: the program under test, never parsed here.
void add_check_command(CLI::App& app, action& chosen, std::vector<std::string> command);

}  // namespace tcpkit::cli
