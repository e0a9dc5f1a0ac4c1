// The text form: one row per case as it finishes, then every non-OK case in detail.
#include "tcpkit/check/reporters.hpp"

#include "tcpkit/core/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <system_error>

namespace tcpkit::check {
namespace {

class text_sink final : public case_sink {
 public:
  text_sink(std::FILE* out, bool quiet) : out_(out), quiet_(quiet) {}

  void on_case(const check_case& c, const case_result& r) override {
    if (quiet_) return;
    fmt::print(out_, "{:<13} {:<44} {}\n", to_string(r.outcome), c.id, r.summary);
    std::fflush(out_);
  }

  void on_end(const std::vector<std::pair<const check_case*, case_result>>& all, double seconds) override {
    for (const auto& [c, r] : all) {
      if (r.outcome != verdict::ok) print_details(*c, r);
    }
    auto n = count_verdicts(all);
    fmt::print(out_, "\n{} case{}: {} OK, {} FAILED, {} NON-STRICT, {} INFORMATIONAL in {:.1f} s\n", all.size(),
               all.size() == 1 ? "" : "s", n.ok,
               n.failed, n.non_strict, n.informational, seconds);
    std::fflush(out_);
  }

 private:
  void print_details(const check_case& c, const case_result& r) {
    fmt::print(out_, "\n{} {}: {}\n", to_string(r.outcome), c.id, c.title);
    fmt::print(out_, "  lesson:  {}\n  result:  {}\n", c.lesson, r.summary);
    if (!r.explanation.empty()) fmt::print(out_, "  why:     {}\n", r.explanation);
    if (!r.evidence.empty()) fmt::print(out_, "  evidence:\n");
    for (const auto& line : r.evidence) fmt::print(out_, "    {}\n", line);
  }

  std::FILE* out_;
  bool quiet_;
};

}  // namespace

std::unique_ptr<case_sink> make_text_sink(std::FILE* out, bool quiet) { return std::make_unique<text_sink>(out, quiet); }

verdict_counts count_verdicts(const std::vector<std::pair<const check_case*, case_result>>& all) {
  verdict_counts n;
  for (const auto& entry : all) {
    switch (entry.second.outcome) {
      case verdict::ok: ++n.ok; break;
      case verdict::failed: ++n.failed; break;
      case verdict::non_strict: ++n.non_strict; break;
      case verdict::informational: ++n.informational; break;
    }
  }
  return n;
}

void write_text_file(const std::string& path, const std::string& content) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw error(std::error_code(errno, std::system_category()), "write", path);
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    throw error(std::error_code(written ? errno : write_errno, std::system_category()), "write", path);
  }
}

}  // namespace tcpkit::check
