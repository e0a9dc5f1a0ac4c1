// tcpkit's command line, parsed and never run (SPEC §2). The command lines committed as the
// argument fuzzer's corpus (tests/fuzz/corpus/args_fuzz, taken from README.md and SPEC.md) parse
// as their names say: ok-* chooses a role to run, help-* prints help or the version, bad-* is a
// usage error (exit 2). The rest checks the rules of docs/CLI.md "Numbers, sizes, durations,
// hosts" and "Usage errors": what each value becomes, and what a mistake is told.
//
// The actions a parse chooses are the stand-ins below: they record what they were given.
#include "actions.hpp"
#include "app.hpp"
#include "values.hpp"

#include "tcpkit/core/line_buffer.hpp"
#include "tcpkit/programs/sixteen.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace tcpkit::cli {
namespace {

struct recorded_run {
  std::string role;  // "sixteen client", ...
  common_options options;
  std::uint64_t size = 0;  // --max-line, --chunk
  std::string text;        // --message, FILE
  uppercase_client_options uppercase;
  load_plan bench;
  std::uint64_t bench_bytes = 0;  // --bytes and --send-size of a stream mode
  std::size_t bench_send_size = 0;
  bool expect_ack = true;
};
recorded_run last_run;

int record(std::string role, const common_options& options) {
  last_run = recorded_run{};
  last_run.role = std::move(role);
  last_run.options = options;
  return 0;
}

}  // namespace

int sixteen_server_main(const common_options& o) { return record("sixteen server", o); }
int sixteen_client_main(const common_options& o, const sixteen_client_options& client) {
  record("sixteen client", o);
  last_run.text = client.message;
  return 0;
}
int lines_server_main(const common_options& o, std::size_t max_line) {
  record("lines server", o);
  last_run.size = max_line;
  return 0;
}
int lines_client_main(const common_options& o, const lines_client_options& client, const std::string& path) {
  record("lines client", o);
  last_run.text = path;
  last_run.expect_ack = client.expect_ack;
  return 0;
}
int uppercase_server_main(const common_options& o, std::size_t chunk) {
  record("uppercase server", o);
  last_run.size = chunk;
  return 0;
}
int uppercase_client_main(const common_options& o, const uppercase_client_options& settings) {
  record("uppercase client", o);
  last_run.uppercase = settings;
  return 0;
}
int bench_sixteen_main(const common_options& o, const load_plan& plan) {
  record("bench sixteen", o);
  last_run.bench = plan;
  return 0;
}
int bench_uppercase_main(const common_options& o, const load_plan& plan, const uppercase_load_options& load) {
  record("bench uppercase", o);
  last_run.bench = plan;
  last_run.bench_bytes = load.bytes;
  last_run.bench_send_size = load.send_size;
  return 0;
}
int bench_lines_main(const common_options& o, const load_plan& plan, const lines_load_options& load) {
  record("bench lines", o);
  last_run.bench = plan;
  last_run.bench_bytes = load.bytes;
  last_run.bench_send_size = load.send_size;
  return 0;
}
int plot_main(const plot_settings&) { return record("plot", {}); }
int proxy_main(const common_options& o, const proxy_settings& settings) {
  record("proxy", o);
  last_run.text = settings.upstream_host;
  return 0;
}
int check_main(const check_settings& settings) {
  record("check", {});
  last_run.text = settings.program + " " + settings.role;
  return 0;
}

}  // namespace tcpkit::cli

