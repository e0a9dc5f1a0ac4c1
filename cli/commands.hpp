// Each program registers its roles as CLI11 subcommands, with `options` as their storage.
// Parsing only records what to run; main() runs it afterwards inside the error guard. The
// action chosen reads `options`, which must outlive it (parse_command_line()'s result owns both).
#pragma once

#include "command_options.hpp"
#include "common_options.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace tcpkit::cli {

void add_sixteen_command(CLI::App& app, sixteen_command_options& options, action& chosen);
void add_lines_command(CLI::App& app, lines_command_options& options, action& chosen);
void add_uppercase_command(CLI::App& app, uppercase_command_options& options, action& chosen);
void add_bench_command(CLI::App& app, bench_command_options& options, action& chosen);
void add_plot_command(CLI::App& app, plot_settings& settings, action& chosen);
void add_proxy_command(CLI::App& app, proxy_command_options& options, action& chosen);
// options.settings.command is what followed `--` on the command line: the program under test,
// never parsed here.
void add_check_command(CLI::App& app, check_command_options& options, action& chosen);

}  // namespace tcpkit::cli
