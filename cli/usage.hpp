// Usage errors a newcomer can act on: one line saying what is wrong, and at most one hint line
// saying what to type instead (SPEC §2). CLI11's own messages ("A subcommand is required", "The
// following arguments were not expected: 2 --threads") are replaced here, in one place.
#pragma once

#include "values.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace tcpkit::cli {

// The command that argv names: "sixteen client", "bench lines", or the app itself.
struct command_path {
  const CLI::App* command = nullptr;
  std::vector<std::string> words;  // canonical names (aliases resolved)
  std::string text() const;        // "sixteen client"; "tcpkit" for the app itself
};

// Walks argv through programs and roles. Throws usage_error for a missing one, or a word that
// is neither (an unknown program; HOST before the role). Stops at --help and --version.
command_path find_command(const CLI::App& app, int argc, const char* const* argv);

// After a parse that allows extras: throws usage_error for the first argument `path` did not
// take: an option of another command, an unknown option, a port written after HOST.
void reject_leftovers(const CLI::App& app, const command_path& path);

// A CLI11 parse error as a usage_error about `path`, with a hint.
usage_error explain(const CLI::ParseError& error, const command_path& path);

// "tcpkit: MESSAGE\n" and, if it has one, "HINT\n".
std::string format_usage_error(const usage_error& error);

}  // namespace tcpkit::cli