namespace {

using tcpkit::cli::last_run;
using outcome = tcpkit::cli::parsed_command_line::outcome;

tcpkit::cli::parsed_command_line parse(const std::vector<std::string>& words) {
  std::vector<const char*> argv{"tcpkit"};
  for (const auto& w : words) argv.push_back(w.c_str());
  argv.push_back(nullptr);
  return tcpkit::cli::parse_command_line(static_cast<int>(argv.size() - 1), argv.data());
}

// Parses `words` and runs the stand-in it chose; fails the test if it was not a runnable line.
bool parse_and_record(const std::vector<std::string>& words) {
  auto parsed = parse(words);
  if (parsed.kind != outcome::run || !parsed.run) {
    ADD_FAILURE() << ::testing::PrintToString(words) << ": " << parsed.text;
    return false;
  }
  parsed.run();
  return true;
}

// The usage error `words` gives: its first line (the error) and its hint ("" if none). Fails
// the test unless it is one line starting "tcpkit: " and at most one more.
struct usage_text {
  std::string error;
  std::string hint;
};
usage_text usage_of(const std::vector<std::string>& words) {
  const auto parsed = parse(words);
  EXPECT_EQ(parsed.kind, outcome::usage) << ::testing::PrintToString(words) << ": " << parsed.text;
  EXPECT_FALSE(parsed.run);
  const auto& text = parsed.text;
  EXPECT_TRUE(text.starts_with("tcpkit: ")) << text;
  EXPECT_TRUE(text.ends_with("\n")) << text;
  const auto lines = std::count(text.begin(), text.end(), '\n');
  EXPECT_LE(lines, 2) << text;
  EXPECT_EQ(text.find("--help for more information"), std::string::npos) << text;
  const auto first_end = text.find('\n');
  usage_text result{text.substr(0, first_end), ""};
  if (first_end != std::string::npos && first_end + 1 < text.size()) {
    result.hint = text.substr(first_end + 1, text.size() - first_end - 2);
  }
  return result;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

tcpkit::cli::parsed_command_line parse_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args{"tcpkit"};
  std::string arg;
  for (const char c : bytes) {
    if (c == '\0') {
      args.push_back(arg);
      arg.clear();
    } else {
      arg += c;
    }
  }
  args.push_back(arg);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return tcpkit::cli::parse_command_line(static_cast<int>(args.size()), argv.data());
}

TEST(CliParse, CommittedCommandLinesParseAsNamed) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TCPKIT_ARGS_CORPUS)) {
    const std::string name = entry.path().filename().string();
    const auto parsed = parse_file(entry.path());
    if (name.starts_with("ok-")) {
      EXPECT_EQ(parsed.kind, outcome::run) << name << ": " << parsed.text;
      EXPECT_TRUE(parsed.run) << name;
    } else if (name.starts_with("help-")) {
      EXPECT_EQ(parsed.kind, outcome::print) << name << ": " << parsed.text;
    } else if (name.starts_with("bad-")) {
      EXPECT_EQ(parsed.kind, outcome::usage) << name;
      EXPECT_TRUE(parsed.text.starts_with("tcpkit: ")) << name << ": " << parsed.text;
    } else {
      ADD_FAILURE() << name << ": corpus files are named ok-*, help-* or bad-*";
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST(CliParse, VersionAndUsageErrorText) {
  const char* version[] = {"tcpkit", "--version", nullptr};
  const auto v = tcpkit::cli::parse_command_line(2, version);
  EXPECT_EQ(v.kind, outcome::print);
  EXPECT_TRUE(v.text.starts_with("tcpkit ")) << v.text;

  const char* bad_port[] = {"tcpkit", "sixteen", "client", "127.0.0.1", "-p", "70000", nullptr};
  const auto b = tcpkit::cli::parse_command_line(6, bad_port);
  EXPECT_EQ(b.kind, outcome::usage);
  EXPECT_NE(b.text.find("--port"), std::string::npos) << b.text;
  EXPECT_FALSE(b.run);
}

// --- issue 14: every parse has option values of its own ---------------------------------------

TEST(CliParse, ASecondParseStartsFromTheDefaults) {
  // The commands kept their values in function-local statics: a second parse inherited them.
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1:1070", "--idle-timeout", "0.5", "--max-conns", "3"}));
  EXPECT_DOUBLE_EQ(last_run.options.idle_timeout_s, 0.5);
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1"}));
  EXPECT_DOUBLE_EQ(last_run.options.idle_timeout_s, 60);
  EXPECT_EQ(last_run.options.max_conns, 0u);
  EXPECT_EQ(last_run.options.port, tcpkit::kDefaultPort);
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "127.0.0.1", "--message", "Hi th"}));
  EXPECT_EQ(last_run.text, "Hi th");
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "127.0.0.1"}));
  EXPECT_EQ(last_run.text, tcpkit::kGreeting);
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "1M", "--strategy", "async"}));
  EXPECT_EQ(last_run.uppercase.strategy, tcpkit::uppercase_strategy::async);
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1"}));
  EXPECT_EQ(last_run.uppercase.bytecount, 16u);
  EXPECT_EQ(last_run.uppercase.strategy, tcpkit::uppercase_strategy::naive);
  ASSERT_TRUE(parse_and_record({"lines", "client", "127.0.0.1", "--no-ack"}));
  EXPECT_FALSE(last_run.expect_ack);
  ASSERT_TRUE(parse_and_record({"lines", "client", "127.0.0.1"}));
  EXPECT_TRUE(last_run.expect_ack);
}

