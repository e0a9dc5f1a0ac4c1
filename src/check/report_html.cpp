// --html FILE: one page with no external assets (inline style, no script): the table, then each
// case's lesson, explanation and evidence in a <details> block, open for every non-OK case.
#include "markup.hpp"
#include "tcpkit/check/reporters.hpp"

#include <fmt/format.h>

namespace tcpkit::check {
namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
    "td:first-child,td:last-child{white-space:nowrap}"
    ".OK{background:#dfd}.FAILED{background:#fcc}.NON-STRICT{background:#ffd}.INFORMATIONAL{background:#def}"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}details{margin:.8em 0}summary{cursor:pointer}";

std::string row(const check_case& c, const case_result& r) {
  auto v = std::string(to_string(r.outcome));
  return fmt::format("<tr><td class=\"{0}\">{0}</td><td><a href=\"#{1}\">{1}</a></td><td>{2}</td><td>{3}</td>"
                     "<td>{4:.2f} s</td></tr>\n",
                     v, escape_markup(c.id), escape_markup(c.title), escape_markup(r.summary), r.seconds);
}

std::string details(const check_case& c, const case_result& r) {
  auto v = std::string(to_string(r.outcome));
  std::string evidence;
  for (const auto& line : r.evidence) evidence += escape_markup(line) + "\n";
  return fmt::format("<details id=\"{0}\"{1}><summary><span class=\"{2}\">{2}</span> <code>{0}</code>: {3}</summary>\n"
                     "<p><b>Lesson:</b> {4}</p><p><b>Result:</b> {5}</p>{6}<pre>{7}</pre></details>\n",
                     escape_markup(c.id), r.outcome == verdict::ok ? "" : " open", v, escape_markup(c.title),
                     escape_markup(c.lesson), escape_markup(r.summary),
                     r.explanation.empty() ? "" : "<p><b>Why:</b> " + escape_markup(r.explanation) + "</p>", evidence);
}

class html_sink final : public case_sink {
 public:
  html_sink(std::string path, std::string suite, std::string target)
      : path_(std::move(path)), suite_(std::move(suite)), target_(std::move(target)) {}
  void on_case(const check_case&, const case_result&) override {}

  void on_end(const std::vector<std::pair<const check_case*, case_result>>& all, double seconds) override {
    auto n = count_verdicts(all);
    std::string page = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tcpkit check {0}</title>"
        "<style>{1}</style></head><body>\n<h1>tcpkit check {0}</h1>\n<p>Program under test: <code>{2}</code></p>\n"
        "<p>{3} cases: {4} OK, {5} FAILED, {6} NON-STRICT, {7} INFORMATIONAL in {8:.1f} s</p>\n"
        "<table><tr><th>Verdict</th><th>Case</th><th>Title</th><th>Result</th><th>Time</th></tr>\n",
        escape_markup(suite_), kStyle, escape_markup(target_), all.size(), n.ok, n.failed, n.non_strict,
        n.informational, seconds);
    for (const auto& [c, r] : all) page += row(*c, r);
    page += "</table>\n<h2>Cases</h2>\n";
    for (const auto& [c, r] : all) page += details(*c, r);
    page += "</body></html>\n";
    write_text_file(path_, page);
  }

 private:
  std::string path_, suite_, target_;
};

}  // namespace

std::unique_ptr<case_sink> make_html_sink(std::string path, const std::string& suite, const std::string& target) {
  return std::make_unique<html_sink>(std::move(path), suite, target);
}

}  // namespace tcpkit::check
