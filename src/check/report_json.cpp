// --json: one `case` event per case and an `end` event with the counts (docs/JSON.md, "check").
#include "tcpkit/check/reporters.hpp"

#include "tcpkit/core/report.hpp"

#include "core/json_object.hpp"

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
    json_object json;
    json.text("event", "case").number("schema_version", std::int64_t{json_reporter::kSchemaVersion});
    json.text("suite", suite_).text("id", c.id).text("verdict", to_string(r.outcome)).text("title", c.title);
    json.text("lesson", c.lesson).text("summary", r.summary).text("explanation", r.explanation);
    json.text("evidence", joined(r.evidence)).fixed("seconds", r.seconds, 3);
    write_line(json);
  }

  void on_end(const std::vector<std::pair<const check_case*, case_result>>& all, double seconds) override {
    auto n = count_verdicts(all);
    json_object json;
    json.text("event", "end").number("schema_version", std::int64_t{json_reporter::kSchemaVersion});
    json.text("suite", suite_).number("cases", std::uint64_t{all.size()}).number("ok", std::uint64_t{n.ok});
    json.number("failed", std::uint64_t{n.failed}).number("non_strict", std::uint64_t{n.non_strict});
    json.number("informational", std::uint64_t{n.informational}).fixed("seconds", seconds, 3);
    write_line(json);
  }

 private:
  void write_line(const json_object& json) {
    fmt::print(out_, "{}\n", json.str());
    std::fflush(out_);
  }

  std::FILE* out_;
  std::string suite_;
};

}  // namespace

std::unique_ptr<case_sink> make_json_sink(std::FILE* out, const std::string& suite) {
  return std::make_unique<json_sink>(out, suite);
}

}  // namespace tcpkit::check
