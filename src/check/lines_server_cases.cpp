// lines.server.*: tcpkit plays line-sending clients and reads what the server printed on its
// stdout (captured when tcpkit started it).
#include "case_kit.hpp"
#include "cases.hpp"

#include <fmt/format.h>

#include <sstream>
#include <thread>

namespace tcpkit::check {
namespace {

constexpr const char* kReadLinesFix =
    "recv(1024) returns chunks that end anywhere, not lines. Read the socket like a file, as the lab says: "
    "f = sc.makefile('rb'), then `for line in f:` yields whole lines, however the bytes arrived.";

// Sends `pieces` with `gap` between them, half-closes, and reads what the server sends back
// until its close (at most `wait`). Returns that reply; notes everything.
read_result send_lines(case_context& ctx, const std::vector<std::string>& pieces, clock::duration gap,
                       clock::duration wait = 300ms, bool quiet = false) {
  auto c = connect_to_server(ctx, quiet ? "" : "a line client");
  if (!c.is_open()) return {{}, io_end::reset};
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0 && gap.count() > 0) std::this_thread::sleep_for(gap);
    c.send(pieces[i], ctx.within(3s));
    bytes += pieces[i].size();
  }
  c.shutdown_write();
  auto reply = c.recv_until_eof(ctx.within(wait), 4096);
  if (!quiet) {
    ctx.note(fmt::format("sent {} bytes in {} piece{}, then shutdown(SHUT_WR); the server sent back {} ({})", bytes,
                         pieces.size(), pieces.size() > 1 ? "s" : "", show(reply.data),
                         reply.end == io_end::timeout ? "still open" : to_string(reply.end)));
  }
  return reply;
}

// The printed output from `offset`, as lines without their terminators.
std::vector<std::string> printed_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The first of `expected` (in order) that the server has not printed as a whole line since
// `offset`, waiting up to 1.5 s for its output; "" when all were.
std::string first_unprinted(case_context& ctx, std::size_t offset, const std::vector<std::string>& expected) {
  auto deadline = ctx.within(1500ms);
  for (;;) {
    auto lines = printed_lines(ctx.server->stdout_since(offset));
    std::size_t at = 0;
    std::string missing;
    for (const auto& want : expected) {
      while (at < lines.size() && lines[at] != want) ++at;
      if (at == lines.size()) {
        missing = want;
        break;
      }
      ++at;
    }
    if (missing.empty() || clock::now() >= deadline) return missing;
    std::this_thread::sleep_for(20ms);
  }
}

// The common verdict of a case that sent `expected` lines: whole lines printed, or not.
void judge_printed(case_context& ctx, std::size_t offset, const std::vector<std::string>& expected, const std::string& what,
                   const char* fix = kReadLinesFix) {
  if (!ctx.server->managed()) {
    return ctx.informational(what + " sent; tcpkit cannot see the stdout of a server it did not start",
                             "Run the check with -- COMMAND to compare the printed lines.");
  }
  auto missing = first_unprinted(ctx, offset, expected);
  if (!missing.empty()) {
    for (const auto& line : ctx.server->stdout_tail(4, offset)) ctx.note("server stdout: " + line);
    return ctx.fail(fmt::format("{}: the line {} was not printed whole", what, show(missing)), fix);
  }
  ctx.ok(fmt::format("{}: every line printed whole", what));
}

void every_line(case_context& ctx) {
  const std::string text = "the first line\nthe second line\n\nthe fourth line, after an empty one\n";
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {text}, 0ms);
  judge_printed(ctx, offset, printed_lines(text), "4 lines");
  if (ctx.result.outcome == verdict::ok && ctx.server->stdout_since(offset).find(text) == std::string::npos) {
    ctx.non_strict("every line printed, but not byte for byte as sent",
                   "Print each line exactly as it arrived (sys.stdout.buffer.write(line)); print(line) adds a second "
                   "newline, and a decoded line may differ from its bytes.");
  }
}

