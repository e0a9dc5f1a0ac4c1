#include "case_kit.hpp"

#include "tcpkit/core/escape.hpp"

#include <fmt/format.h>

namespace tcpkit::check {

std::string show(std::string_view bytes) {
  if (bytes.size() <= 64) return quote_bytes(bytes);
  return fmt::format("{}... ({} bytes)", quote_bytes(bytes.substr(0, 40)), bytes.size());
}

connection connect_to_server(case_context& ctx, std::string_view why) {
  std::string problem;
  auto c = connection::open(ctx.server->at(), ctx.within(2s), &problem);
  if (!c.is_open()) {
    ctx.note(problem);
    ctx.fail(fmt::format("could not connect{}{}", why.empty() ? "" : " ", why),
             "The server does not accept connections at this point: it is not listening any more, or its "
             "listen backlog is full because it no longer calls accept().");
  } else if (!why.empty()) {
    ctx.note(fmt::format("connected ({})", why));
  }
  return c;
}

std::string sixteen_request(const case_context& ctx) {
  return ctx.config.message ? *ctx.config.message : std::string(kRequest);
}

read_result sixteen_exchange(case_context& ctx, connection& c, std::string_view request) {
  auto sent = c.send(request, ctx.within(2s));
  ctx.note(fmt::format("sent {} bytes {} ({})", request.size(), show(request), to_string(sent)));
  auto reply = c.recv_exact(16, ctx.within(2s));
  ctx.note(fmt::format("received {} bytes {} ({})", reply.data.size(), show(reply.data), to_string(reply.end)));
  return reply;
}

std::string sixteen_reply_problem(const case_context& ctx, const read_result& reply) {
  if (reply.data.size() < 16) {
    return fmt::format("the reply ended after {} of 16 bytes ({})", reply.data.size(), to_string(reply.end));
  }
  if (ctx.config.expect_reply && reply.data != *ctx.config.expect_reply) {
    return fmt::format("the reply was {}, not {} (--expect-reply)", show(reply.data), show(*ctx.config.expect_reply));
  }
  return {};
}

void client_case::start(const std::map<std::string, std::string>& extra, const std::string& stdin_path) {
  ctx.client->start(server.port(), extra, stdin_path);
  std::string line;
  for (const auto& word : ctx.client->command_line()) line += (line.empty() ? "" : " ") + word;
  ctx.note("started the client: " + line);
}

bool client_case::accept() {
  peer = server.accept(ctx.within(3s));
  if (peer.is_open()) {
    ctx.note("accepted the client's connection");
    return true;
  }
  auto exit = finish(ctx.within(1s));
  ctx.fail("the client never connected",
           "Within 3 s the client made no connection to the port tcpkit gave it. Check that COMMAND uses "
           "{host} and {port}, and that the client connects before doing anything else.");
  return false;
}

client_exit client_case::finish(clock::time_point deadline) {
  auto exit = ctx.client->finish(deadline);
  note_exit(ctx, exit);
  return exit;
}

void note_exit(case_context& ctx, const client_exit& exit) {
  if (exit.status) {
    ctx.note(fmt::format("the client ended: {} after {:.3f} s", describe_status(*exit.status), exit.seconds));
  } else {
    ctx.note(fmt::format("the client was still running after {:.3f} s: killed", exit.seconds));
  }
  for (const auto& line : exit.stdout_tail) ctx.note("client stdout: " + line);
  for (const auto& line : exit.stderr_tail) ctx.note("client stderr: " + line);
}

}  // namespace tcpkit::check
