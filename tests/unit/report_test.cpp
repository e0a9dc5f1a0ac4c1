#include "tcpkit/core/report.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

namespace tcpkit {
namespace {

// Captures what a reporter writes to a FILE*.
class captured_file {
 public:
  captured_file() : file_(std::tmpfile()) {}
  ~captured_file() { std::fclose(file_); }
  std::FILE* get() const { return file_; }
  std::string text() const {
    std::fflush(file_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* file_;
};

const event kListening{event_type::start, "Listening at {local}", {{"local", std::string("0.0.0.0:1060")}}};

TEST(Report, RenderTextFillsFieldsByName) {
  EXPECT_EQ(render_text(kListening), "Listening at 0.0.0.0:1060");
  const event e{event_type::end, "{n} bytes in {seconds:.2f} s", {{"n", std::uint64_t{42}}, {"seconds", 1.5}}};
  EXPECT_EQ(render_text(e), "42 bytes in 1.50 s");
}

TEST(Report, PayloadIsQuotedAndEscapedInText) {
  const event e{event_type::progress, "msg {message}", {{"message", payload{std::string("Hi\n\xff", 4)}}}};
  EXPECT_EQ(render_text(e), "msg \"Hi\\n\\xff\"");
}

TEST(Report, JsonHasEventAndSchemaFirstThenFieldsWithTypes) {
  const event e{event_type::end,
                "ignored",
                {{"bytes_sent", std::uint64_t{16}},
                 {"delta", std::int64_t{-3}},
                 {"seconds", 0.25},
                 {"ok", true},
                 {"peer", std::string("[::1]:1060")}}};
  EXPECT_EQ(render_json(e),
            R"({"event":"end","schema_version":1,"bytes_sent":16,"delta":-3,"seconds":0.25,"ok":true,"peer":"[::1]:1060"})");
}

TEST(Report, JsonStringsEscapeEveryNonPrintableByte) {
  EXPECT_EQ(json_quote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(json_quote(std::string_view("\0\x01\x7f\xc3\xa9", 5)), R"("\u0000\u0001\u007f\u00c3\u00a9")");
}

// Issue 14: text was escaped byte by byte like a payload, so "café" read back as "cafÃ©".
TEST(Report, JsonTextIsUtf8AndInvalidSequencesBecomeReplacementCharacters) {
  const event e{event_type::start,
                "",
                {{"input", std::string("caf\xc3\xa9.txt")},
                 {"latin1", std::string("caf\xe9.txt")},
                 {"cut", std::string("\xe2\x82")},
                 {"message", payload{std::string("caf\xc3\xa9")}}}};
  EXPECT_EQ(render_json(e), "{\"event\":\"start\",\"schema_version\":1,\"input\":\"caf\xc3\xa9.txt\","
                            "\"latin1\":\"caf\xef\xbf\xbd.txt\",\"cut\":\"\xef\xbf\xbd\","
                            "\"message\":\"caf\\u00c3\\u00a9\"}");
}

TEST(Report, JsonTextEscapesQuotesAndControlCharacters) {
  const event e{event_type::error, "", {{"message", std::string("say \"hi\"\\\n\x01")}}};
  EXPECT_EQ(render_json(e), R"({"event":"error","schema_version":1,"message":"say \"hi\"\\\n\u0001"})");
}

// Doubles keep tcpkit's 6 significant digits, not a JSON library's shortest round trip.
TEST(Report, JsonDoublesHaveSixSignificantDigits) {
  const event e{event_type::end, "", {{"a", 0.0}, {"b", 3.3e-05}, {"c", 1234567.0}, {"d", 0.000552394123}}};
  EXPECT_EQ(render_json(e), R"({"event":"end","schema_version":1,"a":0,"b":3.3e-05,"c":1.23457e+06,"d":0.000552394})");
}

TEST(Report, TextReporterWritesLinesAndSendsErrorsToErr) {
  captured_file out, err;
  text_reporter report(out.get(), err.get(), false);
  report.emit(kListening);
  report.emit({event_type::note, "Waiting to accept a new connection", {}});
  report.emit({event_type::error, "  oops {what}", {{"what", std::string("x")}}});
  report.emit({event_type::end, "", {}});  // no human form: nothing
  EXPECT_EQ(out.text(), "Listening at 0.0.0.0:1060\nWaiting to accept a new connection\n");
  EXPECT_EQ(err.text(), "  oops x\n");
}

TEST(Report, QuietTextReporterKeepsOnlyErrors) {
  captured_file out, err;
  text_reporter report(out.get(), err.get(), true);
  report.emit(kListening);
  report.emit({event_type::error, "bad", {}});
  EXPECT_EQ(out.text(), "");
  EXPECT_EQ(err.text(), "bad\n");
}

// wants() lets hot paths skip building events: it must agree with what emit() shows.
TEST(Report, WantsSaysWhichEventsWouldBeShown) {
  captured_file out, err;
  null_reporter none;
  text_reporter quiet(out.get(), err.get(), true);
  text_reporter loud(out.get(), err.get(), false);
  json_reporter json(out.get());
  tee_reporter quiet_and_json(quiet, json);
  tee_reporter quiet_and_none(quiet, none);
  for (const auto type : {event_type::start, event_type::connection, event_type::progress, event_type::end,
                          event_type::error, event_type::session, event_type::note}) {
    const bool error = type == event_type::error;
    EXPECT_FALSE(none.wants(type));
    EXPECT_EQ(quiet.wants(type), error);
    EXPECT_TRUE(loud.wants(type));
    EXPECT_EQ(json.wants(type), type != event_type::note);
    EXPECT_EQ(quiet_and_json.wants(type), type != event_type::note);
    EXPECT_EQ(quiet_and_none.wants(type), error);
  }
}

TEST(Report, TransientLinesAreDroppedWhenOutputIsNotATerminal) {
  captured_file out, err;
  text_reporter report(out.get(), err.get(), false);
  report.emit({event_type::progress, "  {n} bytes sent", {{"n", std::uint64_t{16}}}, true});
  report.emit({event_type::note, "done", {}});
  EXPECT_EQ(out.text(), "done\n");
}

TEST(Report, JsonReporterSkipsNotesAndWritesOneObjectPerLine) {
  captured_file out;
  json_reporter report(out.get());
  report.emit(kListening);
  report.emit({event_type::note, "Waiting to accept a new connection", {}});
  report.emit({event_type::progress, "  {n} bytes sent", {{"n", std::uint64_t{16}}}, true});
  EXPECT_EQ(out.text(),
            "{\"event\":\"start\",\"schema_version\":1,\"local\":\"0.0.0.0:1060\"}\n"
            "{\"event\":\"progress\",\"schema_version\":1,\"n\":16}\n");
}

TEST(Report, TeeSendsEveryEventToBoth) {
  captured_file a, b, err;
  json_reporter json(a.get());
  text_reporter text(b.get(), err.get(), false);
  tee_reporter tee(json, text);
  tee.emit(kListening);
  EXPECT_NE(a.text().find("\"local\":\"0.0.0.0:1060\""), std::string::npos);
  EXPECT_EQ(b.text(), "Listening at 0.0.0.0:1060\n");
}

}  // namespace
}  // namespace tcpkit
