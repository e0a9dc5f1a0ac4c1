// The forms a check's results take: a text table then every non-OK case in detail (stdout),
// NDJSON `case` and `end` events (--json, docs/JSON.md), JUnit XML (--junit FILE) and one
// self-contained HTML page (--html FILE).
#pragma once

#include "tcpkit/check/suite.hpp"

#include <cstdio>
#include <memory>
#include <string>

namespace tcpkit::check {

// Rows as cases finish, then the details of every non-OK case and the totals. `quiet`: only
// the non-OK details and the totals.
std::unique_ptr<case_sink> make_text_sink(std::FILE* out, bool quiet);
std::unique_ptr<case_sink> make_json_sink(std::FILE* out, const std::string& suite);
// Written once, at the end. Throws tcpkit::error if the file cannot be written.
std::unique_ptr<case_sink> make_junit_sink(std::string path, const std::string& suite);
std::unique_ptr<case_sink> make_html_sink(std::string path, const std::string& suite, const std::string& target);

// Counts per verdict, for the reporters' totals.
struct verdict_counts {
  std::size_t ok = 0, failed = 0, non_strict = 0, informational = 0;
};
verdict_counts count_verdicts(const std::vector<std::pair<const check_case*, case_result>>& all);

// Writes `content` to `path` whole; throws tcpkit::error ("write PATH: reason").
void write_text_file(const std::string& path, const std::string& content);

}  // namespace tcpkit::check