void split_at_every_offset(case_context& ctx) {
  auto offset = ctx.server->stdout_size();
  std::vector<std::string> expected;
  constexpr std::size_t kLength = 14;  // "sNN alpha\nbNN\n"
  for (std::size_t cut = 1; cut < kLength; ++cut) {
    auto text = fmt::format("s{:02d} alpha\nb{:02d}\n", cut, cut);
    send_lines(ctx, {text.substr(0, cut), text.substr(cut)}, 15ms, 300ms, true);
    expected.push_back(fmt::format("s{:02d} alpha", cut));
    expected.push_back(fmt::format("b{:02d}", cut));
  }
  ctx.note("sent \"sNN alpha\\nbNN\\n\" split in two at offsets 1 to 13, 15 ms apart, one connection each");
  judge_printed(ctx, offset, expected, "13 split messages");
}

void trickled(case_context& ctx) {
  auto offset = ctx.server->stdout_size();
  const std::string text = "trickled one byte at a time\n";
  std::vector<std::string> pieces;
  for (char ch : text) pieces.emplace_back(1, ch);
  send_lines(ctx, pieces, 10ms);
  judge_printed(ctx, offset, {"trickled one byte at a time"}, "a line trickled one byte every 10 ms");
}

void crlf(case_context& ctx) {
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {"crlf line one\r\ncrlf line two\r\n"}, 0ms);
  judge_printed(ctx, offset, {"crlf line one", "crlf line two"}, "two CRLF lines");
}

void last_line_without_newline(case_context& ctx) {
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {"first of two\nthe last, without a newline"}, 0ms);
  judge_printed(ctx, offset, {"first of two", "the last, without a newline"}, "a last line without newline",
                "At EOF the bytes after the last newline are still a line: print it (a file's readline() returns it "
                "without the newline).");
}

void long_line(case_context& ctx) {
  std::string line(1 << 20, 'x');
  for (std::size_t i = 0; i < line.size(); i += 64) line[i] = static_cast<char>('a' + (i / 64) % 26);
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {line + "\n"}, 0ms, 2s);
  if (!ctx.server->managed()) return judge_printed(ctx, offset, {}, "a 1 MiB line");
  auto missing = first_unprinted(ctx, offset, {line});
  if (missing.empty()) return ctx.ok("a 1 MiB line printed whole");
  auto printed = ctx.server->stdout_since(offset);
  if (printed.find(line.substr(0, 256)) != std::string::npos) {
    return ctx.fail("the 1 MiB line was printed, but not as one line", kReadLinesFix);
  }
  if (send_lines(ctx, {"after the long line\n"}, 0ms).end != io_end::reset && first_unprinted(ctx, offset, {"after the long line"}).empty()) {
    return ctx.informational("the 1 MiB line was refused, and the server went on serving",
                             "A cap on the line length (like tcpkit's --max-line) is a deliberate limit.");
  }
  ctx.fail("the 1 MiB line was lost", "Long lines are still lines; a cap must end only that connection.");
}

void two_clients(case_context& ctx) {
  const std::string a(2000, 'A'), b(2000, 'B');
  auto offset = ctx.server->stdout_size();
  auto first = connect_to_server(ctx, "client A");
  auto second = connect_to_server(ctx, "client B");
  if (!first.is_open() || !second.is_open()) return;
  first.send(a.substr(0, 1000), ctx.within(1s));
  std::this_thread::sleep_for(100ms);
  second.send(b + "\n", ctx.within(1s));
  second.shutdown_write();
  std::this_thread::sleep_for(100ms);
  first.send(a.substr(1000) + "\n", ctx.within(1s));
  first.shutdown_write();
  ctx.note("A sent the first half of a 2000-byte line; B sent a whole line; then A sent the rest");
  first.recv_until_eof(ctx.within(300ms), 4096);
  second.recv_until_eof(ctx.within(300ms), 4096);
  if (ctx.server->managed() && !first_unprinted(ctx, offset, {b}).empty()) {
    return judge_printed(ctx, offset, {b}, "B's line");
  }
  judge_printed(ctx, offset, {a}, "two clients at once",
                "Each line must be printed whole, under a lock, only once its newline has arrived; printing "
                "pieces as they come mixes clients' lines.");
}