// The library's option structs are what the command line fills: each value lands in the field
// the library reads, in the unit it takes.
TEST(CliParse, ClientAndLoadOptionsLandInTheLibrarysStructs) {
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "--strategy", "threads", "--stall-timeout", "0.25"}));
  EXPECT_EQ(last_run.uppercase.strategy, tcpkit::uppercase_strategy::threads);
  EXPECT_EQ(last_run.uppercase.stall_timeout, std::chrono::milliseconds(250));
  ASSERT_TRUE(parse_and_record({"bench", "sixteen", "127.0.0.1", "-c", "8", "-n", "50", "--deadline", "1.5", "--ramp", "4"}));
  EXPECT_EQ(last_run.bench.connections, 8u);
  EXPECT_EQ(last_run.bench.exchanges, 50u);
  EXPECT_EQ(last_run.bench.deadline, std::chrono::milliseconds(1500));
  EXPECT_EQ(last_run.bench.max_opening, 4u);
  ASSERT_TRUE(parse_and_record({"bench", "sixteen", "127.0.0.1"}));
  EXPECT_EQ(last_run.bench.exchanges, 1000u);  // the command's default, not the library's
  EXPECT_EQ(last_run.bench.max_opening, 0u);
  ASSERT_TRUE(parse_and_record({"bench", "uppercase", "127.0.0.1"}));
  EXPECT_EQ(last_run.bench.max_opening, 256u);  // streams ramp by default
}

TEST(CliParse, AnActionRunsWithItsOwnParsesValues) {
  // The action chosen reads the values its result owns, not whatever a later parse wrote.
  auto first = parse({"lines", "server", "::1", "-p", "1071", "--max-line", "2K"});
  auto second = parse({"lines", "server", "127.0.0.1", "-p", "1072"});
  ASSERT_EQ(first.kind, outcome::run) << first.text;
  ASSERT_EQ(second.kind, outcome::run) << second.text;
  first.run();
  EXPECT_EQ(last_run.options.host, "::1");
  EXPECT_EQ(last_run.options.port, 1071);
  EXPECT_EQ(last_run.size, 2048u);
  second.run();
  EXPECT_EQ(last_run.options.host, "127.0.0.1");
  EXPECT_EQ(last_run.size, tcpkit::kDefaultMaxLine);
}

// --- item 4: durations --------------------------------------------------------------------

// Every option in seconds, on a command that takes it.
const std::vector<std::vector<std::string>> kSecondsOptions{
    {"sixteen", "server", "127.0.0.1", "--idle-timeout"},   {"sixteen", "client", "127.0.0.1", "--idle-timeout"},
    {"sixteen", "client", "127.0.0.1", "--connect-timeout"}, {"uppercase", "client", "127.0.0.1", "--stall-timeout"},
    {"lines", "server", "127.0.0.1", "--trace-interval"},   {"bench", "sixteen", "127.0.0.1", "--deadline"},
    {"bench", "lines", "127.0.0.1", "--connect-timeout"},
};

TEST(CliParse, EverySecondsOptionRefusesWhatTheClockCannotHold) {
  // 1e10 and 1e300 overflowed the nanosecond clock into a negative limit; nan passed every check.
  for (const auto& command : kSecondsOptions) {
    for (const std::string bad : {"nan", "NaN", "inf", "-inf", "1e10", "1e300", "1e400", "-1", "0", "0x10", "", "5s",
                                  "1e-400", "01"}) {
      auto words = command;
      words.push_back(bad);
      const auto usage = usage_of(words);
      EXPECT_TRUE(contains(usage.error, command.back() + " " + (bad.empty() ? "\"\"" : bad) + ":")) << usage.error;
      EXPECT_LT(usage.error.size(), 120u) << usage.error;  // no 310-digit range
    }
  }
}

