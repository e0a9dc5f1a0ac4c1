// --json: one `case` event per case and an `end` event with the counts (docs/JSON.md, "check").
#include "tcpkit/check/reporters.hpp"

#include "tcpkit/report.hpp"

#include <fmt/format.h>

namespace tcpkit::check {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}

class json_sink final : public case_sink {
 public:
  json_sink(std::FILE* out, std::string suite) : out_(out), suite_(std::move(suite)) {}

  void on_case(const check_case& c, const case_result& r) override {
    fmt::print(out_,
               "{{\"event\":\"case\",\"schema_version\":1,\"suite\":{},\"id\":{},\"verdict\":{},\"title\":{},"
               "\"lesson\":{},\"summary\":{},\"explanation\":{},\"evidence\":{},\"seconds\":{:.3f}}}\n",
               json_quote(suite_), json_quote(c.id), json_quote(to_string(r.outcome)), json_quote(c.title),
               json_quote(c.lesson), json_quote(r.summary), json_quote(r.explanation), json_quote(joined(r.evidence)),
               r.seconds);
    std::fflush(out_);
  }

  void on_end(const std::vector<std::pair<const check_case*, case_result>>& all, double seconds) override {
    auto n = count_verdicts(all);
    fmt::print(out_,
               "{{\"event\":\"end\",\"schema_version\":1,\"suite\":{},\"cases\":{},\"ok\":{},\"failed\":{},"
               "\"non_strict\":{},\"informational\":{},\"seconds\":{:.3f}}}\n",
               json_quote(suite_), all.size(), n.ok, n.failed, n.non_strict, n.informational, seconds);
    std::fflush(out_);
  }

 private:
  std::FILE* out_;
  std::string suite_;
};

}  // namespace

std::unique_ptr<case_sink> make_json_sink(std::FILE* out, const std::string& suite) {
  return std::make_unique<json_sink>(out, suite);
}

}  // namespace tcpkit::check
