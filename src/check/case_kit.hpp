// Small helpers the suites share: connecting with evidence, showing bytes, the sixteen
// exchange, running a client command against a server that tcpkit plays, and the uppercase
// stream (stream_through.cpp).
#pragma once

#include "tcpkit/check/suite.hpp"
#include "tcpkit/check/wire.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tcpkit::check {

inline constexpr std::string_view kRequest = "Hi there, server";   // 16 bytes
inline constexpr std::string_view kReply = "Farewell, client";     // 16 bytes

// Bytes as evidence: quoted with C escapes, long runs shortened to their start and length.
std::string show(std::string_view bytes);

// A connection to the server under test, noted; on failure the case is FAILED and the
// connection is closed.
connection connect_to_server(case_context& ctx, std::string_view why = {});

// The request the sixteen cases send: --message, or "Hi there, server".
std::string sixteen_request(const case_context& ctx);

// Sends `request` and reads the 16-byte reply (2 s at most), noting both.
read_result sixteen_exchange(case_context& ctx, connection& c, std::string_view request);

// Why `reply` is not an acceptable sixteen reply (16 bytes, or exactly --expect-reply), or "".
std::string sixteen_reply_problem(const case_context& ctx, const read_result& reply);

// One run of the client under test against a server that tcpkit plays on a free port.
struct client_case {
  case_context& ctx;
  listener server;
  connection peer;  // the client's connection, once accepted

  explicit client_case(case_context& c) : ctx(c) {}
  // Starts the client; `extra` placeholders as in client_under_test::start.
  void start(const std::map<std::string, std::string>& extra = {}, const std::string& stdin_path = {});
  // Accepts its connection (2 s at most); false (case FAILED) if it never connected.
  bool accept();
  // Waits for it to exit until `deadline`, notes its status and last output.
  client_exit finish(clock::time_point deadline);
};

// Notes a client's exit status and its last output lines.
void note_exit(case_context& ctx, const client_exit& exit);

// The uppercase service's answer to `bytes`: a-z uppercased, every other byte unchanged.
std::string uppercased(std::string_view bytes);

// A full-duplex uppercase stream: `total` bytes of `block` repeated are sent while replies are
// read and each byte checked against uppercased(); after the last byte the write side is shut
// down (when `half_close`) and replies are read until EOF. Never deadlocks: it reads whenever
// there is something to read.
struct stream_outcome {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t mismatch_at = UINT64_MAX;  // offset of the first wrong byte
  unsigned char expected = 0, got = 0;
  io_end end = io_end::complete;  // how the reading ended: EOF after everything is `complete`
  double seconds = 0;
};
stream_outcome stream_through(connection& c, std::string_view block, std::uint64_t total, clock::time_point deadline,
                              bool half_close = true);

// "sent N bytes, received M bytes (all checked) in S s, ended by EOF" for the evidence.
std::string describe(const stream_outcome& s);

}  // namespace tcpkit::check
