// tcpkit check: the options; check_run.cpp runs the suite (SPEC §3.4, docs/CHECK.md).
#include "actions.hpp"
#include "commands.hpp"
#include "typed_options.hpp"
#include "values.hpp"

namespace tcpkit::cli {
namespace {

// HOST:PORT and [V6]:PORT, as every HOST takes them (SPEC §2): the port goes where -p puts it.
// Returns whether a port was given either way.
bool take_host_port(check_settings& s, bool port_given) {
  if (s.host.empty()) return port_given;
  const bool in_host = parse_host_port("HOST", s.host).port.has_value();
  common_options target;
  target.host = s.host;
  target.port = s.port;
  apply_host_port(target, port_given);
  s.host = target.host;
  s.port = target.port;
  return port_given || in_host;
}

// The combinations the synopsis allows, checked once parsing is done.
void require_target(const check_settings& s, bool port_given) {
  if (s.list) return;
  if (s.program.empty() || s.role.empty()) throw CLI::ValidationError("PROGRAM ROLE", "both are required (or --list)");
  if (s.role == "client" && s.command.empty()) {
    throw CLI::ValidationError("--", "a client is checked by running it: tcpkit check PROGRAM client -- COMMAND...");
  }
  if (!s.command.empty() && (!s.host.empty() || port_given)) {
    throw CLI::ValidationError("HOST", "give either HOST -p PORT (a running server) or -- COMMAND, not both");
  }
  if (s.role == "server" && s.command.empty() && (s.host.empty() || !port_given || s.port == 0)) {
    throw CLI::ValidationError("HOST", "a running server needs HOST -p PORT; or let tcpkit start it: -- COMMAND...");
  }
}

}  // namespace

void add_check_command(CLI::App& app, check_command_options& options, action& chosen) {
  check_settings& settings = options.settings;
  auto* check = app.add_subcommand("check", "test your own server or client case by case (docs/CHECK.md)");
  check->add_flag("--list", settings.list, "list every case: id, title, the lesson it checks");
  check->add_option("program", settings.program, "sixteen | uppercase | lines")
      ->check(CLI::IsMember({"sixteen", "simple", "uppercase", "lines"}))
      ->transform([](std::string p) { return p == "simple" ? std::string("sixteen") : p; });
  check->add_option("role", settings.role, "server | client")->check(CLI::IsMember({"server", "client"}));
  check->add_option("host", settings.host, "where the server under test listens (with -p PORT)");
  auto* port = add_count_option(*check, "-p,--port", settings.port, "the running server's port", 1, 65535)->type_name("PORT");
  check->add_option("--case", settings.case_pattern, "run only the cases matching PATTERN (a glob, or part of an id)")
      ->type_name("PATTERN");
  add_seconds_option(*check, "--case-timeout", settings.case_timeout_s, "the bound on any one case, seconds (default 20)",
                     1.0, 600.0);
  check->add_flag("--json", settings.json, "one NDJSON `case` event per case and an `end` event (docs/JSON.md)");
  check->add_option("--junit", settings.junit_path, "also write JUnit XML to FILE (one testcase per case)")->type_name("FILE");
  check->add_option("--html", settings.html_path, "also write one self-contained HTML page to FILE")->type_name("FILE");
  check->add_flag("-q,--quiet", settings.quiet, "print only the cases that are not OK, and the totals");
  auto* message_option = check->add_option("--message", options.message, "sixteen: the exact request the client under test must send");
  auto* reply_option = check->add_option("--expect-reply", options.expect_reply, "sixteen: the exact reply the server under test must send");
  check->callback([&chosen, &options, &settings, port, message_option, reply_option] {
    if (message_option->count() > 0) settings.message = options.message;
    if (reply_option->count() > 0) settings.expect_reply = options.expect_reply;
    const bool port_given = take_host_port(settings, port->count() > 0);
    require_target(settings, port_given);
    chosen = [&settings] { return check_main(settings); };
  });
  check->footer(
      "Usage:\n"
      "  tcpkit check --list\n"
      "  tcpkit check PROGRAM ROLE HOST -p PORT [options]      # a server that is already running\n"
      "  tcpkit check PROGRAM ROLE [options] -- COMMAND...     # tcpkit starts the program itself\n"
      "COMMAND may use {host} and {port} (and {bytes} for the uppercase client, {file} for the lines\n"
      "client; without {file} the lines come on its stdin). Exit 0 when no case FAILED, 8 when one did.\n"
      "Examples:\n"
      "  tcpkit check sixteen server -- python3 tcp_sixteen.py server {host} -p {port}\n"
      "  tcpkit check sixteen client -- python3 tcp_sixteen.py client {host} -p {port}\n"
      "  tcpkit check lines server 127.0.0.1 -p 1060 --case '*split*'");
}

}  // namespace tcpkit::cli
