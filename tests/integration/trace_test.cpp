// The tracer on a real loopback socket pair: its rows grow with the traffic, the queues it reads
// are the kernel's, and the file reads back and draws as a chart with the four series.
#include "support/socket_pair.hpp"

#include "tcpkit/instruments/trace.hpp"
#include "tcpkit/instruments/trace_file.hpp"
#include "tcpkit/present/trace_plot.hpp"

#include <asio/read.hpp>
#include <asio/write.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace tcpkit {
namespace {

using namespace std::chrono_literals;

std::string temp_path(std::string_view name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "-" + std::to_string(::getpid()) + ".csv")).string();
}

// Waits (bounded) until the trace holds a row for `side` that satisfies `ok`.
template <typename Pred>
bool wait_for_row(const std::string& path, std::string_view side, Pred ok) {
  const auto deadline = clock::now() + 10s;
  while (clock::now() < deadline) {
    for (const auto& s : read_trace(path)) {
      if (s.side != side) continue;
      for (const auto& p : s.points) {
        if (ok(p)) return true;
      }
    }
    std::this_thread::sleep_for(5ms);  // polling a file another thread writes; bounded above
  }
  return false;
}

TEST(Tracer, SamplesGrowingCountersAndTheKernelQueues) {
  asio::io_context io;
  auto [client, server] = test::make_socket_pair(io);
  const std::string path = temp_path("tcpkit-trace-test");
  traffic_counters client_traffic;
  traffic_counters server_traffic;
  constexpr std::size_t kChunk = 64 * 1024;
  {
    tracer trace(path, 5ms);
    auto traced_client = trace.attach(client, "client", 1, client_traffic);
    auto traced_server = trace.attach(server, "server", 1, server_traffic);

    // The server reads nothing yet: what the client sends waits in the server's receive queue.
    const std::vector<char> data(kChunk, 'x');
    asio::write(client, asio::buffer(data));
    client_traffic.add_sent(kChunk);
    EXPECT_TRUE(wait_for_row(path, "server", [&](const trace_point& p) { return p.receive_queue_bytes == kChunk; }));
    EXPECT_TRUE(wait_for_row(path, "client", [&](const trace_point& p) { return p.bytes_sent == kChunk; }));

    std::vector<char> sink(kChunk);
    asio::read(server, asio::buffer(sink));
    server_traffic.add_received(kChunk);
    EXPECT_TRUE(wait_for_row(path, "server", [&](const trace_point& p) {
      return p.bytes_received == kChunk && p.receive_queue_bytes == 0;
    }));
  }  // handles, then the tracer: "close" rows, file flushed

  const auto series = read_trace(path);
  ASSERT_EQ(series.size(), 2u);
  for (const auto& s : series) {
    ASSERT_GE(s.points.size(), 3u) << s.side;
    for (std::size_t i = 1; i < s.points.size(); ++i) {
      EXPECT_GE(s.points[i].time_s, s.points[i - 1].time_s);
      EXPECT_GE(s.points[i].bytes_sent, s.points[i - 1].bytes_sent);
      EXPECT_GE(s.points[i].bytes_received, s.points[i - 1].bytes_received);
    }
    for (const auto& p : s.points) {
      EXPECT_LE(p.send_queue_bytes, kChunk);  // never more than was sent
      EXPECT_LE(p.receive_queue_bytes, kChunk);
    }
  }
  EXPECT_EQ(series[0].side, "client");
  EXPECT_EQ(series[0].points.back().bytes_sent, kChunk);
  EXPECT_EQ(series[1].points.back().bytes_received, kChunk);

  const std::string svg = plot_traces({{"trace.csv", series}});
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  for (const char* key : {"bytes_sent", "bytes_received", "send_queue_bytes", "receive_queue_bytes"}) {
    EXPECT_NE(svg.find(std::string("data-series=\"") + key + "\""), std::string::npos) << key;
  }
  std::filesystem::remove(path);
}

TEST(TraceFile, RejectsWhatIsNotATrace) {
  EXPECT_THROW(parse_trace("a,b,c\n1,2,3\n", "x.csv"), std::system_error);
  EXPECT_THROW(parse_trace("", "x.csv"), std::system_error);
  const std::string header(trace_csv_header());
  EXPECT_THROW(parse_trace(header + "\nnot-a-number,client,1,a,b,sample,1,2,3,4\n", "x.csv"), std::system_error);
  const auto series = parse_trace(header + "\n0.5,client,1,a,b,sample,10,20,30,40,,,,,,,,\n", "x.csv");
  ASSERT_EQ(series.size(), 1u);
  ASSERT_EQ(series[0].points.size(), 1u);
  EXPECT_EQ(series[0].points[0].receive_queue_bytes, 40u);
}

TEST(TraceFile, PlotShadesAStall) {
  const std::string header(trace_csv_header());
  // Counts frozen from 1 s to 3 s: the chart says so.
  const auto series = parse_trace(header +
                                      "\n0,client,1,a,b,open,0,0,0,0"
                                      "\n1,client,1,a,b,sample,100,0,50,10"
                                      "\n2,client,1,a,b,sample,100,0,50,10"
                                      "\n3,client,1,a,b,close,100,0,50,10\n",
                                  "x.csv");
  EXPECT_NE(plot_traces({{"x.csv", series}}).find("no progress for 2.0 s"), std::string::npos);
}

}  // namespace
}  // namespace tcpkit
