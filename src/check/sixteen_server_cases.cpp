// sixteen.server.*: tcpkit plays the clients of the sixteen-octet exchange.
#include "case_kit.hpp"
#include "cases.hpp"
#include "tcpkit/check/socket_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace tcpkit::check {
namespace {

constexpr const char* kRecvAllFix =
    "TCP is a stream: one recv(16) returns whatever has arrived, perhaps 1 byte. Loop until all 16 "
    "bytes are in (the seeds' recvall()), then reply.";

// Sends `request` as pieces [0, cut) and [cut, end), `gap` apart; false if the server answered
// or closed before the last piece.
bool send_in_pieces(case_context& ctx, connection& c, std::string_view request, std::vector<std::size_t> cuts,
                    clock::duration gap) {
  cuts.push_back(request.size());
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    c.send(request.substr(from, cut - from), ctx.within(1s));
    from = cut;
    if (from < request.size() && c.readable_before(after(gap))) {
      auto early = c.recv_some(ctx.within(100ms));
      ctx.note(fmt::format("after only {} of {} bytes the server sent {} ({})", from, request.size(), show(early.data),
                           to_string(early.end)));
      return false;
    }
  }
  return true;
}

void exchange(case_context& ctx) {
  auto c = connect_to_server(ctx);
  if (!c.is_open()) return;
  auto reply = sixteen_exchange(ctx, c, sixteen_request(ctx));
  if (auto problem = sixteen_reply_problem(ctx, reply); !problem.empty()) {
    return ctx.fail(problem, "The server must read exactly 16 bytes (a recvall loop) and send its 16-byte reply "
                             "with sendall().");
  }
  ctx.ok("replied " + show(reply.data));
}

void closes_after_reply(case_context& ctx) {
  auto c = connect_to_server(ctx);
  if (!c.is_open()) return;
  auto reply = sixteen_exchange(ctx, c, sixteen_request(ctx));
  if (reply.data.size() < 16) return ctx.fail("no complete reply", "See sixteen.server.exchange.");
  auto rest = c.recv_until_eof(ctx.within(1s), 4096);
  ctx.note(fmt::format("then {} more bytes, ended by {}", rest.data.size(), to_string(rest.end)));
  if (rest.end == io_end::timeout) {
    return ctx.fail("the connection stayed open after the reply",
                    "After its reply the server must close the socket (sc.close()), so the client sees EOF; "
                    "here the client waited 1 s and the connection was still open.");
  }
  if (!rest.data.empty()) return ctx.non_strict("the server sent bytes after its 16-byte reply", "The protocol is 16 bytes each way.");
  ctx.ok(fmt::format("closed after the reply ({})", to_string(rest.end)));
}

void trickled_request(case_context& ctx) {
  auto c = connect_to_server(ctx);
  if (!c.is_open()) return;
  auto request = sixteen_request(ctx);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < request.size(); ++i) cuts.push_back(i);
  ctx.note(fmt::format("sending {} one byte every 20 ms", show(request)));
  if (!send_in_pieces(ctx, c, request, cuts, 20ms)) return ctx.fail("the server answered a partial request", kRecvAllFix);
  auto reply = c.recv_exact(16, ctx.within(2s));
  ctx.note(fmt::format("received {} ({})", show(reply.data), to_string(reply.end)));
  if (auto problem = sixteen_reply_problem(ctx, reply); !problem.empty()) return ctx.fail(problem, kRecvAllFix);
  ctx.ok("waited for all 16 bytes, then replied");
}

void split_at_every_offset(case_context& ctx) {
  auto request = sixteen_request(ctx);
  for (std::size_t cut = 1; cut < request.size(); ++cut) {
    auto c = connect_to_server(ctx, fmt::format("split at {}", cut));
    if (!c.is_open()) return;
    if (!send_in_pieces(ctx, c, request, {cut}, 15ms)) {
      return ctx.fail(fmt::format("split at offset {}, the server answered the first piece", cut), kRecvAllFix);
    }
    auto reply = c.recv_exact(16, ctx.within(2s));
    if (auto problem = sixteen_reply_problem(ctx, reply); !problem.empty()) {
      ctx.note(fmt::format("received {} ({})", show(reply.data), to_string(reply.end)));
      return ctx.fail(fmt::format("split at offset {}: {}", cut, problem), kRecvAllFix);
    }
  }
  ctx.ok(fmt::format("all {} splits answered after the whole request", request.size() - 1));
}

