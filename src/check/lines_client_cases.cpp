// lines.client.*: tcpkit plays the lines server; the client under test sends a file tcpkit
// wrote ({file} in COMMAND, else on its stdin).
#include "case_kit.hpp"
#include "cases.hpp"
#include "tcpkit/check/reporters.hpp"
#include "tcpkit/core/tcp_info.hpp"

#include <fmt/format.h>

#include <thread>

namespace tcpkit::check {
namespace {

constexpr std::string_view kLines = "first line\nsecond line\n\nfourth line, after an empty one\n";
// tcpkit's acknowledgement of kLines (SPEC §3.3).
const std::string kAck = fmt::format("received 4 lines, {} bytes\n", kLines.size());

// Starts the client with the lines file and accepts it; false (FAILED) if it never connects.
bool start_with_lines(client_case& run) {
  const std::string path = run.ctx.client->scratch() + "/lines.txt";
  write_text_file(path, std::string(kLines));
  bool named = false;
  for (const auto& word : run.ctx.client->command()) named |= word.find("{file}") != std::string::npos;
  run.start({{"file", path}}, named ? std::string() : path);
  return run.accept();
}

// Everything the client sends until its EOF (3 s at most).
read_result read_all_lines(case_context& ctx, connection& peer) {
  auto got = peer.recv_until_eof(ctx.within(3s), 1 << 20);
  ctx.note(fmt::format("the client sent {} bytes {} ({})", got.data.size(), show(got.data),
                       got.end == io_end::eof ? "then EOF" : to_string(got.end)));
  return got;
}

void every_line_arrives(case_context& ctx) {
  client_case run(ctx);
  if (!start_with_lines(run)) return;
  auto got = read_all_lines(ctx, run.peer);
  run.peer.send(kAck, ctx.within(1s));
  run.peer.close();
  run.finish(ctx.within(3s));
  if (got.data != kLines) {
    return ctx.fail("the lines did not arrive exactly as in the file",
                    "Send the whole file with sendall() (a loop over send() may drop the unsent rest).");
  }
  ctx.ok(fmt::format("all {} bytes arrived", kLines.size()));
}

void half_closes(case_context& ctx) {
  client_case run(ctx);
  if (!start_with_lines(run)) return;
  auto got = read_all_lines(ctx, run.peer);
  if (got.end != io_end::eof) {
    run.finish(ctx.within(1s));
    return ctx.fail("the client never signalled the end of its lines", "After the last line call sock.shutdown(socket.SHUT_WR).");
  }
  // A client that closed outright answers the acknowledgement with a reset. recv() cannot tell
  // (after the FIN it returns 0 whatever follows), but the kernel's state for the connection
  // does: CLOSE_WAIT while the client still reads, CLOSE once its reset arrived.
  run.peer.send(kAck, ctx.within(1s));
  bool reset = false;
  for (auto until = ctx.within(300ms); !reset && clock::now() < until; std::this_thread::sleep_for(10ms)) {
    auto info = read_tcp_info(run.peer.fd());
    reset = info && info->state == "CLOSE";
  }
  ctx.note(fmt::format("sent the acknowledgement; the client's side then {}", reset ? "reset the connection" : "stayed open for 300 ms"));
  run.peer.close();
  run.finish(ctx.within(3s));
  if (reset) {
    return ctx.fail("the client closed its socket instead of half-closing it",
                    "close() ends both directions: the server's answer then meets a reset and is lost. Call "
                    "sock.shutdown(socket.SHUT_WR) after the last line, which sends EOF but keeps reading, and "
                    "close only after the server has closed.");
  }
  ctx.ok("half-closed: it could still receive after its EOF");
}

void waits_for_close(case_context& ctx) {
  client_case run(ctx);
  if (!start_with_lines(run)) return;
  read_all_lines(ctx, run.peer);
  std::this_thread::sleep_for(300ms);
  run.peer.send(kAck, ctx.within(1s));
  std::this_thread::sleep_for(300ms);
  bool still_running = !ctx.client->poll();
  ctx.note(fmt::format("waited 300 ms, sent the acknowledgement, waited 300 ms more: the client {}",
                       still_running ? "was still waiting" : "had already exited"));
  run.peer.close();
  auto exit = run.finish(ctx.within(3s));
  if (!still_running) {
    return ctx.fail("the client exited before the server closed the connection",
                    "EOF is how the server says it is done: after shutdown(SHUT_WR), read until recv() returns "
                    "b'' (or the acknowledgement line), then close.");
  }
  if (!exit.status) return ctx.fail("the client did not exit after the server closed", "On EOF from the server, close and exit.");
  ctx.ok(fmt::format("waited for the server's close, then exited ({})", describe_status(*exit.status)));
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&)) {
  return {std::string("lines.client.") + name, title, lesson, false, run};
}

}  // namespace

std::vector<check_case> lines_client_cases() {
  return {
      make("every-line-arrives", "every line of the file arrives", "sendall() the file; nothing lost.", every_line_arrives),
      make("half-closes", "the client half-closes rather than closing outright",
           "shutdown(SHUT_WR) sends EOF and keeps the way back open.", half_closes),
      make("waits-for-close", "the client waits for the server's close",
           "The server's EOF says it has read everything; exit only then.", waits_for_close),
  };
}

}  // namespace tcpkit::check
