// The checker's pure parts: case selection, COMMAND substitution, the case registry's shape,
// the captured output's tail, and the reports' escaping.
#include "tcpkit/check/program.hpp"
#include "tcpkit/check/reporters.hpp"
#include "tcpkit/check/socket_table.hpp"
#include "tcpkit/check/suite.hpp"
#include "tcpkit/check/wire.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace tcpkit::check {
namespace {

TEST(Check, CaseMatchesGlobsOnIdOrNameAndSubstrings) {
  EXPECT_TRUE(case_matches("sixteen.server.split-at-every-offset", "*split*"));
  EXPECT_TRUE(case_matches("sixteen.server.split-at-every-offset", "split-at-every-offset"));
  EXPECT_TRUE(case_matches("sixteen.server.split-at-every-offset", "sixteen.server.*"));
  EXPECT_TRUE(case_matches("sixteen.server.exchange", "exchange"));
  EXPECT_FALSE(case_matches("sixteen.server.exchange", "lines.*"));
  EXPECT_FALSE(case_matches("sixteen.server.exchange", "ex?"));
}

TEST(Check, SubstituteReplacesEveryPlaceholderAndLeavesOtherBraces) {
  auto words = substitute({"python3", "s.py", "{host}", "-p", "{port}", "{port}{port}", "{other}", "sh -c 'x={bytes}'"},
                          {{"host", "127.0.0.1"}, {"port", "5555"}, {"bytes", "64"}});
  std::vector<std::string> expected{"python3", "s.py", "127.0.0.1", "-p", "5555", "55555555", "{other}", "sh -c 'x=64'"};
  EXPECT_EQ(words, expected);
}

TEST(Check, EveryCaseHasAUniqueIdOfItsSuiteATitleAndALesson) {
  std::set<std::string> ids;
  std::set<std::string> suites;
  for (const auto& c : all_cases()) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    auto suite = c.id.substr(0, c.id.rfind('.'));
    suites.insert(suite);
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_FALSE(c.lesson.empty()) << c.id;
    EXPECT_TRUE(c.run) << c.id;
  }
  std::set<std::string> expected{"sixteen.server", "sixteen.client", "uppercase.server",
                                 "uppercase.client", "lines.server",   "lines.client"};
  EXPECT_EQ(suites, expected);
}

TEST(Check, LastLinesShowsWhatATerminalWouldAfterCarriageReturns) {
  auto path = (std::filesystem::temp_directory_path() / "tcpkit_check_last_lines.txt").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "one\n\ntwo\r\n  16 bytes\r  32 bytes\r  48 bytes \n\xff three\n";
  }
  std::vector<std::string> expected{"two", "  48 bytes ", "\\xff three"};
  EXPECT_EQ(last_lines(path, 3), expected);
  EXPECT_EQ(last_lines(path, 1, 0).back(), "\\xff three");
  std::filesystem::remove(path);
}

TEST(Check, ListeningIsReadFromTheKernelsTable) {
  listener l;
  EXPECT_TRUE(is_listening(l.port()));
  refusing_port bound_only;
  EXPECT_FALSE(is_listening(bound_only.port()));
}

TEST(Check, ReportsEscapeWhatTheProgramPrinted) {
  check_case c{"sixteen.server.exchange", "a <title>", "a & b", false, [](case_context&) {}};
  case_result r;
  r.outcome = verdict::failed;
  r.summary = "got \"<script>\"";
  r.evidence = {"+0.000 s  bytes \x01 & <b>"};
  auto dir = std::filesystem::temp_directory_path();
  auto junit = (dir / "tcpkit_check_test.xml").string(), html = (dir / "tcpkit_check_test.html").string();
  std::vector<std::pair<const check_case*, case_result>> all{{&c, r}};
  make_junit_sink(junit, "sixteen.server")->on_end(all, 1.0);
  make_html_sink(html, "sixteen.server", "python3 s.py")->on_end(all, 1.0);
  std::ifstream x(junit), h(html);
  std::string xml((std::istreambuf_iterator<char>(x)), {}), page((std::istreambuf_iterator<char>(h)), {});
  EXPECT_NE(xml.find("<failure message=\"got &quot;&lt;script&gt;&quot;\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("bytes ? &amp; &lt;b&gt;"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"exchange\""), std::string::npos) << xml;
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);
  std::filesystem::remove(junit);
  std::filesystem::remove(html);
}

// Issue 14: the JSON report's text was escaped byte by byte ("caf\u00c3\u00a9"); seconds keep 3 decimals.
TEST(Check, JsonReportIsUtf8TextWithMillisecondSeconds) {
  check_case c{"sixteen.server.exchange", "a caf\xc3\xa9", "a & b", false, [](case_context&) {}};
  case_result r;
  r.outcome = verdict::failed;
  r.summary = "got \"x\"";
  r.evidence = {"+0.000 s  caf\xc3\xa9", "+0.100 s  \x01\xff"};
  r.seconds = 0.5;
  std::FILE* file = std::tmpfile();
  auto sink = make_json_sink(file, "sixteen.server");
  sink->on_case(c, r);
  sink->on_end({{&c, r}}, 1.25);
  std::rewind(file);
  std::string text;
  for (int ch; (ch = std::fgetc(file)) != EOF;) text += static_cast<char>(ch);
  std::fclose(file);
  EXPECT_EQ(text,
            "{\"event\":\"case\",\"schema_version\":1,\"suite\":\"sixteen.server\",\"id\":\"sixteen.server.exchange\","
            "\"verdict\":\"FAILED\",\"title\":\"a caf\xc3\xa9\",\"lesson\":\"a & b\",\"summary\":\"got \\\"x\\\"\","
            "\"explanation\":\"\",\"evidence\":\"+0.000 s  caf\xc3\xa9\\n+0.100 s  \\u0001\xef\xbf\xbd\",\"seconds\":0.500}\n"
            "{\"event\":\"end\",\"schema_version\":1,\"suite\":\"sixteen.server\",\"cases\":1,\"ok\":0,\"failed\":1,"
            "\"non_strict\":0,\"informational\":0,\"seconds\":1.250}\n");
}

}  // namespace
}  // namespace tcpkit::check
