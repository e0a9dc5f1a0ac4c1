#include "usage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <string_view>

namespace tcpkit::cli {
namespace {

std::vector<const CLI::App*> commands_of(const CLI::App& command) {
  std::vector<const CLI::App*> found;
  for (const auto* sub : command.get_subcommands([](const CLI::App*) { return true; })) found.push_back(sub);
  return found;
}

const CLI::App* command_named(const CLI::App& parent, std::string_view word) {
  for (const auto* sub : commands_of(parent)) {
    if (sub->check_name(std::string(word))) return sub;
  }
  return nullptr;
}

// What the words under `command` are called: the roles of a program, else programs.
std::string_view kind_of(const CLI::App& command) {
  return command_named(command, "server") != nullptr ? "role" : "program";
}

// "sixteen (alias simple), uppercase, lines": what may follow `command`.
std::string names_under(const CLI::App& command) {
  std::vector<std::string> names;
  for (const auto* sub : commands_of(command)) {
    const auto& aliases = sub->get_aliases();
    names.push_back(aliases.empty() ? sub->get_name()
                                    : fmt::format("{} (alias {})", sub->get_name(), fmt::join(aliases, ", ")));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// An argument as a shell would need it typed again: "" for the empty one.
std::string shown(std::string_view arg) { return arg.empty() ? std::string("\"\"") : std::string(arg); }

// `tcpkit PATH NEXT REST...`: the command line with the word at `at` moved to where it belongs.
std::string reordered(const command_path& path, const CLI::App& next, int argc, const char* const* argv, int from,
                      int at) {
  std::string line = "tcpkit";
  for (const auto& w : path.words) line += " " + w;
  line += " " + next.get_name();
  for (int i = from; i < argc; ++i) {
    if (i != at) line += " " + shown(argv[i]);
  }
  return line;
}

[[noreturn]] void reject_word(const CLI::App& level, const command_path& path, int argc, const char* const* argv,
                              int i) {
  const auto kind = kind_of(level);
  const std::string where = path.words.empty() ? "" : path.text() + ": ";
  const std::string message = fmt::format("{}{} is not a {}", where, shown(argv[i]), kind);
  for (int j = i + 1; j < argc; ++j) {
    if (const auto* next = command_named(level, argv[j])) {
      throw usage_error(message, fmt::format("the {} comes first: {}", kind, reordered(path, *next, argc, argv, i, j)));
    }
  }
  throw usage_error(message, fmt::format("{}s{}: {}", kind, path.words.empty() ? "" : " of " + path.text(),
                                         names_under(level)));
}

// The first example of `path` its footer gives ("  tcpkit sixteen client 127.0.0.1 -p 1060").
std::string example_of(const command_path& path) {
  const std::string& footer = path.command->get_footer();
  const auto at = footer.find("  tcpkit " + path.text() + " ");
  if (at == std::string::npos) return fmt::format("tcpkit {} --help", path.text());
  auto line = footer.substr(at + 2, footer.find('\n', at) - at - 2);
  const auto comment = line.find("  #");
  if (comment != std::string::npos) line.resize(line.find_last_not_of(' ', comment) + 1);
  return line;
}

// Every command path under `app` that has an option called `name`: "sixteen server, uppercase server".
std::vector<std::string> commands_with_option(const CLI::App& app, const std::string& name, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto* sub : commands_of(app)) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    if (sub->get_option_no_throw(name) != nullptr && commands_of(*sub).empty()) found.push_back(path);
    const auto deeper = commands_with_option(*sub, name, path);
    found.insert(found.end(), deeper.begin(), deeper.end());
  }
  return found;
}

bool is_number(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string command_path::text() const {
  return words.empty() ? std::string("tcpkit") : fmt::format("{}", fmt::join(words, " "));
}

command_path find_command(const CLI::App& app, int argc, const char* const* argv) {
  command_path path{&app, {}};
  for (int i = 1; !commands_of(*path.command).empty(); ++i) {
    const auto& level = *path.command;
    const auto kind = kind_of(level);
    if (i >= argc) {
      throw usage_error(path.words.empty() ? "no program given" : fmt::format("{}: no {} given", path.text(), kind),
                        fmt::format("{}s: {}", kind, names_under(level)));
    }
    const std::string_view word = argv[i];
    if (word.starts_with('-') && level.get_option_no_throw(std::string(word)) != nullptr) break;  // --help
    const auto* next = command_named(level, word);
    if (next == nullptr) reject_word(level, path, argc, argv, i);
    path.command = next;
    path.words.push_back(next->get_name());
  }
  return path;
}

void reject_leftovers(const CLI::App& app, const command_path& path) {
  const auto left = path.command->remaining();
  if (left.empty()) return;
  const std::string& word = left.front();
  if (word.size() > 1 && word.starts_with('-') && !is_number(word.substr(1))) {
    const auto name = word.substr(0, word.find('='));
    const auto owners = commands_with_option(app, name, "");
    if (!owners.empty()) {
      throw usage_error(fmt::format("{} does not apply to {}", name, path.text()),
                        fmt::format("{} is an option of {}", name, fmt::join(owners, ", ")));
    }
    throw usage_error(fmt::format("{}: no option {}", path.text(), name),
                      fmt::format("tcpkit {} --help lists its options", path.text()));
  }
  const auto* host = path.command->get_option_no_throw("HOST");
  if (is_number(word) && host != nullptr && host->count() == 1 && path.command->get_option_no_throw("--port")) {
    throw usage_error(fmt::format("{}: unexpected argument {}", path.text(), word),
                      fmt::format("a port is given with -p: tcpkit {} {} -p {}", path.text(),
                                  shown(host->results().front()), word));
  }
  throw usage_error(fmt::format("{}: unexpected argument {}", path.text(), shown(word)),
                    fmt::format("e.g. {}", example_of(path)));
}

usage_error explain(const CLI::ParseError& error, const command_path& path) {
  const std::string what = error.what();
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && path.command->get_parent() != nullptr) {
    return usage_error(fmt::format("{}: {}", path.text(), what), fmt::format("e.g. {}", example_of(path)));
  }
  // CLI11: "--port: 1 required PORT missing" (an option at the end of the line), "TRACE: At Most
  // 2 required but received 3".
  const auto* option = path.command->get_option_no_throw(what.substr(0, what.find(':')));
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr && option != nullptr) {
    const auto message = what.ends_with(" missing")
                             ? fmt::format("{}: {} needs a value ({})", path.text(), option->get_name(),
                                           option->get_type_name())
                             : fmt::format("{}: too many {} (at most {})", path.text(), option->get_name(),
                                           option->get_expected_max());
    return usage_error(message, fmt::format("e.g. {}", example_of(path)));
  }
  return usage_error(path.words.empty() ? what : fmt::format("{}: {}", path.text(), what),
                     fmt::format("tcpkit {}--help tells more", path.words.empty() ? "" : path.text() + " "));
}

std::string format_usage_error(const usage_error& error) {
  std::string text = fmt::format("tcpkit: {}\n", error.what());
  if (!error.hint().empty()) text += error.hint() + "\n";
  return text;
}

}  // namespace tcpkit::cli
