// What one case of `tcpkit check` concludes about the program under test (SPEC §3.4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tcpkit::check {

// OK: behaves as the lesson says. FAILED: breaks it (the run exits 8). NON-STRICT: works, but
// only by luck or against a convention. INFORMATIONAL: worth knowing, neither right nor wrong.
enum class verdict { ok, failed, non_strict, informational };

std::string_view to_string(verdict v) noexcept;

// A case's outcome. `summary` is one line; `explanation` (FAILED, NON-STRICT) gives the cause
// and the fix in the seeds' terms; `evidence` is what was sent and when, what came back, and
// the program's exit status and last output.
struct case_result {
  verdict outcome = verdict::ok;
  std::string summary;
  std::string explanation;
  std::vector<std::string> evidence;
  double seconds = 0;
};

}  // namespace tcpkit::check