void seventeen_bytes(case_context& ctx) {
  auto c = connect_to_server(ctx);
  if (!c.is_open()) return;
  std::string request = "Hi there, server!";
  c.send(request, ctx.within(1s));
  ctx.note(fmt::format("sent 17 bytes {} in one write, then read only after 200 ms", show(request)));
  std::this_thread::sleep_for(200ms);  // a slow reader: the server's close has reached us by now
  auto reply = c.recv_exact(16, ctx.within(2s));
  auto rest = c.recv_until_eof(ctx.within(1s), 4096);
  ctx.note(fmt::format("received {} ({}), then the connection ended by {}", show(reply.data), to_string(reply.end),
                       to_string(rest.end)));
  const char* why =
      "A close() with unread input (the 17th byte) makes the kernel send a reset instead of a FIN, and the "
      "reset destroys the reply the client has not read yet. Close gracefully: shutdown(SHUT_WR), read "
      "what is left for a moment, then close().";
  if (auto problem = sixteen_reply_problem(ctx, reply); !problem.empty()) return ctx.fail(problem, why);
  if (rest.end == io_end::reset) return ctx.non_strict("the reply arrived, but the connection ended with a reset", why);
  ctx.ok("the reply arrived intact and the connection ended with a FIN");
}

// Misbehaves on one connection with `act`, then checks that a normal exchange still works.
void survives(case_context& ctx, const char* what, void (*act)(connection&)) {
  {
    auto bad = connect_to_server(ctx, what);
    if (!bad.is_open()) return;
    bad.send("Hi th", ctx.within(1s));
    ctx.note("sent 5 bytes \"Hi th\"");
    act(bad);
  }
  std::this_thread::sleep_for(100ms);  // time for a fragile server to fall over
  const char* fix =
      "An error on one connection (EOFError from recvall, ConnectionResetError) must end only that "
      "connection: catch it around the code that serves one client, log it, and accept the next.";
  std::string problem;
  auto good = connection::open(ctx.server->at(), ctx.within(2s), &problem);
  if (!good.is_open()) {
    ctx.note(problem);
    return ctx.fail(fmt::format("after a peer that {}, the next client could not connect", what), fix);
  }
  auto reply = sixteen_exchange(ctx, good, sixteen_request(ctx));
  if (problem = sixteen_reply_problem(ctx, reply); !problem.empty()) {
    return ctx.fail(fmt::format("after a peer that {}, the next client got no reply: {}", what, problem), fix);
  }
  ctx.ok(fmt::format("a peer that {} did not stop the server", what));
}

void short_then_close(case_context& ctx) {
  survives(ctx, "closed after 5 bytes", [](connection& c) { c.close(); });
}

void reset_peer(case_context& ctx) {
  survives(ctx, "reset after 5 bytes", [](connection& c) { c.reset(); });
}

void silent_client(case_context& ctx) {
  auto silent = connect_to_server(ctx, "a client that sends nothing");
  if (!silent.is_open()) return;
  std::this_thread::sleep_for(50ms);  // let the server accept it first
  auto other = connect_to_server(ctx, "a second client");
  if (!other.is_open()) return;
  auto reply = sixteen_exchange(ctx, other, sixteen_request(ctx));
  if (auto problem = sixteen_reply_problem(ctx, reply); !problem.empty()) {
    return ctx.fail("while one client was silent, another was not served: " + problem,
                    "The server serves one connection at a time and sits in recv() for the silent one. Serve "
                    "each connection in its own thread (threading.Thread, socketserver.ThreadingTCPServer) or "
                    "an event loop, and give each a timeout.");
  }
  ctx.ok("a silent client did not stop another from being served");
}

