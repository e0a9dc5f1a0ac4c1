// sixteen.client.*: tcpkit plays the server of the sixteen-octet exchange, and runs the
// client under test once per case.
#include "case_kit.hpp"
#include "cases.hpp"

#include <fmt/format.h>

#include <thread>

namespace tcpkit::check {
namespace {

constexpr const char* kRecvAllFix =
    "One recv(16) returns whatever has arrived, perhaps a single byte. Loop until all 16 bytes are in "
    "(the seeds' recvall()), then print the reply.";

// The client's request: 16 bytes, then whatever else it sends at once.
read_result read_request(case_context& ctx, connection& peer) {
  auto request = peer.recv_exact(16, ctx.within(2s));
  if (request.end == io_end::complete) {
    auto more = peer.recv_some(after(100ms), 4096);
    request.data += more.data;
  }
  ctx.note(fmt::format("the client sent {} bytes {}{}", request.data.size(), show(request.data),
                       request.end == io_end::complete ? "" : fmt::format(" ({})", to_string(request.end))));
  return request;
}

// Sends the reply as `pieces` (byte counts) `gap` apart; false if the client had closed its
// socket before the last piece (the send then meets a reset). A FIN alone proves nothing: a
// client may half-close after its request and still read.
bool send_reply(case_context& ctx, connection& peer, const std::vector<std::size_t>& pieces, clock::duration gap) {
  std::size_t from = 0;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) std::this_thread::sleep_for(gap);
    if (peer.send(kReply.substr(from, pieces[i]), ctx.within(1s)) != io_end::complete) {
      ctx.note(fmt::format("after {} of 16 bytes of the reply the client's socket was gone (reset)", from));
      return false;
    }
    from += pieces[i];
  }
  ctx.note(fmt::format("sent the reply {} in {} write{}", show(kReply), pieces.size(), pieces.size() > 1 ? "s" : ""));
  return true;
}

// The client's verdict after a reply that arrived in pieces.
void judge_pieces(case_context& ctx, client_case& run, bool whole, const char* how) {
  run.peer.close();
  auto exit = run.finish(ctx.within(3s));
  if (!whole) return ctx.fail(fmt::format("the client stopped reading before the reply was complete ({})", how), kRecvAllFix);
  if (exit.status != 0) return ctx.fail(fmt::format("the client failed although the whole reply was sent ({})", how), kRecvAllFix);
  if (exit.stdout_text.find(kReply) == std::string::npos) {
    return ctx.fail("the client's output does not show the whole reply", kRecvAllFix);
  }
  ctx.ok(fmt::format("read the whole reply ({})", how));
}

void exchange(case_context& ctx) {
  client_case run(ctx);
  run.start();
  if (!run.accept()) return;
  auto request = read_request(ctx, run.peer);
  send_reply(ctx, run.peer, {16}, 0ms);
  run.peer.close();
  auto exit = run.finish(ctx.within(3s));
  if (exit.status != 0) return ctx.fail("the client did not exit 0 after a normal exchange", "See the evidence.");
  ctx.ok("sent its request, read the reply, exited 0");
}

// Accepts the client, reads its request and sends the reply in `pieces`, `gap` apart.
void reply_in_pieces(case_context& ctx, const std::vector<std::size_t>& pieces, std::chrono::milliseconds gap,
                     const char* how) {
  client_case run(ctx);
  run.start();
  if (!run.accept()) return;
  read_request(ctx, run.peer);
  const bool whole = send_reply(ctx, run.peer, pieces, gap);
  judge_pieces(ctx, run, whole, how);
}

void trickled_reply(case_context& ctx) {
  reply_in_pieces(ctx, std::vector<std::size_t>(16, 1), 20ms, "one byte every 20 ms");
}

void reply_in_two_writes(case_context& ctx) { reply_in_pieces(ctx, {8, 8}, 200ms, "8 bytes, 200 ms, 8 bytes"); }