TEST(CliParse, SecondsAreDecimalWithAFractionOrAnExponent) {
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1", "--idle-timeout", "0.5"}));
  EXPECT_DOUBLE_EQ(last_run.options.idle_timeout_s, 0.5);
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "127.0.0.1", "--connect-timeout", "1e3"}));
  EXPECT_DOUBLE_EQ(last_run.options.connect_timeout_s, 1000);
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "--stall-timeout", "1000000"}));
  EXPECT_EQ(last_run.uppercase.stall_timeout, tcpkit::cli::seconds(tcpkit::cli::kMaxSeconds));
  EXPECT_TRUE(contains(usage_of({"uppercase", "client", "127.0.0.1", "--stall-timeout", "1000001"}).error,
                       "at most 1000000 seconds"));
  EXPECT_TRUE(contains(usage_of({"sixteen", "client", "127.0.0.1", "--connect-timeout", "0"}).error,
                       "--connect-timeout 0: must be more than 0 seconds"));
}

// --- item 5: numbers are decimal ------------------------------------------------------------

TEST(CliParse, PortsAreDecimalOnly) {
  // CLI11 read 01060 as octal (560) and 0x50 as hex (80).
  for (const std::string bad : {"01060", "0x50", "0b1", "-1", "+80", "70000", "1060 ", "abc", "1e3"}) {
    const auto usage = usage_of({"sixteen", "server", "127.0.0.1", "-p", bad});
    EXPECT_TRUE(contains(usage.error, "--port " + bad + ":")) << usage.error;
  }
  EXPECT_EQ(usage_of({"sixteen", "client", "127.0.0.1", "-p", "abc"}).error,
            "tcpkit: --port abc: not a port (a decimal number from 0 to 65535)");
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1", "-p", "1060"}));
  EXPECT_EQ(last_run.options.port, 1060);
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1", "--port", "0"}));
  EXPECT_EQ(last_run.options.port, 0);
}

TEST(CliParse, NegativeAndOutOfRangeCountsAndSizesAreUsageErrors) {
  // Each wrapped to a huge or tiny unsigned value before.
  const std::vector<std::vector<std::string>> cases{
      {"sixteen", "server", "127.0.0.1", "--max-conns", "-1"},
      {"lines", "server", "127.0.0.1", "--max-line", "-5"},
      {"uppercase", "client", "127.0.0.1", "BYTECOUNT", "-5"},
      {"uppercase", "client", "127.0.0.1", "--send-size", "-1"},
      {"uppercase", "server", "127.0.0.1", "--chunk", "-1"},
      {"uppercase", "server", "127.0.0.1", "--threads", "0"},
      {"uppercase", "server", "127.0.0.1", "--threads", "257"},
      {"bench", "sixteen", "127.0.0.1", "--connections", "-3"},
      {"bench", "sixteen", "127.0.0.1", "--total", "010"},
      {"bench", "uppercase", "127.0.0.1", "--bytes", "0x10"},
      {"bench", "uppercase", "127.0.0.1", "--recv-size", "1G"},
      {"lines", "server", "127.0.0.1", "--max-line", "99999999999999999999999"},
      {"uppercase", "client", "127.0.0.1", "BYTECOUNT", "20000000T"},
  };
  for (auto words : cases) {
    const bool positional = words[3] == "BYTECOUNT";
    const auto value = words.back();
    if (positional) words.erase(words.begin() + 3);
    const auto usage = usage_of(words);
    EXPECT_TRUE(contains(usage.error, (positional ? "BYTECOUNT" : std::string(words[3])) + " " + value + ":"))
        << usage.error;
  }
  EXPECT_EQ(usage_of({"sixteen", "server", "127.0.0.1", "--max-conns", "-1"}).error,
            "tcpkit: --max-conns -1: must not be negative");
  ASSERT_TRUE(parse_and_record({"sixteen", "server", "127.0.0.1", "--max-conns", "2", "--threads", "4"}));
  EXPECT_EQ(last_run.options.max_conns, 2u);
  EXPECT_EQ(last_run.options.threads, 4u);
}

