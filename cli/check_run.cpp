// tcpkit check, once parsed: the suite run with the chosen reporters; exit 8 when a case FAILED.
#include "actions.hpp"

#include "tcpkit/check/program.hpp"
#include "tcpkit/check/reporters.hpp"
#include "tcpkit/check/suite.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tcpkit::cli {
namespace {

void print_list() {
  for (const auto& c : check::all_cases()) {
    fmt::print("{:<44} {}{}\n{:<44} lesson: {}\n", c.id, c.title, c.needs_command ? " (-- COMMAND only)" : "", "",
               c.lesson);
  }
}

std::string target_of(const check_settings& s) {
  if (s.command.empty()) return s.host + " -p " + std::to_string(s.port);
  std::string line;
  for (const auto& word : s.command) line += (line.empty() ? "" : " ") + word;
  return line;
}

}  // namespace

int check_main(const check_settings& settings) {
  if (settings.list) {
    print_list();
    return 0;
  }
  // Ctrl-C or a kill ends the program under test (its whole process group) with the checker.
  check::kill_children_on_signals();
  const std::string suite = settings.program + "." + settings.role;
  std::vector<std::unique_ptr<check::case_sink>> owned;
  // With --json the NDJSON events are stdout and the text table goes to stderr.
  owned.push_back(check::make_text_sink(settings.json ? stderr : stdout, settings.quiet));
  if (settings.json) owned.push_back(check::make_json_sink(stdout, suite));
  if (!settings.junit_path.empty()) owned.push_back(check::make_junit_sink(settings.junit_path, suite));
  if (!settings.html_path.empty()) owned.push_back(check::make_html_sink(settings.html_path, suite, target_of(settings)));
  std::vector<check::case_sink*> sinks;
  for (auto& sink : owned) sinks.push_back(sink.get());
  auto results = check::run_suite(settings, sinks);
  return check::count_verdicts(results).failed > 0 ? 8 : 0;
}

}  // namespace tcpkit::cli