void closes_after_10_bytes(case_context& ctx) {
  client_case run(ctx);
  run.start();
  if (!run.accept()) return;
  read_request(ctx, run.peer);
  run.peer.send(kReply.substr(0, 10), ctx.within(1s));
  run.peer.close();
  ctx.note(fmt::format("sent 10 bytes {} and closed", show(kReply.substr(0, 10))));
  auto exit = run.finish(ctx.within(2s));
  if (!exit.status) return ctx.fail("the client still ran 2 s after the server closed", "On EOF before 16 bytes the client must stop and report it.");
  if (*exit.status == 0) {
    return ctx.fail("the client exited 0 after only 10 of 16 bytes",
                    "EOF before 16 bytes is a failure: recvall() raises EOFError (\"was expecting 16 bytes but only "
                    "received 10\"), and the program must exit non-zero, not report success.");
  }
  ctx.ok(fmt::format("failed promptly ({})", describe_status(*exit.status)));
}

void never_replies(case_context& ctx) {
  client_case run(ctx);
  run.start();
  if (!run.accept()) return;
  read_request(ctx, run.peer);
  ctx.note("never replying, keeping the connection open");
  auto exit = run.finish(ctx.within(10s));
  const char* fix =
      "A server may accept and never answer. Give the socket a timeout (sock.settimeout(5)) so that recv() "
      "raises socket.timeout, and exit non-zero with a message.";
  if (!exit.status) return ctx.fail("the client was still waiting after 10 s", fix);
  if (*exit.status == 0) return ctx.fail("the client exited 0 without a reply", fix);
  ctx.ok(fmt::format("gave up after {:.1f} s ({})", exit.seconds, describe_status(*exit.status)));
}

void connection_refused(case_context& ctx) {
  refusing_port nobody;
  ctx.client->start(nobody.port());
  ctx.note(fmt::format("started the client against 127.0.0.1:{}, where nothing listens", nobody.port()));
  auto exit = ctx.client->finish(ctx.within(3s));
  note_exit(ctx, exit);
  if (!exit.status) return ctx.fail("the client still ran 3 s after its connection was refused", "connect() fails at once with ECONNREFUSED: report it and exit.");
  if (*exit.status == 0) return ctx.fail("the client exited 0 although it could not connect", "Exit non-zero when connect() fails.");
  ctx.ok(fmt::format("failed promptly ({})", describe_status(*exit.status)));
}

void request_length(case_context& ctx) {
  client_case run(ctx);
  run.start();
  if (!run.accept()) return;
  auto request = read_request(ctx, run.peer);
  send_reply(ctx, run.peer, {16}, 0ms);
  run.peer.close();
  run.finish(ctx.within(3s));
  const auto& data = request.data;
  if (ctx.config.message) {
    if (data == *ctx.config.message) return ctx.ok("sent exactly " + show(data) + " (--message)");
    return ctx.fail(fmt::format("sent {}, not {} (--message)", show(data), show(*ctx.config.message)), "The request is pinned with --message.");
  }
  if (data.size() < 16) {
    return ctx.fail(fmt::format("sent only {} bytes", data.size()),
                    "The server reads exactly 16 bytes and waits for the rest: send 16.");
  }
  if (data.size() > 16) {
    return ctx.informational(fmt::format("sent {} bytes {}: the server reads 16, the rest is never read", data.size(), show(data)),
                             "The seed's own client sends \"Hi there, server!\" (17 bytes); the exclamation mark is "
                             "never received by a server that reads 16.");
  }
  ctx.ok("sent 16 bytes " + show(data));
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&)) {
  return {std::string("sixteen.client.") + name, title, lesson, false, run};
}

}  // namespace

std::vector<check_case> sixteen_client_cases() {
  return {
      make("exchange", "a normal exchange ends with exit status 0",
           "Send 16 bytes, read the 16-byte reply, close.", exchange),
      make("trickled-reply", "the reply arrives one byte at a time",
           "A single recv(16) may return 1 byte: recvall() loops.", trickled_reply),
      make("reply-in-two-writes", "the reply arrives in two writes 200 ms apart",
           "Segments arrive when they arrive; the count decides, not the first recv().", reply_in_two_writes),
      make("closes-after-10-bytes", "a server that closes after 10 bytes makes the client fail promptly",
           "EOF before 16 bytes is an error (EOFError), not success.", closes_after_10_bytes),
      make("never-replies", "a server that accepts and never replies: the client gives up",
           "Every wait needs a deadline; a client without one hangs forever.", never_replies),
      make("connection-refused", "connection refused: non-zero, promptly",
           "connect() fails at once when nothing listens; report it.", connection_refused),
      make("request-length", "the request is 16 bytes",
           "The protocol is 16 octets; the seed client's 17th byte is never read.", request_length),
  };
}

}  // namespace tcpkit::check