// --- item 14: one set of size suffixes ------------------------------------------------------

TEST(CliParse, EverySizeTakesTheSameSuffixesWithTheSameMeaning) {
  // Before: BYTECOUNT refused 1M, bench --bytes 1G was 10^9, --max-line 1K was 1024.
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "1M"}));
  EXPECT_EQ(last_run.uppercase.bytecount, 1u << 20);
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "3MB", "--send-size", "64k"}));
  EXPECT_EQ(last_run.uppercase.bytecount, 3'000'000u);
  EXPECT_EQ(last_run.uppercase.send_size, 65536u);
  ASSERT_TRUE(parse_and_record({"bench", "uppercase", "127.0.0.1", "--bytes", "1G", "--send-size", "1KiB"}));
  EXPECT_EQ(last_run.bench_bytes, std::uint64_t{1} << 30);
  EXPECT_EQ(last_run.bench_send_size, 1024u);
  ASSERT_TRUE(parse_and_record({"bench", "lines", "127.0.0.1", "--bytes", "1GB"}));
  EXPECT_EQ(last_run.bench_bytes, 1'000'000'000u);
  ASSERT_TRUE(parse_and_record({"lines", "server", "127.0.0.1", "--max-line", "1K"}));
  EXPECT_EQ(last_run.size, 1024u);
  ASSERT_TRUE(parse_and_record({"uppercase", "server", "127.0.0.1", "--chunk", "2kb"}));
  EXPECT_EQ(last_run.size, 2000u);
  ASSERT_TRUE(parse_and_record({"uppercase", "client", "127.0.0.1", "1T"}));
  EXPECT_EQ(last_run.uppercase.bytecount, std::uint64_t{1} << 40);
  for (const std::string bad : {"1.5M", "1X", "M", "1 K", "1KK", "1Mi"}) {
    const auto usage = usage_of({"lines", "server", "127.0.0.1", "--max-line", bad});
    EXPECT_TRUE(contains(usage.error, "--max-line " + bad + ": not a size")) << usage.error;
  }
}

TEST(CliParse, SizeSuffixTable) {
  using tcpkit::cli::parse_size;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(parse_size("S", "0", 0, max), 0u);
  EXPECT_EQ(parse_size("S", "7", 0, max), 7u);
  EXPECT_EQ(parse_size("S", "7b", 0, max), 7u);
  EXPECT_EQ(parse_size("S", "2K", 0, max), 2048u);
  EXPECT_EQ(parse_size("S", "2KB", 0, max), 2000u);
  EXPECT_EQ(parse_size("S", "2MiB", 0, max), 2u << 20);
  EXPECT_EQ(parse_size("S", "2mb", 0, max), 2'000'000u);
  EXPECT_EQ(parse_size("S", "2g", 0, max), std::uint64_t{2} << 30);
  EXPECT_EQ(parse_size("S", "2GB", 0, max), 2'000'000'000u);
  EXPECT_EQ(parse_size("S", "1TB", 0, max), 1'000'000'000'000u);
  EXPECT_EQ(parse_size("S", "16777215T", 0, max), ((std::uint64_t{1} << 24) - 1) << 40);
  EXPECT_THROW(parse_size("S", "16777216T", 0, max), tcpkit::cli::usage_error);  // 2^64 wraps
  EXPECT_THROW(parse_size("S", "2K", 0, 2047), tcpkit::cli::usage_error);
}

// --- item 13: HOST:PORT -----------------------------------------------------------------------

TEST(CliParse, HostTakesAPortTheWayNetcatAndSocatWriteIt) {
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "127.0.0.1:1061"}));
  EXPECT_EQ(last_run.options.host, "127.0.0.1");
  EXPECT_EQ(last_run.options.port, 1061);
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "[::1]:1062"}));
  EXPECT_EQ(last_run.options.host, "::1");
  EXPECT_EQ(last_run.options.port, 1062);
  ASSERT_TRUE(parse_and_record({"uppercase", "server", "[::]:0", "-p", "0"}));  // both ways, agreeing
  EXPECT_EQ(last_run.options.host, "::");
  EXPECT_EQ(last_run.options.port, 0);
  ASSERT_TRUE(parse_and_record({"lines", "server", ":1063"}));  // "" is every IPv4 interface
  EXPECT_EQ(last_run.options.host, "");
  EXPECT_EQ(last_run.options.port, 1063);
  ASSERT_TRUE(parse_and_record({"bench", "sixteen", "localhost:1064"}));
  EXPECT_EQ(last_run.options.host, "localhost");
  EXPECT_EQ(last_run.options.port, 1064);
  // Two colons without brackets: an IPv6 address and no port.
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "::1", "-p", "1065"}));
  EXPECT_EQ(last_run.options.host, "::1");
  EXPECT_EQ(last_run.options.port, 1065);
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "fe80::1%lo", "-p", "1066"}));
  EXPECT_EQ(last_run.options.host, "fe80::1%lo");
  EXPECT_EQ(last_run.options.port, 1066);
  ASSERT_TRUE(parse_and_record({"sixteen", "client", "[::1]"}));
  EXPECT_EQ(last_run.options.host, "::1");
}

