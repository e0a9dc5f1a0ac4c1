// uppercase.server.*: tcpkit plays the uppercase clients, fixed ones that read while they send.
#include "case_kit.hpp"
#include "cases.hpp"

#include <fmt/format.h>

#include <thread>

namespace tcpkit::check {
namespace {

constexpr std::string_view kCapitalize = "capitalize this!";

// 64 KiB of mixed text, so that an off-by-one in the echo cannot go unnoticed.
std::string text_block() {
  std::string block;
  for (int i = 0; block.size() < 65536; ++i) block += fmt::format("capitalize line {:05d}: The Quick brown fox.\n", i);
  block.resize(65536);
  return block;
}

bool round_trip(case_context& ctx, std::string_view why) {
  auto c = connect_to_server(ctx, why);
  if (!c.is_open()) return false;
  auto s = stream_through(c, kCapitalize, kCapitalize.size(), ctx.within(2s));
  ctx.note("round trip: " + describe(s));
  return s.received == kCapitalize.size() && s.mismatch_at == UINT64_MAX;
}

void round_trip_case(case_context& ctx) {
  if (!round_trip(ctx, "")) {
    return ctx.fail("\"capitalize this!\" did not come back as \"CAPITALIZE THIS!\"",
                    "The server reads what arrives, uppercases it, sends it all back (sendall), and goes on until "
                    "the client's EOF.");
  }
  ctx.ok("\"capitalize this!\" came back as \"CAPITALIZE THIS!\"");
}

void all_bytes(case_context& ctx) {
  std::string block;
  for (int i = 0; i < 256; ++i) block += static_cast<char>(i);
  auto c = connect_to_server(ctx, "sending bytes 0x00-0xff four times");
  if (!c.is_open()) return;
  auto s = stream_through(c, block, 1024, ctx.within(2s));
  ctx.note(describe(s));
  c.close();
  const char* fix =
      "The service is byte-transparent: only a-z change. data.decode('ascii') raises UnicodeDecodeError on the "
      "first byte above 0x7f and kills the server; uppercase the bytes themselves (bytes.upper() changes only "
      "a-z), or catch the error per connection.";
  if (s.received != 1024 || s.mismatch_at != UINT64_MAX) return ctx.fail("bytes 0-255 did not come back with only a-z changed", fix);
  if (!round_trip(ctx, "the next client")) return ctx.fail("the server stopped serving after bytes 0-255", fix);
  ctx.ok("all 256 byte values passed, only a-z changed; the server goes on");
}

void large_stream(case_context& ctx) {
  constexpr std::uint64_t kTotal = 64ull << 20;
  auto c = connect_to_server(ctx, "a 64 MiB stream, read while sending");
  if (!c.is_open()) return;
  auto s = stream_through(c, text_block(), kTotal, ctx.within(30s));
  ctx.note(describe(s));
  if (s.received != kTotal || s.mismatch_at != UINT64_MAX || s.end != io_end::complete) {
    return ctx.fail("the 64 MiB stream did not come back whole and correct",
                    "Every byte must come back uppercased, in order, however the stream is cut into reads; loop on "
                    "recv() until EOF and sendall() each piece.");
  }
  ctx.ok(fmt::format("64 MiB, every byte checked, at {:.0f} MB/s", static_cast<double>(kTotal) / s.seconds / 1e6));
}

// Sends without reading until the connection stops taking bytes for 500 ms (or `limit`).
std::uint64_t send_until_stuck(connection& c, std::uint64_t limit, clock::time_point deadline) {
  std::string block(256 * 1024, 'x');
  std::uint64_t sent = 0;
  while (sent < limit && clock::now() < deadline) {
    std::size_t n = 0;
    auto end = c.send(block, std::min(deadline, after(500ms)), &n);
    sent += n;
    if (end != io_end::complete) break;
  }
  return sent;
}

void non_reading_client(case_context& ctx) {
  constexpr std::uint64_t kLimit = 256ull << 20;
  auto hog = connect_to_server(ctx, "a client that sends and never reads");
  if (!hog.is_open()) return;
  long rss_before = ctx.server->resident_bytes();
  auto sent = send_until_stuck(hog, kLimit, ctx.within(15s));
  long rss_after = ctx.server->resident_bytes();
  ctx.note(fmt::format("it could send {:.1f} MiB before the connection stopped taking bytes", static_cast<double>(sent) / 1048576.0));
  if (ctx.server->managed()) {
    ctx.note(fmt::format("server memory (VmRSS): {:.1f} MiB before, {:.1f} MiB after", static_cast<double>(rss_before) / 1048576.0, static_cast<double>(rss_after) / 1048576.0));
  }
  bool other = round_trip(ctx, "another client meanwhile");
  hog.reset();
  if (!other) {
    return ctx.fail("while one client did not read, another was not served",
                    "The server serves one client at a time, and is now stuck in sendall() to a client that does "
                    "not read. Serve each connection in its own thread or an event loop.");
  }
  if (sent >= kLimit || rss_after - rss_before > (128l << 20)) {
    return ctx.fail("the server buffered without bound for a client that does not read",
                    "While a reply is unsent, read no more from that client (backpressure): memory stays bounded "
                    "and the client's sends block instead.");
  }
  ctx.ok(fmt::format("others served; the stuck client cost at most {:.1f} MiB", static_cast<double>(sent) / 1048576.0));
}

void concurrent_streams(case_context& ctx) {
  constexpr int kStreams = 4;
  const std::string block = text_block();
  std::vector<connection> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(connect_to_server(ctx, fmt::format("stream {}", i + 1)));
    if (!streams.back().is_open()) return;
  }
  // Each sends 64 KiB and must get it back while the others are still open: a server that
  // serves one connection at a time answers only the first.
  for (auto& c : streams) c.send(block, ctx.within(2s));
  for (int i = 0; i < kStreams; ++i) {
    auto echo = streams[i].recv_exact(block.size(), ctx.within(2s));
    ctx.note(fmt::format("stream {}: {} of {} bytes back ({})", i + 1, echo.data.size(), block.size(), to_string(echo.end)));
    if (echo.data != uppercased(block)) {
      return ctx.fail(fmt::format("stream {} was not served while the others were open", i + 1),
                      "Several clients stream at once; serve each connection concurrently (a thread each, or an "
                      "event loop), not one after another.");
    }
  }
  for (auto& c : streams) {
    auto s = stream_through(c, block, 0, ctx.within(2s));
    if (s.end != io_end::complete) return ctx.fail("a stream did not end with EOF after its half-close", "See uppercase.server.half-close.");
  }
  ctx.ok(fmt::format("{} streams served at once", kStreams));
}

void half_close(case_context& ctx) {
  constexpr std::uint64_t kTotal = 1 << 20;
  auto c = connect_to_server(ctx, "1 MiB, then shutdown(SHUT_WR)");
  if (!c.is_open()) return;
  auto s = stream_through(c, text_block(), kTotal, ctx.within(5s));
  ctx.note(describe(s));
  if (s.received != kTotal || s.mismatch_at != UINT64_MAX) {
    return ctx.fail("not every reply arrived after the client's half-close",
                    "On the client's EOF the server must still send every reply it owes, then close.");
  }
  if (s.end != io_end::complete) {
    return ctx.fail("every reply arrived, but the server did not close after the client's EOF",
                    "recv() returning b'' is the client's EOF: finish sending, then close the socket so the client "
                    "sees EOF too.");
  }
  ctx.ok("every reply, then EOF");
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&)) {
  return {std::string("uppercase.server.") + name, title, lesson, false, run};
}

}  // namespace

std::vector<check_case> uppercase_server_cases() {
  return {
      make("round-trip", "\"capitalize this!\" comes back uppercased",
           "The server uppercases what it reads and sends it back (tcp_deadlock.py).", round_trip_case),
      make("all-bytes", "bytes 0-255 pass with only a-z changed, and the server survives",
           "TCP carries bytes, not text: decode('ascii') crashes on the first byte above 0x7f.", all_bytes),
      make("large-stream", "a 64 MiB stream with a deadlock-free client, every byte checked",
           "A stream is cut into reads anywhere; order and content must survive.", large_stream),
      make("non-reading-client", "a client that never reads does not stop others; memory stays bounded",
           "Backpressure: a server must not buffer without bound for a peer that does not read.",
           non_reading_client),
      make("concurrent-streams", "four streams at once are all served",
           "Several clients at once need concurrency, not a queue.", concurrent_streams),
      make("half-close", "after the client's half-close, every reply arrives, then EOF",
           "shutdown(SHUT_WR) ends one direction; the other carries the rest of the replies.", half_close),
  };
}

}  // namespace tcpkit::check
