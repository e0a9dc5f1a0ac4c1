// The cases of `tcpkit check`, one suite per PROGRAM and ROLE (ids PROGRAM.ROLE.NAME), and the
// runner that plays each against the program under test (SPEC §3.4, docs/CHECK.md).
#pragma once

#include "tcpkit/check/config.hpp"
#include "tcpkit/check/target.hpp"
#include "tcpkit/check/verdict.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::check {

// What a case works with while it runs.
struct case_context {
  const check_config& config;
  server_under_test* server = nullptr;  // server roles
  client_under_test* client = nullptr;  // client roles
  clock::time_point started;
  clock::time_point deadline;  // the case's bound: no wait goes past it
  case_result result;
  // The case explains a managed server's end itself (it stopped it on purpose, or it never
  // started), so the runner does not report it as a death.
  bool death_explained = false;

  // `d` from now, but never past the case's bound.
  clock::time_point within(clock::duration d) const { return std::min(after(d), deadline); }
  // One line of evidence, stamped with the time since the case started: "+0.125 s  sent ...".
  void note(const std::string& line);
  void ok(std::string summary);
  void fail(std::string summary, std::string explanation);
  void non_strict(std::string summary, std::string explanation);
  void informational(std::string summary, std::string explanation = {});
};

struct check_case {
  std::string id;  // PROGRAM.ROLE.NAME
  std::string title;
  std::string lesson;  // the seeds' lesson the case checks
  bool needs_command = false;  // only when tcpkit starts the server (-- COMMAND)
  std::function<void(case_context&)> run;
};

// Every case of every suite, in suite order.
const std::vector<check_case>& all_cases();

// Whether `id` is selected by `pattern`: a glob (*, ?) matched against the whole id or its
// last part; a pattern without wildcards matches ids that contain it.
bool case_matches(const std::string& id, const std::string& pattern);

// Receives each case's result as it is decided, then the totals.
class case_sink {
 public:
  virtual ~case_sink() = default;
  virtual void on_case(const check_case& c, const case_result& r) = 0;
  virtual void on_end(const std::vector<std::pair<const check_case*, case_result>>& all, double seconds) = 0;
};

// Runs the selected cases of config.program/config.role; every result goes to each sink.
// Returns the results in order. Throws tcpkit::error (usage) when no case is selected.
std::vector<std::pair<const check_case*, case_result>> run_suite(const check_config& config,
                                                                  const std::vector<case_sink*>& sinks);

}  // namespace tcpkit::check