TEST(CliParse, APortGivenBothWaysMustAgree) {
  const auto usage = usage_of({"sixteen", "client", "127.0.0.1:1060", "-p", "1061"});
  EXPECT_TRUE(contains(usage.error, "1060") && contains(usage.error, "1061")) << usage.error;
  EXPECT_FALSE(usage.hint.empty());
  for (const std::string bad : {"127.0.0.1:", "127.0.0.1:01060", "127.0.0.1:0x50", "[::1]:70000", "[::1", "[::1]1060"}) {
    EXPECT_TRUE(contains(usage_of({"sixteen", "client", bad}).error, "HOST " + bad + ":")) << bad;
  }
}

TEST(CliParse, ANumberAfterHostIsToldToUseDashP) {
  const auto usage = usage_of({"sixteen", "client", "127.0.0.1", "1060"});
  EXPECT_TRUE(contains(usage.error, "1060")) << usage.error;
  EXPECT_EQ(usage.hint, "a port is given with -p: tcpkit sixteen client 127.0.0.1 -p 1060");
  EXPECT_TRUE(contains(usage_of({"lines", "server", "::", "1060"}).hint, "-p 1060"));
  // The lines client takes a FILE there: a number that names no file is the same habit.
  const auto file = usage_of({"lines", "client", "127.0.0.1", "1060"});
  EXPECT_EQ(file.error, "tcpkit: FILE 1060: no such file");
  EXPECT_TRUE(contains(file.hint, "-p 1060")) << file.hint;
}

// --- item 12: usage errors a newcomer can act on ---------------------------------------------

TEST(CliParse, AnUnknownProgramIsNamedAndTheProgramsListed) {
  for (const std::vector<std::string>& words : {std::vector<std::string>{"upper", "client", "127.0.0.1"},
                                               {"sixten", "server", "x"}}) {
    const auto usage = usage_of(words);
    EXPECT_EQ(usage.error, "tcpkit: " + words[0] + " is not a program");
    EXPECT_TRUE(contains(usage.hint, "sixteen") && contains(usage.hint, "uppercase") && contains(usage.hint, "lines") &&
                contains(usage.hint, "bench") && contains(usage.hint, "plot"))
        << usage.hint;
  }
  const auto swapped = usage_of({"server", "sixteen", "127.0.0.1"});
  EXPECT_EQ(swapped.error, "tcpkit: server is not a program");
  EXPECT_EQ(swapped.hint, "the program comes first: tcpkit sixteen server 127.0.0.1");
  EXPECT_TRUE(contains(usage_of({}).hint, "sixteen"));
  EXPECT_TRUE(contains(usage_of({"bench", "upper"}).hint, "uppercase"));
}