// 64 clients at once; each connects, sends and reads its reply; the slowest decides.
void many_clients(case_context& ctx) {
  constexpr int kClients = 64;
  std::vector<double> seconds(kClients, -1);
  const auto request = sixteen_request(ctx);
  const auto deadline = ctx.within(6s);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto begin = clock::now();
      auto c = connection::open(ctx.server->at(), deadline);
      if (!c.is_open() || c.send(request, deadline) != io_end::complete) return;
      if (c.recv_exact(16, deadline).data.size() == 16) seconds[i] = std::chrono::duration<double>(clock::now() - begin).count();
    });
  }
  for (auto& t : clients) t.join();
  int served = static_cast<int>(std::count_if(seconds.begin(), seconds.end(), [](double s) { return s >= 0; }));
  double slowest = *std::max_element(seconds.begin(), seconds.end());
  ctx.note(fmt::format("{} of {} clients got their reply{}", served, kClients,
                       served > 0 ? fmt::format("; the slowest after {:.3f} s", slowest) : ""));
  if (served < kClients) {
    return ctx.fail(fmt::format("only {} of {} clients were served within 6 s", served, kClients),
                    "Clients that connect at the same moment must all be served. A small listen backlog "
                    "(listen(1)) makes the kernel drop the connection attempts it cannot queue, and clients retry "
                    "only after 1, 3, 7 s; a server that serves one client at a time drains the queue slowly. Use "
                    "listen(128) (socket.SOMAXCONN) and serve each connection concurrently.");
  }
  if (slowest >= 0.9) {
    return ctx.non_strict(fmt::format("all served, but the slowest waited {:.1f} s", slowest),
                          "The kernel dropped connection attempts and the clients retried after 1 s: the listen "
                          "backlog is too small (listen(1)) or the server takes connections one at a time. Use "
                          "listen(128) (or socket.SOMAXCONN) and serve clients concurrently.");
  }
  ctx.ok(fmt::format("all {} served, the slowest in {:.3f} s", kClients, slowest));
}

void restart_same_port(case_context& ctx) {
  auto c = connect_to_server(ctx);
  if (!c.is_open()) return;
  auto reply = sixteen_exchange(ctx, c, sixteen_request(ctx));
  auto rest = c.recv_until_eof(ctx.within(1s), 4096);  // the server's FIN first: TIME_WAIT is on its side
  ctx.note(fmt::format("waited for the server's close ({}), then closed", to_string(rest.end)));
  c.close();
  ctx.note(fmt::format("connections in TIME_WAIT on the server's port: {}", count_time_wait(ctx.server->port())));
  ctx.death_explained = true;
  auto status = ctx.server->stop();
  ctx.note("stopped the server: " + describe_status(status.value_or(0)) + "; starting it again on the same port");
  try {
    ctx.note(ctx.server->ensure_running(ctx.within(3s)));
  } catch (const std::exception& e) {
    ctx.note(e.what());
    return ctx.fail("the server could not listen again on the same port right after serving",
                    "The connection it closed first is in TIME_WAIT on the server's side for a minute, and "
                    "bind() refuses the port (Address already in use). Set SO_REUSEADDR before bind(), as the "
                    "seeds do: sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1).");
  }
  auto again = connect_to_server(ctx, "to the restarted server");
  if (!again.is_open()) return;
  auto second = sixteen_exchange(ctx, again, sixteen_request(ctx));
  if (auto problem = sixteen_reply_problem(ctx, second); !problem.empty()) return ctx.fail(problem, "The restarted server did not answer.");
  ctx.ok("restarted on the same port at once and served");
}

check_case make(const char* name, const char* title, const char* lesson, void (*run)(case_context&), bool needs_command = false) {
  return {std::string("sixteen.server.") + name, title, lesson, needs_command, run};
}

}  // namespace

std::vector<check_case> sixteen_server_cases() {
  return {
      make("exchange", "16 bytes in, a 16-byte reply out",
           "The server reads exactly 16 bytes and answers with 16 (tcp_sixteen.py).", exchange),
      make("closes-after-reply", "the server closes the connection after its reply",
           "After the reply the server closes, so the client sees EOF.", closes_after_reply),
      make("trickled-request", "the request arrives one byte at a time",
           "recv() returns what has arrived: recvall() loops until 16 bytes are in.", trickled_request),
      make("split-at-every-offset", "the request split in two at every offset",
           "A message may arrive in pieces anywhere; only the count matters.", split_at_every_offset),
      make("seventeen-bytes", "the seed client's 17 bytes still get an intact reply",
           "Unread input turns close() into a reset that destroys the reply; close gracefully.", seventeen_bytes),
      make("silent-client", "a client that sends nothing does not stop others",
           "A server serving one client at a time is at the mercy of the slowest.", silent_client),
      make("many-clients", "64 clients at once are all served promptly",
           "The listen backlog and concurrency: listen(1) drops simultaneous connections.", many_clients),
      make("short-then-close", "a peer that closes after 5 bytes does not stop the server",
           "EOF before 16 bytes is the peer's fault, reported, not the server's end.", short_then_close),
      make("reset-peer", "a peer that resets does not stop the server",
           "A reset is an error on one connection, not on the server.", reset_peer),
      make("restart-same-port", "the server can restart on its port right after serving",
           "SO_REUSEADDR: the port is free to bind while old connections sit in TIME_WAIT.", restart_same_port,
           true),
  };
}

}  // namespace tcpkit::check
