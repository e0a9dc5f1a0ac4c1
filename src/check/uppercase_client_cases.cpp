// uppercase.client.*: tcpkit plays the uppercase server and runs the client under test with
// {bytes} replaced, once per case.
#include "case_kit.hpp"
#include "cases.hpp"

#include <fmt/format.h>

#include <thread>

namespace tcpkit::check {
namespace {

struct serve_outcome {
  std::uint64_t received = 0, sent = 0;
  bool client_eof = false;
  bool deadlocked = false;
};

// The seed's server: read what arrives, send it back uppercased, until the client's EOF. With
// `trickle`, each reply goes out a byte at a time. A send that makes no progress for 2 s while
// the client still has bytes coming is the naive client's deadlock, seen from this side (2 s,
// not less: a busy machine may pause a correct client for a moment).
serve_outcome serve(case_context& ctx, connection& peer, clock::duration trickle = {}) {
  serve_outcome o;
  for (;;) {
    auto chunk = peer.recv_some(ctx.within(3s), 65536);
    if (chunk.end != io_end::complete) {
      o.client_eof = chunk.end == io_end::eof;
      ctx.note(fmt::format("after {} bytes from the client: {}", o.received, to_string(chunk.end)));
      return o;
    }
    o.received += chunk.data.size();
    auto reply = uppercased(chunk.data);
    for (std::size_t at = 0; at < reply.size();) {
      std::size_t n = trickle.count() > 0 ? 1 : reply.size();
      std::size_t put = 0;
      auto end = peer.send(std::string_view(reply).substr(at, n), ctx.within(2s), &put);
      at += put;
      o.sent += put;
      if (end == io_end::timeout) {
        ctx.note(fmt::format("our send made no progress for 2 s: {} bytes queued in our send buffer, {} bytes of the "
                             "client's in our receive buffer, the client's window {} bytes",
                             peer.queued_to_send(), peer.queued_to_read(), peer.peer_window()));
        o.deadlocked = peer.queued_to_read() > 0;
        return o;
      }
      if (end != io_end::complete) return o;
      if (trickle.count() > 0) std::this_thread::sleep_for(trickle);
    }
  }
}

void naive_deadlock(case_context& ctx) {
  client_case run(ctx);
  run.start({{"bytes", std::to_string(64u << 20)}});
  if (!run.accept()) return;
  auto o = serve(ctx, run.peer);
  ctx.note(fmt::format("received {} bytes, sent back {}", o.received, o.sent));
  if (o.deadlocked) {
    run.peer.reset();
    run.finish(ctx.within(1s));
    return ctx.fail("deadlock: the client stopped reading while it still sends",
                    "The client sends everything before it reads anything. The server's replies fill the client's "
                    "receive buffer (its window is zero) and tcpkit's send queue; the server then stops reading, the "
                    "client's own sends fill the other direction, and both wait forever. Fix it as the seeds say: "
                    "read and write at once, with a thread for each direction (threading) or one non-blocking event "
                    "loop (select/selectors).");
  }
  run.peer.close();
  auto exit = run.finish(ctx.within(5s));
  if (exit.status != 0 || o.received != (64u << 20)) {
    return ctx.fail(fmt::format("64 MiB exchange did not complete ({} bytes received)", o.received), "See the evidence.");
  }
  ctx.ok("64 MiB each way without a deadlock");
}

void trickled_replies(case_context& ctx) {
  client_case run(ctx);
  run.start({{"bytes", "64"}});
  if (!run.accept()) return;
  auto o = serve(ctx, run.peer, 5ms);
  ctx.note(fmt::format("received {} bytes, sent {} back one byte every 5 ms", o.received, o.sent));
  run.peer.close();
  auto exit = run.finish(ctx.within(3s));
  if (!o.client_eof) return ctx.fail("the client never half-closed", "After its last byte the client calls shutdown(SHUT_WR), so the server sees EOF.");
  if (exit.status != 0) {
    return ctx.fail("the client failed when the replies came a byte at a time",
                    "recv() returns whatever has arrived; keep reading until EOF instead of expecting whole replies.");
  }
  ctx.ok("read every trickled reply and exited 0");
}

void reset_mid_stream(case_context& ctx) {
  client_case run(ctx);
  run.start({{"bytes", std::to_string(16u << 20)}});
  if (!run.accept()) return;
  auto first = run.peer.recv_exact(65536, ctx.within(2s));
  run.peer.send(uppercased(first.data), ctx.within(1s));
  run.peer.reset();
  ctx.note(fmt::format("read {} bytes, sent them back, then reset the connection", first.data.size()));
  auto exit = run.finish(ctx.within(3s));
  if (!exit.status) return ctx.fail("the client still ran 3 s after the reset", "A reset makes send() and recv() fail at once: report it and exit.");
  if (*exit.status == 0) return ctx.fail("the client exited 0 after the server reset the stream", "Exit non-zero when the connection breaks.");
  ctx.ok(fmt::format("failed promptly ({})", describe_status(*exit.status)));
}

void wrong_reply(case_context& ctx) {
  client_case run(ctx);
  run.start({{"bytes", "64"}});
  if (!run.accept()) return;
  auto request = run.peer.recv_until_eof(ctx.within(3s), 4096);
  run.peer.send(request.data, ctx.within(1s));  // echoed as it came: not uppercased
  run.peer.close();
  ctx.note(fmt::format("received {} bytes ({}), sent them back unchanged, lowercase", request.data.size(), to_string(request.end)));
  auto exit = run.finish(ctx.within(3s));
  if (exit.status == 0) {
    return ctx.non_strict("the client exited 0 although no byte came back uppercased",
                          "A client that checks nothing cannot tell a working server from a broken one. Compare each "
                          "received byte with the uppercase of the byte sent at that offset.");
  }
  ctx.ok(fmt::format("noticed the wrong reply ({})", exit.status ? describe_status(*exit.status) : "killed"));
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&)) {
  return {std::string("uppercase.client.") + name, title, lesson, false, run};
}

}  // namespace

std::vector<check_case> uppercase_client_cases() {
  return {
      make("naive-deadlock", "64 MiB each way without the naive deadlock",
           "A client that sends everything before reading deadlocks once both buffers fill (tcp_deadlock.py).",
           naive_deadlock),
      make("trickled-replies", "replies that arrive one byte at a time",
           "The replies come in whatever pieces TCP delivers; read until EOF.", trickled_replies),
      make("reset-mid-stream", "a server that resets mid-stream: the client fails promptly",
           "A reset is an error to report with a non-zero exit, not success.", reset_mid_stream),
      make("wrong-reply", "a server that does not uppercase: the client notices",
           "A client that checks its replies proves the service works.", wrong_reply),
  };
}

}  // namespace tcpkit::check
