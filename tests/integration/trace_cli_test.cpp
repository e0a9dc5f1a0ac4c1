// --trace and tcpkit plot as a learner uses them: a traced server, a traced naive client that
// deadlocks, and a chart of both that is valid SVG with the expected series.
#include "support/cli.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;
using test::run_tcpkit;
using test::start_tcpkit_server;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tcpkit-trace-cli-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string at(std::string_view name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(TraceCli, NaiveDeadlockTracedOnBothSidesAndPlotted) {
  auto server = start_tcpkit_server({"uppercase", "server", "127.0.0.1", "-p", "0", "--once", "--trace",
                                     at("server.csv"), "--trace-interval", "0.02"});
  auto client = run_tcpkit({"uppercase", "client", "127.0.0.1", "33554432", "-p", std::to_string(server.port),
                            "--stall-timeout", "1.5", "--trace", at("client.csv"), "--trace-interval", "0.02"},
                           60s);
  EXPECT_EQ(client.exit_code(), 7) << client.stderr_text();  // the deadlock, diagnosed
  ASSERT_TRUE(server.proc.wait(20s).has_value());

  const std::string client_csv = read_file(at("client.csv"));
  const std::string server_csv = read_file(at("server.csv"));
  EXPECT_EQ(client_csv.rfind("time_s,side,conn,", 0), 0u);
  EXPECT_NE(client_csv.find(",client,1,"), std::string::npos);
  EXPECT_NE(client_csv.find(",close,"), std::string::npos);
  EXPECT_NE(server_csv.find(",server,1,"), std::string::npos);  // --trace on a server

  auto plot = run_tcpkit({"plot", at("client.csv"), at("server.csv"), "-o", at("chart.svg")});
  ASSERT_EQ(plot.exit_code(), 0) << plot.stderr_text();

  // Valid XML, an <svg> root, two panels of four series, and the stall called out.
  const std::string check =
      "import sys, xml.etree.ElementTree as E\n"
      "root = E.parse(sys.argv[1]).getroot()\n"
      "assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag\n"
      "series = [p.get('data-series') for p in root.iter('{http://www.w3.org/2000/svg}polyline')]\n"
      "assert series == ['bytes_sent', 'bytes_received', 'send_queue_bytes', 'receive_queue_bytes'] * 2, series\n"
      "texts = ' '.join(t.text or '' for t in root.iter('{http://www.w3.org/2000/svg}text'))\n"
      "assert 'no progress for' in texts, texts\n"
      "print('ok')\n";
  auto python = test::process::spawn({.argv = {"python3", "-c", check, at("chart.svg")}});
  ASSERT_EQ(python.wait(20s), 0) << python.stderr_text();
  EXPECT_NE(python.stdout_text().find("ok"), std::string::npos);
}

TEST_F(TraceCli, SixteenServerTracesEachConnectionWithItsByteCounts) {
  auto server = start_tcpkit_server({"sixteen", "server", "127.0.0.1", "-p", "0", "--once", "--trace", at("server.csv")});
  auto client = run_tcpkit({"sixteen", "client", "127.0.0.1", "-p", std::to_string(server.port)});
  ASSERT_EQ(client.exit_code(), 0) << client.stderr_text();
  ASSERT_EQ(server.proc.wait(20s), 0) << server.proc.stderr_text();
  const std::string csv = read_file(at("server.csv"));
  EXPECT_NE(csv.find(",server,1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",open,0,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",close,16,16,"), std::string::npos) << csv;  // 16 bytes each way, the last row
}

TEST_F(TraceCli, PlotRejectsAFileThatIsNotATrace) {
  { std::ofstream(at("bogus.csv")) << "hello,world\n"; }
  auto plot = run_tcpkit({"plot", at("bogus.csv"), "-o", at("chart.svg")});
  EXPECT_EQ(plot.exit_code(), 1);
  EXPECT_NE(plot.stderr_text().find("not a tcpkit trace"), std::string::npos) << plot.stderr_text();
}

}  // namespace
}  // namespace tcpkit
