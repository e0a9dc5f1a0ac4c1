#include "tcpkit/check/suite.hpp"

#include "cases.hpp"
#include "tcpkit/core/errors.hpp"

#include <fmt/format.h>

#include <fnmatch.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

namespace tcpkit::check {
namespace {

// A temporary folder for captured output, removed with everything in it.
class scratch_folder {
 public:
  scratch_folder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tcpkit-check.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw error(std::error_code(errno, std::system_category()), "mkdtemp", pattern);
    path_ = pattern;
  }
  ~scratch_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<const check_case*> select_cases(const check_config& config) {
  const std::string prefix = config.program + "." + config.role + ".";
  std::vector<const check_case*> chosen;
  for (const auto& c : all_cases()) {
    if (c.id.rfind(prefix, 0) == 0 && (config.case_pattern.empty() || case_matches(c.id, config.case_pattern))) {
      chosen.push_back(&c);
    }
  }
  if (chosen.empty()) {
    throw error(make_error_code(errc::usage), "check", {},
                fmt::format("no case of {}.{} matches --case {}", config.program, config.role, config.case_pattern));
  }
  return chosen;
}

// After the case: a managed server that died fails it, with its last words as evidence.
void judge_server_health(case_context& ctx, std::size_t stderr_start) {
  auto* server = ctx.server;
  if (server == nullptr || !server->managed()) return;
  // The case's connections are closed by now; a server that chokes on them or on their closing
  // falls over within moments (a Python traceback takes a while on a busy machine), and that
  // belongs to this case, not to the next.
  std::this_thread::sleep_for(200ms);
  if (!server->alive()) {
    ctx.note("the server ended: " + describe_status(server->exit_status().value_or(-1)));
    // Its death is the cause, what the case saw afterwards (no reply, refused) a symptom; a case
    // that FAILED already keeps its explanation, which names the mistake more precisely.
    if (ctx.death_explained) {
      // the case stopped it on purpose and judged the restart itself
    } else if (ctx.result.outcome == verdict::failed) {
      ctx.result.summary = "the server died: " + ctx.result.summary;
    } else {
      ctx.fail("the server died during this case",
               "One client's misbehaviour ended the whole server. Handle each connection's errors (EOF "
               "before 16 bytes, a reset, bytes that do not decode) inside the loop that serves it, log "
               "them, and go back to accept().");
    }
  }
  if (ctx.result.outcome != verdict::ok) {
    for (const auto& line : server->stderr_tail(6, stderr_start)) ctx.note("server stderr: " + line);
  }
}

// Starts the server under test if it is not running; false (the case FAILED) if it does not
// listen within 5 s.
bool start_server(case_context& ctx) {
  try {
    auto started = ctx.server->ensure_running(ctx.within(5s));
    if (!started.empty()) ctx.note(started);
    return true;
  } catch (const std::exception& e) {
    ctx.note(e.what());
    ctx.fail("the server did not start listening",
             "tcpkit runs COMMAND with {host} and {port} replaced and waits up to 5 s until it listens there. "
             "Check the command line, and the program's own messages below.");
    ctx.death_explained = true;  // never started: there is no death to report
    return false;
  }
}

case_result finish(case_context& ctx, std::size_t stderr_start) {
  judge_server_health(ctx, stderr_start);
  ctx.result.seconds = std::chrono::duration<double>(clock::now() - ctx.started).count();
  return ctx.result;
}

case_result run_one(const check_case& c, const check_config& config, server_under_test* server,
                    client_under_test* client) {
  case_context ctx{config, server, client, clock::now(), {}, {}, false};
  ctx.deadline = ctx.started + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(config.case_timeout_s));
  std::size_t stderr_start = server ? server->stderr_size() : 0;
  try {
    if (c.needs_command && server && !server->managed()) {
      ctx.informational("not run: needs the server's command line (-- COMMAND), so that tcpkit can restart it");
    } else {
      if (server && !start_server(ctx)) return finish(ctx, stderr_start);
      c.run(ctx);
    }
  } catch (const std::exception& e) {
    ctx.fail(std::string("the case could not complete: ") + e.what(),
             "The program did not behave as the protocol needs at this step; the evidence shows how far it got.");
  }
  return finish(ctx, stderr_start);
}

}  // namespace

void case_context::note(const std::string& line) {
  double t = std::chrono::duration<double>(clock::now() - started).count();
  result.evidence.push_back(fmt::format("+{:.3f} s  {}", t, line));
}

void case_context::ok(std::string summary) {
  result.outcome = verdict::ok;
  result.summary = std::move(summary);
}

void case_context::fail(std::string summary, std::string explanation) {
  result.outcome = verdict::failed;
  result.summary = std::move(summary);
  result.explanation = std::move(explanation);
}

void case_context::non_strict(std::string summary, std::string explanation) {
  result.outcome = verdict::non_strict;
  result.summary = std::move(summary);
  result.explanation = std::move(explanation);
}

void case_context::informational(std::string summary, std::string explanation) {
  result.outcome = verdict::informational;
  result.summary = std::move(summary);
  result.explanation = std::move(explanation);
}

std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::ok: return "OK";
    case verdict::failed: return "FAILED";
    case verdict::non_strict: return "NON-STRICT";
    case verdict::informational: return "INFORMATIONAL";
  }
  return "?";
}

bool case_matches(const std::string& id, const std::string& pattern) {
  if (pattern.find_first_of("*?[") == std::string::npos) return id.find(pattern) != std::string::npos;
  const std::string name = id.substr(id.rfind('.') + 1);
  return ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0 || ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

const std::vector<check_case>& all_cases() {
  static const std::vector<check_case> cases = [] {
    std::vector<check_case> all;
    for (auto suite : {sixteen_server_cases, sixteen_client_cases, uppercase_server_cases, uppercase_client_cases,
                       lines_server_cases, lines_client_cases}) {
      for (auto& c : suite()) all.push_back(std::move(c));
    }
    return all;
  }();
  return cases;
}

std::vector<std::pair<const check_case*, case_result>> run_suite(const check_config& config,
                                                                  const std::vector<case_sink*>& sinks) {
  auto chosen = select_cases(config);
  scratch_folder scratch;
  std::unique_ptr<server_under_test> server;
  std::unique_ptr<client_under_test> client;
  if (config.role == "server") {
    server = config.command.empty()
                 ? std::make_unique<server_under_test>(resolve_address(config.host, config.port))
                 : std::make_unique<server_under_test>(config.command, scratch.path());
  } else {
    if (config.command.empty()) {
      throw error(make_error_code(errc::usage), "check", {}, "a client is checked by running it: give -- COMMAND");
    }
    client = std::make_unique<client_under_test>(config.command, scratch.path());
  }
  auto begun = clock::now();
  std::vector<std::pair<const check_case*, case_result>> results;
  for (const auto* c : chosen) {
    results.emplace_back(c, run_one(*c, config, server.get(), client.get()));
    for (auto* sink : sinks) sink->on_case(*c, results.back().second);
  }
  if (server) server->stop();
  double seconds = std::chrono::duration<double>(clock::now() - begun).count();
  for (auto* sink : sinks) sink->on_end(results, seconds);
  return results;
}

}  // namespace tcpkit::check