TEST(CliParse, HostBeforeTheRoleIsToldTheRoleComesFirst) {
  const auto usage = usage_of({"sixteen", "127.0.0.1", "server"});
  EXPECT_EQ(usage.error, "tcpkit: sixteen: 127.0.0.1 is not a role");
  EXPECT_EQ(usage.hint, "the role comes first: tcpkit sixteen server 127.0.0.1");
  const auto missing = usage_of({"lines"});
  EXPECT_TRUE(contains(missing.error, "no role")) << missing.error;
  EXPECT_TRUE(contains(missing.hint, "server") && contains(missing.hint, "client")) << missing.hint;
  EXPECT_TRUE(contains(usage_of({"sixteen", "client"}).error, "HOST is required"));
}

TEST(CliParse, AnOptionOfAnotherRoleSaysItDoesNotApply) {
  // Before: "The following arguments were not expected: 2 --threads".
  const auto usage = usage_of({"lines", "server", "127.0.0.1", "--threads", "2"});
  EXPECT_EQ(usage.error, "tcpkit: --threads does not apply to lines server");
  EXPECT_TRUE(contains(usage.hint, "sixteen server") && contains(usage.hint, "uppercase server")) << usage.hint;
  EXPECT_TRUE(contains(usage_of({"sixteen", "server", "127.0.0.1", "--strategy", "async"}).error,
                       "--strategy does not apply to sixteen server"));
  const auto unknown = usage_of({"sixteen", "client", "127.0.0.1", "--frobnicate"});
  EXPECT_TRUE(contains(unknown.error, "--frobnicate")) << unknown.error;
}

TEST(CliParse, EveryUsageErrorIsOneLineAndAtMostOneHint) {
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"sixteen", "client", "127.0.0.1", "-p"}, {"sixteen", "client", "127.0.0.1", "-4", "-6"},
        {"plot"}, {"plot", "nosuchfile.csv", "-o", "x.svg"}, {"uppercase", "client", "127.0.0.1", "--strategy", "fast"},
        {"lines", "client"}, {"sixteen", "-p", "1060", "server", "x"}, {"--frobnicate"}}) {
    usage_of(words);  // checks the form
  }
  EXPECT_EQ(usage_of({"uppercase", "client", "127.0.0.1", "--strategy", "fast"}).error,
            "tcpkit: --strategy fast: not one of naive, threads, async");
}

std::string help_of(const std::vector<std::string>& words) {
  auto with_help = words;
  with_help.push_back("--help");
  const auto parsed = parse(with_help);
  EXPECT_EQ(parsed.kind, outcome::print);
  return parsed.text;
}

TEST(CliParse, HelpNamesWhatEachOptionHolds) {
  const auto client = help_of({"uppercase", "client"});
  EXPECT_TRUE(contains(client, "Usage: tcpkit uppercase client [OPTIONS] HOST [BYTECOUNT]")) << client;
  EXPECT_TRUE(contains(client, "-p,--port PORT")) << client;
  EXPECT_TRUE(contains(client, "--stall-timeout SECONDS")) << client;
  EXPECT_TRUE(contains(client, "--send-size BYTES")) << client;
  EXPECT_TRUE(contains(client, "--strategy naive|threads|async")) << client;
  EXPECT_TRUE(contains(help_of({"sixteen", "server"}), "--max-conns N")) << client;
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"uppercase", "client"}, {"uppercase", "server"}, {"sixteen", "server"}, {"lines", "server"},
           {"lines", "client"}, {"bench", "uppercase"}, {"bench", "sixteen"}, {"plot"}}) {
    const auto help = help_of(words);
    for (const char* cli11 : {"FLOAT", "UINT", "INT in", "POSITIVE", "TEXT", "SIZE [", "[b, kb"}) {
      EXPECT_FALSE(contains(help, cli11)) << ::testing::PrintToString(words) << " shows " << cli11 << ":\n" << help;
    }
  }
  const auto plot = help_of({"plot"});
  EXPECT_TRUE(contains(plot, "Usage: tcpkit plot [OPTIONS] TRACE [TRACE]")) << plot;  // one or two
  const auto bench = help_of({"bench", "uppercase"});
  EXPECT_FALSE(contains(bench, "seconds to resolve the name (default 10)")) << bench;
  EXPECT_TRUE(contains(bench, "--connect-timeout SECONDS")) << bench;
}

}  // namespace