void closes_after_half_close(case_context& ctx) {
  auto reply = send_lines(ctx, {"close after this line\n"}, 0ms, 1s);
  if (reply.end == io_end::timeout) {
    return ctx.fail("the connection stayed open for 1 s after the client's half-close",
                    "The makefile() pitfall: sc.close() does not close the connection while the file object made "
                    "by sc.makefile() is still open, so the client waits forever for EOF. Close the file too "
                    "(f.close(), or `with sc.makefile('rb') as f:`), then the socket.");
  }
  ctx.ok(fmt::format("closed after the client's EOF ({})", to_string(reply.end)));
}

void acknowledgement(case_context& ctx) {
  auto reply = send_lines(ctx, {"ack one\nack two\n"}, 0ms, 1s);
  const std::string expected = "received 2 lines, 16 bytes\n";
  if (reply.data == expected) return ctx.ok("acknowledged: " + show(reply.data));
  if (reply.data.empty()) {
    return ctx.informational("no acknowledgement", "The lab does not ask for one; tcpkit's server sends \"received N lines, M bytes\".");
  }
  ctx.informational("acknowledged with " + show(reply.data), "tcpkit's server sends " + show(expected) + " for this input.");
}

void non_ascii(case_context& ctx) {
  const std::string text = "caf\xc3\xa9 na\xc3\xafve \xe2\x98\x95 \xff\n";
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {text}, 0ms);
  judge_printed(ctx, offset, {text.substr(0, text.size() - 1)}, "a line of UTF-8 and a 0xff byte",
                "Lines are bytes: decode('ascii') (or even 'utf-8') raises on bytes it does not know and kills the "
                "server. Print the bytes as they are (sys.stdout.buffer.write).");
}

void reset_peer(case_context& ctx) {
  {
    auto c = connect_to_server(ctx, "a client that resets in mid-line");
    if (!c.is_open()) return;
    c.send("half a li", ctx.within(1s));
    c.reset();
  }
  std::this_thread::sleep_for(100ms);
  auto offset = ctx.server->stdout_size();
  send_lines(ctx, {"after the reset\n"}, 0ms);
  judge_printed(ctx, offset, {"after the reset"}, "the next client after a reset",
                "A reset (ConnectionResetError) ends one connection: catch it per connection and go on.");
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&)) {
  return {std::string("lines.server.") + name, title, lesson, false, run};
}

}  // namespace

std::vector<check_case> lines_server_cases() {
  return {
      make("every-line", "every line printed exactly", "The lab: read the socket like a file, print each line.", every_line),
      make("split-at-every-offset", "lines split at every offset", "Chunks are not lines; a file object reassembles them.",
           split_at_every_offset),
      make("trickled", "a line trickled one byte at a time", "A line is complete at its newline, not at a recv().", trickled),
      make("crlf", "CRLF-terminated lines", "Lines may end in \\r\\n (telnet, Windows).", crlf),
      make("last-line-without-newline", "a last line without newline is printed",
           "At EOF the remaining bytes are the last line.", last_line_without_newline),
      make("long-line", "a 1 MiB line", "A line can be longer than any one read.", long_line),
      make("two-clients", "two clients at once never interleave within a line",
           "Concurrent clients share stdout; print whole lines only.", two_clients),
      make("non-ascii", "UTF-8 and a 0xff byte pass through", "A socket carries bytes; decoding can crash.", non_ascii),
      make("reset-peer", "a client that resets does not stop the server", "Errors are per connection.", reset_peer),
      make("closes-after-half-close", "after the client's half-close the server closes",
           "makefile() keeps the socket open after sc.close() until the file is closed too.", closes_after_half_close),
      make("acknowledgement", "the acknowledgement, when there is one",
           "tcpkit's server answers \"received N lines, M bytes\"; the lab does not ask for it.", acknowledgement),
  };
}

}  // namespace tcpkit::check
