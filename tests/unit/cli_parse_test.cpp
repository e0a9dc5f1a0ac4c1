// The command lines committed as the argument fuzzer's corpus (tests/fuzz/corpus/args_fuzz,
// taken from README.md and SPEC.md) parse as their names say: ok-* chooses a role to run,
// help-* prints help or the version, bad-* is a usage error (exit 2). Nothing is run.
#include "app.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using outcome = tcpkit::cli::parsed_command_line::outcome;

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

}  // namespace
