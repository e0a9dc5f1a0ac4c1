// Small helpers the suites share: connecting with evidence, showing bytes, the sixteen
// exchange, and running a client command against a server that tcpkit plays.
#pragma once

#include "tcpkit/check/suite.hpp"
#include "tcpkit/check/wire.hpp"

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

}  // namespace tcpkit::check
