// CLI11 options whose values are read by cli/values.hpp: every count, size, duration and port of
// every command goes through one of these, and --help shows what it holds (N, BYTES, SECONDS,
// PORT) instead of CLI11's type and range strings.
#pragma once

#include "values.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tcpkit::cli {

// Validators that rewrite what was typed into the plain decimal CLI11 then converts, or throw
// usage_error. (CLI11 alone would read 010 as octal, 0x50 as hex and -1 as a huge unsigned.)
CLI::Validator count_value(std::string option, std::uint64_t min, std::uint64_t max);
CLI::Validator size_value(std::string option, std::uint64_t min, std::uint64_t max);
CLI::Validator seconds_value(std::string option, double min, double max);
CLI::Validator port_value(std::string option);
CLI::Validator choice_value(std::string option, std::vector<std::string> choices);
CLI::Validator existing_file_value(std::string option);
// A file to read, or - for stdin. Only a number that names no file is refused here (netcat's
// `HOST PORT` habit, told to use -p); whether a file can be read is for the run to say.
CLI::Validator input_file_value(std::string option);

template <class T>
CLI::Option* add_count_option(CLI::App& command, const std::string& name, T& target, const std::string& help,
                              std::uint64_t min, std::uint64_t max) {
  auto* option = command.add_option(name, target, help);
  return option->transform(count_value(option->get_name(), min, max))->type_name("N");
}

template <class T>
CLI::Option* add_size_option(CLI::App& command, const std::string& name, T& target, const std::string& help,
                             std::uint64_t min, std::uint64_t max) {
  auto* option = command.add_option(name, target, help);
  return option->transform(size_value(option->get_name(), min, max))->type_name("BYTES");
}

inline CLI::Option* add_seconds_option(CLI::App& command, const std::string& name, double& target,
                                       const std::string& help, double min = 0, double max = kMaxSeconds) {
  auto* option = command.add_option(name, target, help);
  return option->transform(seconds_value(option->get_name(), min, max))->type_name("SECONDS");
}

// The same, stored as the duration the library takes.
CLI::Option* add_seconds_option(CLI::App& command, const std::string& name, std::chrono::steady_clock::duration& target,
                                const std::string& help, double min = 0, double max = kMaxSeconds);

inline CLI::Option* add_port_option(CLI::App& command, const std::string& name, std::uint16_t& target,
                                    const std::string& help) {
  auto* option = command.add_option(name, target, help);
  return option->transform(port_value(option->get_name()))->type_name("PORT");
}

// One of `choices`; --help shows them as a|b|c (and the bash completion offers them).
CLI::Option* add_choice_option(CLI::App& command, const std::string& name, std::string& target, const std::string& help,
                               std::vector<std::string> choices);

// The same, stored as the library's enum: `parse` turns each of `choices` into its value.
template <class E, class Parse>
CLI::Option* add_choice_option(CLI::App& command, const std::string& name, E& target, const std::string& help,
                               std::vector<std::string> choices, Parse parse) {
  auto* option = command.add_option_function<std::string>(
      name, [&target, parse](const std::string& text) { target = parse(text).value(); }, help);
  option->type_name(fmt::format("{}", fmt::join(choices, "|")));
  return option->check(choice_value(option->get_name(), std::move(choices)));
}

}  // namespace tcpkit::cli
